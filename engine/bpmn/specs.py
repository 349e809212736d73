"""Task and event specs that change SpiffWorkflow's default behaviour."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.spiff.specs.event_definitions import (
    ErrorEventDefinition,
    MessageEventDefinition,
    SignalEventDefinition,
)

from . import clock
from .spiff import (
    TIMER_DUE,
    ParkedServiceTask,
    internal_value,
    mark_timer_fired,
    set_internal_values,
    set_timer_due_value,
    timer_due_value,
    timer_has_fired,
)

SERVICE_REQUEST = "service_request"


class QueuedServiceTask(ParkedServiceTask):
    """Reaching the task evaluates its parameters and leaves it STARTED; the
    runner turns that into an outbox job and completes the task when the
    job's result comes back as an input."""

    def park(self, task: Any) -> None:
        params = {name: p["value"] for name, p in self.evaluate_params(task).items()}
        set_internal_values(task, **{SERVICE_REQUEST: params})


def throw_error(task: Any, code: str, payload: dict[str, Any]) -> None:
    """Throw the BPMN error `code` from a task, as an error end event inside it would:
    an error boundary of the task, or of a subprocess around it, catches it and, once
    engine steps run, cancels the task. Caught nowhere, the task is left as it was."""
    event = BpmnEvent(ErrorEventDefinition(code, code=code), payload=payload,
                      target=task.workflow)
    task.workflow.top_workflow.catch(event)


def awaited_events(task: Any) -> list[tuple[str, str]]:
    """The (kind, name) of the messages and signals a waiting task can catch (a catch
    event, receive task, boundary event, or an event-based gateway's branches)."""
    definition = getattr(task.task_spec, "event_definition", None)
    members = (definition.event_definitions if isinstance(definition, MultipleEventDefinition)
               else [definition])
    return [("message" if isinstance(d, MessageEventDefinition) else "signal", d.name)
            for d in members if isinstance(d, (MessageEventDefinition, SignalEventDefinition))]


def deliver_event(workflow: Any, kind: str, name: str, payload: dict[str, Any]) -> None:
    """Hand the workflow a message or a signal from outside; the tasks waiting for it
    catch it."""
    definition = MessageEventDefinition(name) if kind == "message" else SignalEventDefinition(name)
    workflow.send_event(BpmnEvent(definition, payload=payload))


def thrown_messages(workflow: Any) -> list[tuple[str, dict[str, Any]]]:
    """The messages the workflow threw that none of its own tasks caught (for other
    dossiers), taken from it: (name, payload)."""
    return [(event.event_definition.name,
             event.payload if isinstance(event.payload, dict) else {"value": event.payload})
            for event in workflow.get_events()
            if isinstance(event.event_definition, MessageEventDefinition)]


def service_request(task: Any) -> dict[str, Any]:
    """The evaluated parameters a queued service task was reached with."""
    return internal_value(task, SERVICE_REQUEST) or {}


def _due_from_duration(expression: str, start: datetime) -> datetime:
    parsed = TimerEventDefinition.parse_iso_duration(expression)
    due: datetime = start + TimerEventDefinition.get_timedelta_from_start(parsed, start)
    return due


def _slot(definition: Any, task: Any) -> str:
    """Where a timer keeps its due time on its task: the timers of an event-based
    gateway's branches all wait on the gateway's task, each in its own slot."""
    owner = getattr(task.task_spec, "event_definition", None)
    if isinstance(owner, MultipleEventDefinition):
        for index, member in enumerate(owner.event_definitions):
            if member is definition:
                return f"/{index}"
    return ""


def _fired_by_clock(task: Any, due: str, slot: str) -> bool:
    if datetime.fromisoformat(due) <= clock.now():
        mark_timer_fired(task, slot)
    return timer_has_fired(task, slot)


class ClockDurationTimer(DurationTimerEventDefinition):
    """A duration timer counted from the engine clock of the input that reached it."""

    def has_fired(self, my_task: Any) -> bool:
        slot = _slot(self, my_task)
        due = timer_due_value(my_task, slot)
        if due is None:
            expression = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            due = _due_from_duration(expression, clock.now()).isoformat()
            set_timer_due_value(my_task, due, slot)
        return _fired_by_clock(my_task, due, slot)


class ClockDateTimer(TimeDateEventDefinition):
    """A date timer compared with the engine clock."""

    def has_fired(self, my_task: Any) -> bool:
        slot = _slot(self, my_task)
        due = timer_due_value(my_task, slot)
        if due is None:
            value = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            due = TimerEventDefinition.get_datetime(value).isoformat()
            set_timer_due_value(my_task, due, slot)
        return _fired_by_clock(my_task, due, slot)


class ClockCycleTimer(CycleTimerEventDefinition):
    """A repeating timer (`"R3/PT1H"`: three times, an hour apart, the first an hour
    after it was reached) on the engine clock: each time it is due, the path after it
    runs once more; after the last, the event completes."""

    def cycle_complete(self, my_task: Any) -> bool:
        value = timer_due_value(my_task)
        if value is None:
            expression = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            cycles, start, duration = self._cycle(expression)
            value = {"cycles": cycles, "next": start.isoformat(),
                     "duration": duration.total_seconds()}
        ready = False
        if value["cycles"] != 0:
            next_at = datetime.fromisoformat(value["next"])
            if next_at <= clock.now():
                value = {**value, "cycles": value["cycles"] - 1, "next": (
                    next_at + timedelta(seconds=value["duration"])).isoformat()}
                ready = True
        if value["cycles"] == 0:
            mark_timer_fired(my_task)
        set_internal_values(my_task, **{TIMER_DUE: value})
        return ready

    @staticmethod
    def _cycle(expression: str) -> tuple[int, datetime, timedelta]:
        """(repetitions, first time, interval): a start given in the expression is
        kept; with none, the first time is one interval after now (the engine clock)."""
        parts = expression.upper().strip().lstrip("R").split("/")
        cycles = int(parts[0]) if parts[0] else -1
        if len(parts) == 2:
            interval = TimerEventDefinition.get_timedelta_from_start(
                TimerEventDefinition.parse_iso_duration(parts[1]), clock.now())
            return cycles, clock.now() + interval, interval
        parsed_cycles, start, interval = TimerEventDefinition.parse_iso_recurring_interval(
            expression)
        return parsed_cycles, start, interval


def waits_on_timer(task: Any) -> bool:
    """A waiting task a timer can move on: a timer event, or an event-based gateway
    with a timer among its branches."""
    definition = getattr(task.task_spec, "event_definition", None)
    if isinstance(definition, MultipleEventDefinition):
        return any(isinstance(d, TimerEventDefinition) for d in definition.event_definitions)
    return isinstance(definition, TimerEventDefinition)


def timer_went_off(task: Any) -> bool:
    """Whether a finished timer task ended by its timer (an event-based gateway may
    have ended by another branch's event)."""
    definition = getattr(task.task_spec, "event_definition", None)
    if isinstance(definition, MultipleEventDefinition):
        return any(timer_has_fired(task, f"/{i}") for i, d in enumerate(definition.event_definitions)
                   if isinstance(d, TimerEventDefinition))
    return True


def timer_due(task: Any) -> datetime | None:
    """When a waiting timer task is due (the first of a gateway's timers), once reached."""
    definition = getattr(task.task_spec, "event_definition", None)
    slots = [""]
    if isinstance(definition, MultipleEventDefinition):
        slots = [f"/{i}" for i, d in enumerate(definition.event_definitions)
                 if isinstance(d, TimerEventDefinition)]
    dues = []
    for slot in slots:
        value = timer_due_value(task, slot)
        if isinstance(value, dict):  # a cycle: its next time, while times are left
            value = value["next"] if value.get("cycles") != 0 else None
        if isinstance(value, str):
            dues.append(datetime.fromisoformat(value))
    return min(dues) if dues else None
