"""Deploy validation: every kind of bad bundle is refused, naming file, element
and reason, and nothing is stored; versions are immutable and content-hashed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.db import transaction
from engine.errors import BundleInvalid
from engine.models import ProcedureVersion
from engine.procedures import procedures
from engine.procedures.bundle import load_bundle, validate

from ..conftest import FIXTURES
from ..helpers import deploy

OPS = {"fee.collect", "fee.refund", "result.render", "result.sign", "result.deliver", "notify.send"}


@pytest.fixture
def bundle_dir(tmp_path: Path) -> Path:
    target = tmp_path / "mini"
    shutil.copytree(FIXTURES / "mini", target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def problems(path: Path) -> list[str]:
    with pytest.raises(BundleInvalid) as err:
        validate(load_bundle(path), OPS)
    return [str(p) for p in err.value.problems]


def test_the_fixture_is_valid(bundle_dir):
    procedure = validate(load_bundle(bundle_dir), OPS)
    assert procedure.tasks["review"].role == "specialist"
    assert procedure.tasks["review"].allowance_days == 2


def test_external_entities_are_refused(bundle_dir):
    bpmn = bundle_dir / "procedure.bpmn"
    text = bpmn.read_text()
    text = text.replace('<?xml version="1.0" encoding="UTF-8"?>',
                        '<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>')
    bpmn.write_text(text.replace('name="Thu phí"', 'name="&x;"'))
    assert problems(bundle_dir) == ["procedure.bpmn: DOCTYPE and entity declarations are refused"]


def test_malformed_xml_is_refused(bundle_dir):
    edit(bundle_dir / "procedure.bpmn", "</bpmn:process>", "</bpmn:proces>")
    [problem] = problems(bundle_dir)
    assert problem.startswith("procedure.bpmn: malformed XML")


def test_lane_without_role(bundle_dir):
    edit(bundle_dir / "procedure.toml", 'lane_citizen = { role = "citizen" }\n', "")
    assert "procedure.bpmn [lane_citizen]: lane maps to no role in procedure.toml [lanes]" in problems(bundle_dir)


def test_lane_with_unknown_role(bundle_dir):
    edit(bundle_dir / "procedure.toml", 'role = "citizen"', 'role = "janitor"')
    assert any("[lane_citizen]: lane maps to unknown role 'janitor'" in p for p in problems(bundle_dir))


def test_operator_without_handler(bundle_dir):
    edit(bundle_dir / "procedure.bpmn", 'id="result.render"', 'id="result.teleport"')
    assert problems(bundle_dir) == [
        "procedure.bpmn [render]: operator 'result.teleport' has no registered handler"]


def test_missing_form(bundle_dir):
    (bundle_dir / "forms" / "review.json").unlink()
    assert problems(bundle_dir) == ["forms/review.json [review]: form is missing or not a valid JSON Schema"]


def test_form_that_is_not_a_json_schema(bundle_dir):
    (bundle_dir / "forms" / "review.json").write_text('{"type": "object", "required": "opinion"}')
    found = problems(bundle_dir)
    assert found[0].startswith("forms/review.json: not a valid JSON Schema at required")
    assert "forms/review.json [review]: form is missing or not a valid JSON Schema" in found


def test_user_task_without_form(bundle_dir):
    edit(bundle_dir / "procedure.bpmn",
         '<spiffworkflow:property name="formJsonSchemaFilename" value="supplement.json" />', "")
    assert problems(bundle_dir) == [
        "procedure.bpmn [supplement]: user task names no form (formJsonSchemaFilename)"]


@pytest.mark.parametrize("script, reason", [
    ("import os", "'Import' is not allowed"),
    ("x = open('/etc/passwd').read()", "name 'open' is not allowed"),
    ("x = ().__class__.__bases__", "attribute '__class__' is not allowed"),
    ("while True: pass", "'While' is not allowed"),
    ("f = lambda: 1", "'Lambda' is not allowed"),
    ("x = eval('1')", "name 'eval' is not allowed"),
])
def test_forbidden_scripts(bundle_dir, script, reason):
    edit(bundle_dir / "procedure.bpmn",
         'copies = max(1, len(application.get("ho_ten", "")) % 3)', script)
    found = problems(bundle_dir)
    assert any(p.startswith("procedure.bpmn [compute]: ") and reason in p for p in found), found


def test_forbidden_condition(bundle_dir):
    edit(bundle_dir / "procedure.bpmn", 'review_decision == "supplement"', '__import__("os")')
    assert any(p.startswith("procedure.bpmn [f_supp]: name '__import__'") for p in problems(bundle_dir))


def test_every_problem_is_listed_at_once(bundle_dir):
    (bundle_dir / "forms" / "review.json").unlink()
    edit(bundle_dir / "procedure.bpmn", 'id="result.render"', 'id="nope"')
    edit(bundle_dir / "procedure.toml", "legal_deadline_working_days = 3", "legal_deadline_working_days = -1")
    assert len(problems(bundle_dir)) == 3


def test_invalid_bundle_stores_nothing(sessions, bundle_dir):
    (bundle_dir / "forms" / "review.json").unlink()
    with pytest.raises(BundleInvalid), transaction(sessions) as s:
        procedures.deploy_path(s, bundle_dir.parent)
    with transaction(sessions) as s:
        assert s.scalar(select(func.count()).select_from(ProcedureVersion)) == 0


def test_redeploying_unchanged_content_creates_no_version(sessions, bundle_dir):
    first = deploy(sessions, bundle_dir)
    again = deploy(sessions, bundle_dir)
    assert (first.version, first.created) == (1, True)
    assert (again.version, again.created, again.content_hash) == (1, False, first.content_hash)
    edit(bundle_dir / "procedure.toml", "legal_deadline_working_days = 3", "legal_deadline_working_days = 4")
    changed = deploy(sessions, bundle_dir)
    assert (changed.version, changed.created) == (2, True)
    assert changed.content_hash != first.content_hash
    with transaction(sessions) as s:
        assert [v.version for v in procedures.list_versions(s)] == [1, 2]
