"""Task and event specs that change SpiffWorkflow's default behaviour."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.spiff.specs.defaults import ServiceTask

from . import clock

SERVICE_REQUEST = "service_request"


class QueuedServiceTask(ServiceTask):
    """Reaching the task evaluates its parameters and leaves it STARTED; the
    runner turns that into an outbox job and completes the task when the
    job's result comes back as an input."""

    def _execute(self, task: Any) -> None:
        params = {name: p["value"] for name, p in self.evaluate_params(task).items()}
        task._set_internal_data(**{SERVICE_REQUEST: params})
        return None


def _due_from_duration(expression: str, start: datetime) -> datetime:
    parsed = TimerEventDefinition.parse_iso_duration(expression)
    return start + TimerEventDefinition.get_timedelta_from_start(parsed, start)


class ClockDurationTimer(DurationTimerEventDefinition):
    """A duration timer counted from the engine clock of the input that reached it."""

    def has_fired(self, my_task: Any) -> bool:
        due = my_task._get_internal_data("event_value")
        if due is None:
            expression = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            due = _due_from_duration(expression, clock.now()).isoformat()
            my_task._set_internal_data(event_value=due)
        if datetime.fromisoformat(due) <= clock.now():
            my_task._set_internal_data(event_fired=True)
        return bool(my_task._get_internal_data("event_fired", False))


class ClockDateTimer(TimeDateEventDefinition):
    """A date timer compared with the engine clock."""

    def has_fired(self, my_task: Any) -> bool:
        due = my_task._get_internal_data("event_value")
        if due is None:
            value = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            due = TimerEventDefinition.get_datetime(value).isoformat()
            my_task._set_internal_data(event_value=due)
        if datetime.fromisoformat(due) <= clock.now():
            my_task._set_internal_data(event_fired=True)
        return bool(my_task._get_internal_data("event_fired", False))


def timer_due(task: Any) -> datetime | None:
    """When a waiting timer task is due, once the timer has been reached."""
    value = task._get_internal_data("event_value")
    return datetime.fromisoformat(value) if isinstance(value, str) else None

