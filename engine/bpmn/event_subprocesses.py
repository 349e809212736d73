"""Event subprocesses (`triggeredByEvent="true"`) as BPMN means them, on SpiffWorkflow.

Each event subprocess listens from the moment its process (or subprocess) starts: its
start event waits in the dossier's own workflow, so the engine sees it like any other
wait (a timer row, a message or signal wait). SpiffWorkflow runs one when its start
event fires; what it leaves out is done here, after each round of engine steps:

- an interrupting one (`isInterrupting`, the default) cancels everything else of its
  process: the main flow and the other event subprocesses;
- a non-interrupting one started by a message, signal, error or escalation listens
  again at once, so the next such event starts another instance (a timer's fires once);
- once the main flow has ended and only listening event subprocesses are left, they
  are cancelled and the process ends.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.util.task import TaskState

from .spiff import add_branch, internal_value, refresh, set_internal_values

HANDLED = "event_subprocess_started"


def run_engine_steps(workflow: Any) -> None:
    """SpiffWorkflow's engine steps, then what event subprocesses need, until nothing
    more moves."""
    workflow.do_engine_steps()
    while _settle(workflow):
        workflow.do_engine_steps()


def _workflows(workflow: Any) -> list[Any]:
    return [workflow, *workflow.subprocesses.values()]


def _event_subprocess(wf: Any, task: Any) -> bool:
    """Whether the task is an event subprocess of `wf`: the only subprocesses that
    hang from the process's start itself."""
    return (isinstance(task.task_spec, SubWorkflowTask) and task.parent is not None
            and task.parent.task_spec is wf.spec.start)


def _start_event(workflow: Any, task: Any) -> Any:
    """The start event task of an event subprocess's own workflow, once it has one."""
    sub = workflow.subprocesses.get(task.id)
    if sub is None:
        return None
    for candidate in sub.tasks.values():
        if isinstance(candidate.task_spec, StartEvent):
            return candidate
    return None


def _listening(workflow: Any, task: Any) -> bool:
    start = _start_event(workflow, task)
    return start is not None and start.state == TaskState.WAITING


def _settle(workflow: Any) -> bool:
    changed = False
    for wf in _workflows(workflow):
        for task in list(wf.tasks.values()):
            if (_event_subprocess(wf, task) and task.state == TaskState.STARTED
                    and not internal_value(task, HANDLED) and not _listening(workflow, task)
                    and _start_event(workflow, task) is not None):
                set_internal_values(task, **{HANDLED: True})
                _started(workflow, task)
                changed = True
        changed = _end_if_only_listening(workflow, wf) or changed
    return changed


def _started(workflow: Any, task: Any) -> None:
    start = _start_event(workflow, task)
    if getattr(start.task_spec, "interrupting", True):
        for other in list(task.parent.children):
            if other is not task:
                other.cancel()
    elif not isinstance(start.task_spec.event_definition, TimerEventDefinition):
        add_branch(task.parent, task.task_spec)


def _end_if_only_listening(workflow: Any, wf: Any) -> bool:
    """Cancel the event subprocesses still listening once nothing else of `wf` is left
    to do, and let its end go on."""
    ends = {wf.spec.end, *wf.spec.end.outputs}
    listening = [t for t in wf.tasks.values() if _event_subprocess(wf, t)
                 and t.state == TaskState.STARTED and _listening(workflow, t)]
    if not listening:
        return False
    for task in wf.tasks.values():
        if (task.has_state(TaskState.NOT_FINISHED_MASK) and task.task_spec not in ends
                and not any(task is t or task.is_descendant_of(t) for t in listening)):
            return False
    if not any(t.task_spec is wf.spec.end and t.state == TaskState.WAITING
               for t in wf.tasks.values()):
        return False  # the main flow has not reached its end (it has not started)
    for task in listening:
        task.cancel()
    for task in list(wf.tasks.values()):
        if task.task_spec is wf.spec.end and task.state == TaskState.WAITING:
            refresh(task)
    return True
