"""Task and event specs that change SpiffWorkflow's default behaviour."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)

from . import clock
from .spiff import (
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


def service_request(task: Any) -> dict[str, Any]:
    """The evaluated parameters a queued service task was reached with."""
    return internal_value(task, SERVICE_REQUEST) or {}


def _due_from_duration(expression: str, start: datetime) -> datetime:
    parsed = TimerEventDefinition.parse_iso_duration(expression)
    due: datetime = start + TimerEventDefinition.get_timedelta_from_start(parsed, start)
    return due


def _fired_by_clock(task: Any, due: str) -> bool:
    if datetime.fromisoformat(due) <= clock.now():
        mark_timer_fired(task)
    return timer_has_fired(task)


class ClockDurationTimer(DurationTimerEventDefinition):
    """A duration timer counted from the engine clock of the input that reached it."""

    def has_fired(self, my_task: Any) -> bool:
        due = timer_due_value(my_task)
        if due is None:
            expression = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            due = _due_from_duration(expression, clock.now()).isoformat()
            set_timer_due_value(my_task, due)
        return _fired_by_clock(my_task, due)


class ClockDateTimer(TimeDateEventDefinition):
    """A date timer compared with the engine clock."""

    def has_fired(self, my_task: Any) -> bool:
        due = timer_due_value(my_task)
        if due is None:
            value = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            due = TimerEventDefinition.get_datetime(value).isoformat()
            set_timer_due_value(my_task, due)
        return _fired_by_clock(my_task, due)


def timer_due(task: Any) -> datetime | None:
    """When a waiting timer task is due, once the timer has been reached."""
    value = timer_due_value(task)
    return datetime.fromisoformat(value) if isinstance(value, str) else None
