"""Shared sub-procedures: a call activity calls a procedure kept once in its own
bundle; each caller version pins the sub-procedure's version it was deployed with, a
dossier runs what was pinned when it started, and callers move to a new version of the
sub-procedure only when asked."""

from __future__ import annotations

import json

import pytest

from engine.db import transaction
from engine.errors import BundleInvalid
from engine.procedures import procedures
from engine.procedures.bundle import LOCK_FILE

from ..helpers import bpmn_bundle, complete, deploy, open_tasks, submit
from .test_conformance import APP, T0, consistent


def steps(sessions, code: str) -> list[tuple[str, str, str]]:
    return [(t.element_id, t.name, t.role) for t in open_tasks(sessions, code)]


@pytest.fixture
def folders(tmp_path):
    return bpmn_bundle(tmp_path, "shared_fee"), bpmn_bundle(tmp_path, "shared_caller")


def test_a_caller_pins_the_shared_version_and_moves_only_when_asked(sessions, folders):
    fee, caller = folders
    deploy(sessions, fee)
    assert deploy(sessions, caller).version == 1
    with transaction(sessions) as s:
        lock = json.loads(procedures.latest_version(s, "shared_caller").files[LOCK_FILE])
    assert {code: pin["version"] for code, pin in lock.items()} == {"shared_fee": 1}
    early = submit(sessions, "shared_caller", APP, T0)
    assert steps(sessions, early) == [("fee_confirm", "Xác nhận đã thu phí", "reception")]

    bpmn = fee / "procedure.bpmn"
    bpmn.write_text(bpmn.read_text().replace("Xác nhận đã thu phí", "Xác nhận thu phí (mới)"))
    assert deploy(sessions, fee).version == 2
    # deploying the sub-procedure does not move its callers
    later = submit(sessions, "shared_caller", APP, T0)
    assert steps(sessions, later) == [("fee_confirm", "Xác nhận đã thu phí", "reception")]
    with transaction(sessions) as s:
        [behind] = procedures.callers_behind(s, "shared_fee")
        assert (behind.code, behind.pinned, behind.newest) == ("shared_caller", 1, 2)
        [moved] = procedures.update_callers(s, "shared_fee", "analyst")
        assert (moved.code, moved.version, moved.created) == ("shared_caller", 2, True)
        assert procedures.callers_behind(s, "shared_fee") == []
    newest = submit(sessions, "shared_caller", APP, T0)
    assert steps(sessions, newest) == [("fee_confirm", "Xác nhận thu phí (mới)", "reception")]
    for code in (early, later, newest):
        complete(sessions, code, "fee_confirm", {"decision": "approve"}, when=T0)
        assert steps(sessions, code) == [("assess", "Thẩm định", "specialist")]
        complete(sessions, code, "assess", {"decision": "approve"}, when=T0)
        consistent(sessions, code)


def test_a_caller_of_a_sub_procedure_nowhere_deployed_is_refused(sessions, folders):
    _, caller = folders
    with pytest.raises(BundleInvalid, match="shared_fee"):
        deploy(sessions, caller)


def test_a_folder_of_bundles_deploys_the_shared_ones_first(sessions, folders):
    fee, _ = folders
    with transaction(sessions) as s:
        results = procedures.deploy_path(s, fee.parent)
    assert [r.code for r in results] == ["shared_fee", "shared_caller"]


def test_an_analysts_own_lock_file_is_replaced_by_the_real_pins(sessions, folders):
    fee, caller = folders
    deploy(sessions, fee)
    (caller / LOCK_FILE).write_text('{"shared_fee": {"version": 99, "content_hash": "x"}}')
    deploy(sessions, caller)
    with transaction(sessions) as s:
        lock = json.loads(procedures.latest_version(s, "shared_caller").files[LOCK_FILE])
    assert lock["shared_fee"]["version"] == 1


def test_a_shared_sub_procedure_is_not_offered_to_applicants(sessions, tmp_path):
    from engine.errors import InvalidInput

    deploy(sessions, bpmn_bundle(tmp_path, "shared_fee", extra_toml="shared = true"))
    with pytest.raises(InvalidInput, match="shared sub-procedure"):
        submit(sessions, "shared_fee", APP, T0)
