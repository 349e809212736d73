"""What the engine relies on in SpiffWorkflow beyond its public API, one test per use
(engine/bpmn/spiff.py), and the stored-state format the engine knows."""

from __future__ import annotations

import json
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
from lxml import etree
from packaging.requirements import Requirement
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import workflow as spiff_serializer
from SpiffWorkflow.bpmn.specs.event_definitions.base import EventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import DurationTimerEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import func, select

from engine.bpmn import spiff
from engine.bpmn.serializer import SERIALIZER_VERSION, UnknownStateFormat, dump_state, load_state
from engine.bpmn.specs import QueuedServiceTask, service_request
from engine.db import transaction
from engine.dossiers import runner
from engine.dossiers.machine import SCRIPT_ENGINE, DossierMachine, Input
from engine.errors import WorkflowError
from engine.models import Dossier, Event, HumanTask
from engine.procedures.bundle import load_bundle, validate

from ..conftest import FIXTURES, at
from ..helpers import complete, deploy, dossier, open_tasks, pay_at_counter, submit, work

APP = {"ho_ten": "Nguyễn Văn An", "so_dinh_danh": "001099012345", "so_ban_sao": 2}
PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


@pytest.fixture(scope="module")
def procedure():
    return validate(load_bundle(FIXTURES / "mini"), None)


def submitted(procedure) -> DossierMachine:
    machine = DossierMachine.new(procedure)
    machine.apply(Input("submitted", at("2026-03-02 09:00"), "citizen1",
                        data={"application": APP, "fee_amount": 20000}), "submitted", False)
    return machine


def a_task(procedure):
    workflow = BpmnWorkflow(procedure.spec, script_engine=SCRIPT_ENGINE)
    return workflow.get_next_task(state=TaskState.READY)


# -- one test per private use ---------------------------------------------------------

def test_internal_data_is_written_and_read_on_the_task(procedure):
    task = a_task(procedure)
    assert spiff.internal_value(task, "service_request") is None
    assert spiff.internal_value(task, "service_request", {}) == {}
    spiff.set_internal_values(task, service_request={"amount": 1})
    assert spiff.internal_value(task, "service_request") == {"amount": 1}
    assert task.internal_data["service_request"] == {"amount": 1}


def test_timer_due_is_the_value_spiffworkflow_reports_for_the_timer(procedure):
    task = a_task(procedure)
    assert spiff.timer_due_value(task) is None
    spiff.set_timer_due_value(task, "2026-03-04T10:00:00+00:00")
    details = DurationTimerEventDefinition("t", "PT1H").details(task)
    assert details.value == "2026-03-04T10:00:00+00:00"


def test_timer_fired_flag_is_the_one_spiffworkflow_reads_and_resets(procedure):
    task = a_task(procedure)
    definition = EventDefinition("t")
    assert not spiff.timer_has_fired(task) and not definition.has_fired(task)
    spiff.mark_timer_fired(task)
    assert definition.has_fired(task) and spiff.timer_has_fired(task)
    definition.reset(task)
    assert not spiff.timer_has_fired(task)


def test_a_parked_service_task_runs_its_park_hook_and_stays_started(procedure):
    workflow = BpmnWorkflow(procedure.spec, script_engine=SCRIPT_ENGINE)
    workflow.get_next_task(state=TaskState.READY).data.update(fee_amount=20000)
    workflow.do_engine_steps()
    [collect] = workflow.get_tasks(state=TaskState.STARTED)
    assert isinstance(collect.task_spec, QueuedServiceTask)
    assert isinstance(collect.task_spec, spiff.ParkedServiceTask)
    assert collect.task_spec.bpmn_id == "collect"
    assert service_request(collect) == {"amount": 20000}
    assert "payment" not in collect.data  # the service was not called


def test_the_state_only_converter_round_trips_without_the_spec(procedure):
    machine = submitted(procedure)
    state = dump_state(machine.workflow)
    stored = json.loads(state)
    assert "spec" not in stored and "subprocess_specs" not in stored
    restored = load_state(state, procedure.spec)
    restored.script_engine = SCRIPT_ENGINE
    assert {str(t.id): (t.task_spec.name, t.state) for t in restored.get_tasks()} == {
        str(t.id): (t.task_spec.name, t.state) for t in machine.workflow.get_tasks()}
    [collect] = restored.get_tasks(state=TaskState.STARTED)
    assert service_request(collect) == {"amount": 20000}
    assert DossierMachine(procedure, restored).digest() == machine.digest()


def _event_subprocess_spec():
    from engine.bpmn.parser import ProcedureParser, parse_spec

    from ..helpers import CONFORMANCE

    bpmn = (CONFORMANCE / "event_subprocess.bpmn").read_bytes()
    raw = ProcedureParser()
    raw.add_bpmn_xml(etree.fromstring(bpmn), filename="procedure.bpmn")
    return raw.get_spec("event_subprocess"), parse_spec(bpmn, "procedure.bpmn", "event_subprocess")


def _waiting_starts(workflow):
    return sorted(t.task_spec.bpmn_id for t in workflow.get_tasks(state=TaskState.WAITING))


def test_event_subprocesses_listen_from_the_start_without_touching_the_spec_again():
    from SpiffWorkflow.bpmn.util.event import BpmnEvent
    from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition

    raw, (spec, subprocess_specs) = _event_subprocess_spec()
    # SpiffWorkflow would start these when their event comes, by changing the spec
    assert sorted(raw.start.trigger_specs) == ["on_rule", "on_withdrawal"]
    assert spec.start.trigger_specs == []
    outputs = [o.name for o in spec.start.outputs]
    assert outputs == ["start", "on_late", "on_withdrawal", "on_rule"]
    one, two = (BpmnWorkflow(spec, subprocess_specs, script_engine=SCRIPT_ENGINE) for _ in "12")
    for workflow in (one, two):
        workflow.do_engine_steps()
        assert _waiting_starts(workflow) == ["late", "rule_changed", "withdrawn"]
    one.send_event(BpmnEvent(MessageEventDefinition("withdrawal_requested"), payload={}))
    one.do_engine_steps()
    assert "confirm" in [t.task_spec.bpmn_id for t in one.get_tasks(state=TaskState.READY)]
    assert [o.name for o in spec.start.outputs] == outputs
    assert _waiting_starts(two) == ["late", "rule_changed", "withdrawn"]


def test_a_branch_added_to_one_workflow_and_a_join_refreshed():
    _, (spec, subprocess_specs) = _event_subprocess_spec()
    workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=SCRIPT_ENGINE)
    workflow.do_engine_steps()
    [listener] = [t for t in workflow.get_tasks() if t.task_spec.name == "on_rule"]
    child = spiff.add_branch(listener.parent, listener.task_spec)
    assert child.triggered and child.state == TaskState.STARTED
    assert _waiting_starts(workflow).count("rule_changed") == 2
    assert [o.name for o in spec.start.outputs].count("on_rule") == 1
    [review] = workflow.get_tasks(state=TaskState.READY)
    review.data["decision"] = "approve"
    review.run()
    workflow.do_engine_steps()
    [join] = [t for t in workflow.get_tasks(state=TaskState.WAITING) if t.task_spec is spec.end]
    for task in [t for t in workflow.get_tasks(state=TaskState.STARTED)
                 if t.parent.task_spec is spec.start]:
        task.cancel()
    spiff.refresh(join)
    assert join.state == TaskState.READY
def test_every_signal_thrown_passes_the_event_manager_caught_inside_or_not(tmp_path):
    from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import SignalEventDefinition
    from SpiffWorkflow.bpmn.util.event import BpmnEvent

    from ..helpers import bpmn_bundle

    thrower = validate(load_bundle(bpmn_bundle(tmp_path, "signal_throw")), None)
    workflow = BpmnWorkflow(thrower.spec, script_engine=SCRIPT_ENGINE)
    workflow.get_next_task(state=TaskState.READY).data.update(dossier_code="T-1")
    workflow.do_engine_steps()
    [decide] = [t for t in workflow.get_tasks(state=TaskState.READY) if t.task_spec.manual]
    with spiff.signals_thrown(workflow) as thrown:
        decide.run()
        workflow.do_engine_steps()
        # given from outside: not a throw
        workflow.event_manager.catch(BpmnEvent(SignalEventDefinition("other")), internal=False)
    # its own catch event took it: SpiffWorkflow reports nothing left for others
    assert thrown == [("procedure_suspended", {"decision_of": "T-1"})]
    assert workflow.get_events() == [] and workflow.is_completed()
    assert "catch" not in vars(workflow.event_manager)


# -- the state format and the pinned version ----------------------------------------------

def test_installed_spiffworkflow_is_the_pinned_one_and_writes_the_known_format():
    [line] = [d for d in tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
              if d.startswith("SpiffWorkflow")]
    pin = Requirement(line)
    installed = version("SpiffWorkflow")
    assert pin.specifier.contains(installed), (line, installed)
    major, minor = (int(p) for p in installed.split(".")[:2])
    assert not pin.specifier.contains(f"{major}.{minor + 1}.0"), f"{line} admits the next minor"
    assert spiff_serializer.VERSION == SERIALIZER_VERSION


@pytest.mark.parametrize("stored", ["1.4", "1.6", "", None])
def test_a_state_of_another_serializer_version_is_refused_naming_it(procedure, stored):
    dct = json.loads(dump_state(submitted(procedure).workflow))
    assert dct["serializer_version"] == SERIALIZER_VERSION
    if stored is None:
        del dct["serializer_version"]
    else:
        dct["serializer_version"] = stored
    with pytest.raises(UnknownStateFormat) as refused:
        load_state(json.dumps(dct), procedure.spec, dossier="TEST-1")
    assert f"serializer_version {stored!r}" in str(refused.value)
    assert repr(SERIALIZER_VERSION) in str(refused.value)
    assert "dossier=TEST-1" in str(refused.value)


@pytest.fixture
def mini(sessions):
    deploy(sessions, FIXTURES / "mini")
    return sessions


def test_every_stored_state_carries_the_known_version(mini):
    code = submit(mini, "mini", APP, at("2026-03-02 09:00"))
    work(mini, at("2026-03-02 09:01"))
    pay_at_counter(mini, code, at("2026-03-02 09:01"))
    complete(mini, code, "receive", {"reception_decision": "receive"}, "tiepnhan1",
             at("2026-03-02 10:00"))
    other = submit(mini, "mini", APP, at("2026-03-02 11:00"))
    with transaction(mini) as s:
        stored = [(d.code, d.serializer_version, json.loads(d.state)["serializer_version"])
                  for d in s.scalars(select(Dossier).order_by(Dossier.id))]
    assert stored == [(code, SERIALIZER_VERSION, SERIALIZER_VERSION),
                      (other, SERIALIZER_VERSION, SERIALIZER_VERSION)]


def test_the_runner_refuses_a_state_of_an_unknown_version_and_changes_nothing(mini):
    code = submit(mini, "mini", APP, at("2026-03-02 09:00"))
    work(mini, at("2026-03-02 09:01"))
    pay_at_counter(mini, code, at("2026-03-02 09:01"))
    with transaction(mini) as s:
        d = runner.get_dossier(s, code)
        dct = json.loads(d.state)
        dct["serializer_version"] = "9.9"
        d.state = json.dumps(dct)
    before = dossier(mini, code)
    with transaction(mini) as s:
        events_before = s.scalar(select(func.count()).select_from(Event))
    with pytest.raises(UnknownStateFormat, match="'9.9'") as refused:
        complete(mini, code, "receive", {"reception_decision": "receive"}, "tiepnhan1",
                 at("2026-03-02 10:00"))
    assert refused.value.context["dossier"] == code
    after = dossier(mini, code)
    assert (after.state, after.status, after.revision) == (before.state, before.status,
                                                           before.revision)
    assert [t.element_id for t in open_tasks(mini, code)] == ["receive"]
    with transaction(mini) as s:
        assert s.scalar(select(func.count()).select_from(Event)) == events_before


# -- errors that are not a cancellation ------------------------------------------------

def test_an_unexpected_error_looking_up_a_task_is_not_taken_for_a_cancellation(mini, monkeypatch):
    code = submit(mini, "mini", APP, at("2026-03-02 09:00"))
    work(mini, at("2026-03-02 09:01"))
    pay_at_counter(mini, code, at("2026-03-02 09:01"))
    before = dossier(mini, code)

    def broken(self, task_id):
        raise RuntimeError("task lookup broke")

    monkeypatch.setattr(BpmnWorkflow, "get_task_from_id", broken)
    with pytest.raises(WorkflowError, match="RuntimeError: task lookup broke"):
        complete(mini, code, "receive", {"reception_decision": "receive"}, "tiepnhan1",
                 at("2026-03-02 10:00"))
    monkeypatch.undo()
    after = dossier(mini, code)
    assert (after.state, after.status) == (before.state, before.status)
    with transaction(mini) as s:
        rows = [(t.element_id, t.state) for t in s.scalars(
            select(HumanTask).where(HumanTask.dossier_id == after.id))]
    assert rows == [("receive", "open")]
    # once the lookup works again, the same input goes through
    d = complete(mini, code, "receive", {"reception_decision": "receive"}, "tiepnhan1",
                 at("2026-03-02 10:00"))
    assert d.status == "in_progress"
