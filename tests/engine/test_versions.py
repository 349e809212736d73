"""A dossier stays on the version it started on."""

from __future__ import annotations

import shutil

from lxml import etree

from engine.db import transaction
from engine.models import ProcedureVersion
from engine.procedures import procedures

from ..conftest import FIXTURES, at
from ..helpers import complete, deploy, dossier, open_tasks, submit, work

APP = {"ho_ten": "Phạm Thị Dung", "so_dinh_danh": "001099000333"}


def without(bpmn: bytes, gone: set[str]) -> bytes:
    """The diagram without the elements `gone`, the flows touching them and their lane
    entries (a step dropped as an analyst would, leaving nothing unreachable)."""
    root = etree.fromstring(bpmn)
    for node in list(root.iter()):
        if not isinstance(node.tag, str):
            continue
        touching = {node.get("id"), node.get("sourceRef"), node.get("targetRef"),
                    node.get("attachedToRef"), (node.text or "").strip()}
        if touching & gone and node.getparent() is not None:
            node.getparent().remove(node)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def test_dossier_started_on_v1_finishes_on_v1_after_v2(sessions, tmp_path):
    bundle = tmp_path / "mini"
    shutil.copytree(FIXTURES / "mini", bundle)
    v1 = deploy(sessions, bundle)
    old = submit(sessions, "mini", APP, at("2026-03-02 09:00"))
    work(sessions, at("2026-03-02 09:00"))
    complete(sessions, old, "receive", {"reception_decision": "receive"}, "r", at("2026-03-02 10:00"))

    # v2 drops the review step: approval goes straight to the result.
    bpmn = bundle / "procedure.bpmn"
    text = bpmn.read_text()
    text = text.replace('<bpmn:sequenceFlow id="f_accept" sourceRef="gw_receive" targetRef="review">',
                        '<bpmn:sequenceFlow id="f_accept" sourceRef="gw_receive" targetRef="compute">')
    bpmn.write_bytes(without(text.encode(), {"review", "remind_timer", "remind", "end_reminded",
                                             "gw_review", "supplement"}))
    (bundle / "procedure.toml").write_text(
        (bundle / "procedure.toml").read_text().replace("Thủ tục thử nghiệm", "Thủ tục thử nghiệm (2)"))
    v2 = deploy(sessions, bundle)
    assert (v1.version, v2.version) == (1, 2)

    new = submit(sessions, "mini", APP, at("2026-03-02 11:00"))
    work(sessions, at("2026-03-02 11:00"))
    complete(sessions, new, "receive", {"reception_decision": "receive"}, "r", at("2026-03-02 11:30"))
    work(sessions, at("2026-03-02 11:30"))
    assert dossier(sessions, new).status == "returned"  # v2: no review

    assert [t.element_id for t in open_tasks(sessions, old)] == ["review"]  # still v1
    complete(sessions, old, "review", {"review_decision": "approve"}, "cv", at("2026-03-03 09:00"))
    work(sessions, at("2026-03-03 09:00"))
    pinned = {d: dossier(sessions, d).procedure_version_id for d in (old, new)}
    with transaction(sessions) as s:
        versions = {d: s.get(ProcedureVersion, v).version for d, v in pinned.items()}
    assert versions == {old: 1, new: 2}
    assert dossier(sessions, old).status == "returned"


def test_the_same_new_content_deployed_twice_at_once_makes_one_version(sessions):
    from concurrent.futures import ThreadPoolExecutor

    from engine.procedures.bundle import load_bundle

    from ..conftest import PROCESSES

    bundle = load_bundle(PROCESSES / "marital_status")
    with transaction(sessions) as s:  # the shared sub-procedures it calls
        for shared in ("fee_collection", "result_issue"):
            procedures.deploy(s, load_bundle(PROCESSES / shared), "phantich")

    def deploy_once(_: int):
        with transaction(sessions) as s:
            return procedures.deploy(s, bundle, "phantich")

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(deploy_once, range(8)))
    assert sum(r.created for r in results) == 1 and {r.version for r in results} == {1}
