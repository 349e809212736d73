"""Decision tables (DMN) in the conformance suite: tests/fixtures/bpmn/decision_fee.bpmn
calls two decisions of its decisions/ folder — the fee by channel and case (UNIQUE) and
the department by case and number of floors (FIRST), whose result routes the dossier
through a gateway to that department's lane. Dossiers of each case get the decided fee
and department, run to their end, verify and replay consistently; every expression the
tables make SpiffWorkflow evaluate goes through the sandbox, and is the one the deploy
check built and checked."""

from __future__ import annotations

from typing import Any

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.util.task import TaskState

from engine.bpmn.sandbox import SandboxEnvironment
from engine.db import transaction
from engine.dossiers import runner
from engine.dossiers.machine import DossierMachine
from engine.procedures import decisions, procedures
from engine.procedures.bundle import load_bundle, validate

from ..conftest import at
from ..helpers import bpmn_bundle, complete, deploy, dossier, open_tasks, submit
from .test_conformance import consistent

T0 = at("2026-03-02 09:00")
APP = {"ho_ten": "Vũ Thị Mai", "so_dinh_danh": "001099000444"}
# each department's specialists have a lane of their own
LANES = "".join(f'[lanes.lane_{dept.lower()}]\nrole = "specialist"\ndepartment = "{dept}"\n'
                for dept in ("SXD", "QLDT", "TNMT"))

CASES = [
    # channel, case, floors → fee, department, the task it opens
    ("online", "nha_o", 2, 37500, "QLDT", "review_qldt"),
    ("postal", "nha_o", 1, 75000, "QLDT", "review_qldt"),  # in ("counter", "postal")
    ("online", "cong_trinh", 3, 75000, "QLDT", "review_qldt"),
    ("counter", "cong_trinh", 9, 150000, "SXD", "review_sxd"),  # != "online"; the first rule wins
    ("counter", "dat_dai", 0, 0, "TNMT", "review_tnmt"),  # "-": any channel; the default flow
]


@pytest.fixture
def decided(sessions, tmp_path) -> str:
    deploy(sessions, bpmn_bundle(tmp_path, "decision_fee", LANES))
    return "decision_fee"


def waiting_data(sessions, code: str) -> dict[str, Any]:
    """The data of the user task the dossier waits on, read from its stored workflow."""
    with transaction(sessions) as s:
        row = runner.get_dossier(s, code)
        machine = DossierMachine.load(procedures.load_version(s, row.procedure_version_id),
                                      row.state)
        [waiting] = machine.workflow.get_tasks(state=TaskState.READY)
        return dict(waiting.data)


@pytest.mark.parametrize("channel, case, floors, fee, department, element", CASES,
                         ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in CASES])
def test_each_case_gets_its_fee_and_department(sessions, decided, channel, case, floors, fee,
                                               department, element):
    code = submit(sessions, decided, {**APP, "case": case, "count": floors}, T0, channel=channel)
    [review] = open_tasks(sessions, code)
    assert (review.element_id, review.role, review.department) == (element, "specialist",
                                                                   department)
    data = waiting_data(sessions, code)
    assert (data["fee"], data["department"]) == (fee, department)
    assert data["review_days"] == {"SXD": 15, "QLDT": 10, "TNMT": 5}[department]
    complete(sessions, code, element, {"decision": "approve"}, when=T0)
    assert dossier(sessions, code).status == "done"
    consistent(sessions, code)


def test_a_case_no_rule_matches_leaves_the_fee_unset_and_the_route_defaulted(sessions, decided):
    code = submit(sessions, decided, {**APP, "case": "khac"}, T0)
    data = waiting_data(sessions, code)
    assert "fee" not in data and data["department"] == "TNMT"
    complete(sessions, code, "review_tnmt", {"decision": "refuse"}, when=T0)
    consistent(sessions, code)


def test_the_decisions_are_part_of_the_content_hash(tmp_path):
    bundle = bpmn_bundle(tmp_path, "decision_fee", LANES)
    before = load_bundle(bundle)
    dmn = bundle / "decisions" / "decision_fee.dmn"
    dmn.write_text(dmn.read_text(encoding="utf-8").replace("<text>37500</text>",
                                                          "<text>40000</text>"), encoding="utf-8")
    after = load_bundle(bundle)
    assert set(before.files) == set(after.files) >= {"decisions/decision_fee.dmn",
                                                     "decisions/decision_fee_route.dmn"}
    assert before.content_hash != after.content_hash


class Spy(SandboxEnvironment):
    """The sandbox, noting each expression it is asked to evaluate."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def evaluate(self, expression, context, external_context=None):
        self.seen.append(expression)
        return super().evaluate(expression, context, external_context)


def test_every_cell_runs_through_the_sandbox_as_the_deploy_check_built_it(tmp_path, monkeypatch):
    bundle = load_bundle(bpmn_bundle(tmp_path, "decision_fee", LANES))
    checked: list[str] = []
    original = decisions._Recorder.evaluate

    def noting(self, task, expression, external_context=None):
        checked.append(expression)
        return original(self, task, expression, external_context)

    monkeypatch.setattr(decisions._Recorder, "evaluate", noting)
    procedure = validate(bundle, None)
    assert checked  # the deploy check built the tests of every cell
    outputs = {text for table in decisions.read_tables(bundle.files)
               for rule in table.rules for text in rule.outputs}
    conditions = {'department == "SXD"', 'department == "QLDT"'}  # the gateway's
    ran: set[str] = set()
    for channel, case, floors, fee, department, _ in CASES:
        spy = Spy()
        workflow = BpmnWorkflow(procedure.spec, procedure.subprocess_specs,
                                script_engine=PythonScriptEngine(environment=spy))
        workflow.get_next_task().data.update(
            channel=channel, application={**APP, "case": case, "count": floors})
        workflow.do_engine_steps()
        [waiting] = workflow.get_tasks(state=TaskState.READY)
        assert (waiting.data["fee"], waiting.data["department"]) == (fee, department)
        ran |= set(spy.seen) - outputs - conditions
    # each test that ran is one the deploy check built, joined to its parenthesised input
    assert ran and ran <= set(checked), ran - set(checked)
    assert {'(channel)in ("counter", "postal")', '((application["case"])) == ("nha_o")',
            '(application.get("count", 0))>= 7', '(channel)!= "online"'} <= ran


def test_a_zip_upload_carries_the_decisions_too(tmp_path):
    import io
    import zipfile

    from engine.procedures.bundle import load_bundle
    from engine.procedures.bundle_zip import bundle_from_zip

    from ..helpers import bpmn_bundle

    folder = load_bundle(bpmn_bundle(tmp_path, "decision_fee"))
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        for path, text in folder.files.items():
            zf.writestr(f"decision_fee/{path}", text)
    uploaded = bundle_from_zip(archive.getvalue())
    assert any(path.startswith("decisions/") for path in uploaded.files)
    assert uploaded.content_hash == folder.content_hash
