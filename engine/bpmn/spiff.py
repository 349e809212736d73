"""SpiffWorkflow's private API, behind one door.

Everything below the public API of SpiffWorkflow (pinned to 3.2.x in pyproject.toml)
that the engine relies on is used in this module only, and each use has its own test in
tests/test_spiff_adapter.py, so an upgrade that changes one breaks one named test:

- `Task._get_internal_data` / `Task._set_internal_data`: `internal_value`,
  `set_internal_values` (what a queued service task was asked to do).
- The internal data keys SpiffWorkflow's timer definitions keep: `event_value` (when the
  timer is due) and `event_fired`: `timer_due_value`, `set_timer_due_value`,
  `mark_timer_fired`, `timer_has_fired`.
- `ServiceTask._execute` (SpiffWorkflow.spiff.specs.mixins.service_task), called by
  `_run_hook`, and the rule that a run hook returning None leaves the task STARTED:
  `ParkedServiceTask`.
- `BpmnWorkflowConverter.from_dict`/`to_dict` rewritten to leave the spec out:
  `StateOnlyWorkflowConverter`, built on `WorkflowConverter.to_dict`,
  `set_default_attributes`, `mapping_to_dict`, `mapping_from_dict`,
  `subprocesses_from_dict`, `registry.convert`/`registry.restore`,
  `BpmnWorkflow(spec, subprocess_specs, deserializing=True)` and the workflow's `tasks`,
  `task_tree`, `subprocesses` and `bpmn_events` attributes.
- Event subprocesses: `BpmnStartTask.trigger_specs` (the event subprocesses SpiffWorkflow
  would start by mutating the process spec when their event comes), `TaskSpec.connect`,
  a spec's `start`, `end` and `task_specs`: `listen_from_start`; and, per workflow,
  `Task._add_child` with `triggered` and `TaskSpec._update`: `add_branch`, `refresh`.
- `EventManager.catch(event, internal)` (the workflow's `event_manager`), through which
  every thrown event passes, caught inside the workflow or not: `signals_thrown`.

The public API the engine uses elsewhere:

- engine/bpmn/parser.py: `SpiffBpmnParser` (`OVERRIDE_PARSER_CLASSES`, `add_bpmn_xml`,
  `get_spec`), `full_tag`, `ServiceTaskParser`, the Spiff start, boundary and
  intermediate catch event parsers (`parse_timer_event`, `node`, `filename`),
  `ValidationException` (also in engine/procedures/bundle.py), `DurationTimerEventDefinition`,
  `TimeDateEventDefinition` (`name`, `expression`, `description`).
- engine/bpmn/specs.py: `ServiceTask.evaluate_params`, `TimerEventDefinition.has_fired`
  (overridden), `parse_iso_duration`, `get_timedelta_from_start`, `get_datetime`,
  `task.workflow.script_engine.evaluate`.
- engine/bpmn/serializer.py: `BpmnWorkflowSerializer` (`configure`, `serialize_json`,
  `from_dict`, `VERSION_KEY`, the module's `VERSION`), `SPIFF_CONFIG`,
  `ServiceTaskConverter`, `TimerConditionalEventDefinitionConverter`.
- engine/bpmn/sandbox.py: `PythonScriptEngine(environment=...)`,
  `BasePythonScriptEngineEnvironment` (`evaluate`, `execute`, `call_service`).
- engine/dossiers/machine.py: `BpmnWorkflow` (`get_tasks(state=...)`, `get_next_task`,
  `get_task_from_id`, `refresh_timers`, `do_engine_steps`, `is_completed`, `data`,
  `script_engine`), `Task` (`id`, `state`, `data`, `task_spec`, `run`, `complete`),
  task specs' `bpmn_id`, `bpmn_name`, `name`, `manual`, `event_definition`,
  `result_variable`, `TaskState` (`READY`, `STARTED`, `WAITING`, `COMPLETED`, `ERROR`,
  `get_name`), `TimerEventDefinition`, `TaskNotFoundException`; a failing task is left in
  `ERROR` and the exception may name it (`task`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import SignalEventDefinition
from SpiffWorkflow.spiff.specs.defaults import ServiceTask
from SpiffWorkflow.util.task import TaskState

TIMER_DUE = "event_value"
TIMER_FIRED = "event_fired"


def internal_value(task: Any, name: str, default: Any = None) -> Any:
    return task._get_internal_data(name, default)


def set_internal_values(task: Any, **values: Any) -> None:
    task._set_internal_data(**values)


def timer_due_value(task: Any, slot: str = "") -> Any:
    return internal_value(task, TIMER_DUE + slot)


def set_timer_due_value(task: Any, value: str, slot: str = "") -> None:
    set_internal_values(task, **{TIMER_DUE + slot: value})


def mark_timer_fired(task: Any, slot: str = "") -> None:
    set_internal_values(task, **{TIMER_FIRED + slot: True})


def timer_has_fired(task: Any, slot: str = "") -> bool:
    return bool(internal_value(task, TIMER_FIRED + slot, False))


def listen_from_start(spec: Any) -> None:
    """Make every event subprocess of a process spec (just parsed, not yet shared) start
    listening when the process starts, as SpiffWorkflow does by itself for those with a
    timer or no trigger. SpiffWorkflow would start the others (message, signal, error,
    escalation) when their event comes by connecting them to the spec's start, a spec
    every dossier of the version shares: one dossier's event would then start the event
    subprocess in every dossier started after it. Listening from the start, each
    workflow holds its own waiting start event and the spec never changes again."""
    for name in spec.start.trigger_specs:
        branch = spec.task_specs[name]
        spec.start.connect(branch)
        branch.connect(spec.end)
    spec.start.trigger_specs = []


def add_branch(parent: Any, task_spec: Any) -> Any:
    """A new task of `task_spec` under `parent`, in this workflow only (its spec is left
    as it is), brought up to date: another instance of an event subprocess listening."""
    child = parent._add_child(task_spec, TaskState.FUTURE)
    child.triggered = True
    child.task_spec._update(child)
    return child


def refresh(task: Any) -> None:
    """Have a waiting task look again at whether it may go on (a join whose other
    branches were cancelled)."""
    task.task_spec._update(task)


class ParkedServiceTask(ServiceTask):
    """A service task that, once reached, calls `park` instead of the service and stays
    STARTED until someone completes it."""

    def park(self, task: Any) -> None:
        raise NotImplementedError

    def _execute(self, task: Any) -> None:
        self.park(task)
        return None


class StateOnlyWorkflowConverter(BpmnWorkflowConverter):
    """The workflow's state without its spec, which the caller supplies on load."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct: dict[str, Any] = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(
        self, dct: dict[str, Any], spec: Any = None, subprocess_specs: Any = None
    ) -> BpmnWorkflow:
        workflow = self.target_class(spec, subprocess_specs or {}, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


@contextmanager
def signals_thrown(workflow: BpmnWorkflow) -> Iterator[list[tuple[str, Any]]]:
    """The signals the workflow throws meanwhile, whether its own tasks catch them or
    not: (name, payload). Events given from outside (`send_event`) are not throws."""
    manager = workflow.event_manager
    thrown: list[tuple[str, Any]] = []

    def catch(event: Any, internal: bool = True) -> int:
        if internal and isinstance(event.event_definition, SignalEventDefinition):
            thrown.append((event.event_definition.name, event.payload))
        return int(type(manager).catch(manager, event, internal))

    manager.catch = catch
    try:
        yield thrown
    finally:
        del manager.catch
