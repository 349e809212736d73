"""One dossier's workflow in memory: apply one input, report what changed.

Pure of the database, so the runner and replay share it: the runner persists
what `apply` reports; replay compares it with what was recorded.
"""

from __future__ import annotations

import hashlib
import traceback
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.exceptions import TaskNotFoundException
from SpiffWorkflow.util.task import TaskState

from .. import status as st
from ..audit.events import canonical_json
from ..bpmn.clock import clock_at
from ..bpmn.event_subprocesses import run_engine_steps
from ..bpmn.sandbox import make_script_engine
from ..bpmn.serializer import dump_state, load_state
from ..bpmn.specs import (
    QueuedServiceTask,
    awaited_events,
    deliver_event,
    service_request,
    throw_error,
    thrown_messages,
    timer_due,
    timer_went_off,
    waits_on_timer,
)
from ..bpmn.spiff import signals_thrown
from ..errors import Conflict, MotcuaError, NotFound, WorkflowError
from ..procedures.bundle import Procedure, TaskInfo

SCRIPT_ENGINE = make_script_engine()
MESSAGE_DATA = "message"  # where a caught message's payload goes in the task's data
_RANK = {s: i for i, s in enumerate(st.BPMN_STATUSES)}


@dataclass(frozen=True)
class Input:
    kind: str  # submitted | task_completed | service_completed | service_error |
    # message_received | signal_received | timer_fired
    at: datetime
    actor: str
    element_id: str | None = None
    task_id: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    # which of several waiting tasks of the same element (multi-instance), for replay,
    # whose task ids differ from the run's
    instance: int | None = None


@dataclass
class Outcome:
    """What one input changed, by workflow task id."""

    opened: list[tuple[str, TaskInfo]] = field(default_factory=list)
    closed: list[tuple[str, str]] = field(default_factory=list)  # (task id, completed|cancelled)
    # (task id, element, evaluated parameters, task data for the handler)
    jobs: list[tuple[str, TaskInfo, dict[str, Any], dict[str, Any]]] = field(default_factory=list)
    jobs_dropped: list[str] = field(default_factory=list)
    timers: list[tuple[str, str, datetime]] = field(default_factory=list)
    timers_gone: list[tuple[str, str]] = field(default_factory=list)  # (task id, fired|cancelled)
    # (task id, element, message|signal, its name, reference to correlate on), and those
    # no longer awaited
    awaits: list[tuple[str, str, str, str, str | None]] = field(default_factory=list)
    awaits_gone: list[tuple[str, str]] = field(default_factory=list)  # (task id, received|cancelled)
    # messages the workflow threw that nothing in it caught: (name, payload), for others
    sent: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    # signals the workflow threw (its own waits caught them already): (name, payload)
    signals: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    status: str = st.SUBMITTED
    completed: bool = False
    digest: str = ""

    def machine_events(self, previous_status: str) -> list[tuple[str, dict[str, Any]]]:
        """The events replay can reproduce: no task ids, nothing from outside."""
        events: list[tuple[str, dict[str, Any]]] = []
        for _, info in self.opened:
            events.append(("task_created", {"element_id": info.element_id, "name": info.name,
                                            "role": info.role, "department": info.department}))
        for _, info, params, _data in self.jobs:
            events.append(("job_queued", {"element_id": info.element_id,
                                          "operator": info.operator, "params": params}))
        for _, element_id, due in self.timers:
            events.append(("timer_set", {"element_id": element_id, "due": due.isoformat()}))
        for name, payload in self.sent:
            events.append(("message_sent", {"name": name, "payload": payload}))
        for name, payload in self.signals:
            events.append(("signal_sent", {"name": name, "payload": payload}))
        if self.status != previous_status:
            events.append(("status_changed", {"from": previous_status, "to": self.status}))
        events.append(("checkpoint", {"digest": self.digest, "completed": self.completed}))
        return events


def _data_at(data: Any, path: str) -> Any:
    for part in path.split("."):
        data = data.get(part) if isinstance(data, dict) else None
    return data


def _nothing_to_pay(status: str, task: Any) -> bool:
    """A fee step of a dossier whose fee (fixed at submission) is 0 waits for no one:
    the dossier is not "awaiting payment", and the portal is not told a fee is due."""
    return status == st.AWAITING_PAYMENT and task.data.get("fee_amount") == 0


class DossierMachine:
    def __init__(self, procedure: Procedure, workflow: BpmnWorkflow) -> None:
        self.procedure = procedure
        self.workflow = workflow

    @classmethod
    def new(cls, procedure: Procedure) -> DossierMachine:
        workflow = BpmnWorkflow(procedure.spec, procedure.subprocess_specs,
                                script_engine=SCRIPT_ENGINE)
        return cls(procedure, workflow)

    @classmethod
    def load(cls, procedure: Procedure, state: str, **context: object) -> DossierMachine:
        """Restore a stored state; `context` names the dossier if the state is refused."""
        workflow = load_state(state, procedure.spec, procedure.subprocess_specs, **context)
        workflow.script_engine = SCRIPT_ENGINE
        return cls(procedure, workflow)

    def dump(self) -> str:
        return dump_state(self.workflow)

    # -- what the workflow waits on -------------------------------------------------

    def _waiting(self) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any]]:
        """What the workflow waits on, by task id: people, services, timers, messages."""
        users: dict[str, Any] = {}
        services: dict[str, Any] = {}
        timers: dict[str, Any] = {}
        messages: dict[str, Any] = {}
        for task in self.workflow.get_tasks(state=TaskState.READY | TaskState.STARTED | TaskState.WAITING):
            spec = task.task_spec
            if task.state == TaskState.READY and spec.manual:
                users[str(task.id)] = task
            elif task.state == TaskState.STARTED and isinstance(spec, QueuedServiceTask):
                services[str(task.id)] = task
            elif task.state == TaskState.WAITING:
                if waits_on_timer(task):
                    timers[str(task.id)] = task
                if awaited_events(task):
                    messages[str(task.id)] = task
        return users, services, timers, messages

    def ready_user_task(self, element_id: str | None, task_id: str | None,
                        instance: int | None = None) -> Any:
        users = self._waiting()[0]
        if task_id and task_id in users:
            return users[task_id]
        matches = [t for t in users.values() if t.task_spec.bpmn_id == element_id]
        if task_id is None and instance is not None and instance < len(matches):
            return matches[instance]
        if task_id is None and len(matches) == 1:
            return matches[0]
        raise NotFound("no such task is waiting", element_id=element_id, task_id=task_id)

    def instance_of(self, task_id: str) -> int | None:
        """The task's place among the waiting tasks of its element, in the workflow's
        own order, when there are several (instances of a multi-instance activity)."""
        task = self._find(task_id)
        if task is None:
            return None
        twins = [str(t.id) for t in self.workflow.get_tasks(state=task.state)
                 if t.task_spec.bpmn_id == task.task_spec.bpmn_id]
        return twins.index(task_id) if len(twins) > 1 and task_id in twins else None

    # -- applying inputs ------------------------------------------------------------

    def apply(self, inp: Input, previous_status: str, received: bool) -> Outcome:
        before = self._waiting()
        dues = {tid: timer_due(task) for tid, task in before[2].items()}
        try:
            with clock_at(inp.at), signals_thrown(self.workflow) as signals:
                self._apply(inp)
                self.workflow.refresh_timers()
                run_engine_steps(self.workflow)
        except MotcuaError:
            raise
        except Exception as exc:  # whatever broke, this dossier alone fails
            missing = self._missing_collection()
            element: str | None
            if missing is not None:
                element, name = missing
                reason = (f"the multi-instance step {element} goes over {name!r}, which the "
                          "dossier's data does not hold (set it before the step)")
            else:
                element = self._failed_at(exc) or inp.element_id
                reason = f"{type(exc).__name__}: {exc}"
            raise WorkflowError(f"the procedure failed at {element}: {reason}",
                                element_id=element, detail=traceback.format_exc(),
                                input=inp.kind) from exc
        outcome = self._outcome(before, self._waiting(), previous_status, received, dues)
        outcome.signals = [(name, p if isinstance(p, dict) else {} if p is None else {"value": p})
                           for name, p in signals]
        return outcome

    def _missing_collection(self) -> tuple[str, str] | None:
        """A multi-instance step reached whose input collection is not in the data."""
        for task in self.workflow.get_tasks(state=TaskState.NOT_FINISHED_MASK):
            data_input = getattr(task.task_spec, "data_input", None)
            reached = task.parent is not None and task.parent.state == TaskState.COMPLETED
            if data_input is not None and reached and data_input.get(task) is None:
                return task.task_spec.bpmn_id, data_input.bpmn_id
        return None

    def _failed_at(self, exc: Exception) -> str | None:
        """The element the failure belongs to: the task SpiffWorkflow names, else the task
        it left in ERROR."""
        task = getattr(exc, "task", None)
        if task is None:
            errors = self.workflow.get_tasks(state=TaskState.ERROR)
            task = errors[0] if errors else None
        return task.task_spec.bpmn_id if task is not None else None

    def _apply(self, inp: Input) -> None:
        if inp.kind == "submitted":
            start = self.workflow.get_next_task(state=TaskState.READY)
            start.data.update(inp.data)
        elif inp.kind == "task_completed":
            task = self.ready_user_task(inp.element_id, inp.task_id, inp.instance)
            task.data.update(inp.data)
            task.run()
        elif inp.kind == "service_completed":
            task = self._task(inp.task_id, inp.element_id, TaskState.STARTED, inp.instance)
            task.data[task.task_spec.result_variable] = inp.data
            task.complete()
        elif inp.kind == "service_error":
            task = self._task(inp.task_id, inp.element_id, TaskState.STARTED, inp.instance)
            throw_error(task, str(inp.data.get("code", "")), inp.data)
            run_engine_steps(self.workflow)  # a boundary that caught it cancels the task
            if task.state == TaskState.STARTED:
                raise WorkflowError(
                    f"the service answered with the business error {inp.data.get('code')!r} "
                    f"({inp.data.get('message') or 'no message'}) and no error boundary of "
                    "this step catches it", element_id=task.task_spec.bpmn_id)
        elif inp.kind in ("message_received", "signal_received"):
            kind, name = inp.kind.removesuffix("_received"), str(inp.data.get("name", ""))
            # a timer due before the message arrived went first, though no worker fired it yet
            self.workflow.refresh_timers()
            run_engine_steps(self.workflow)
            waiting = [t for t in self._waiting()[3].values() if (kind, name) in awaited_events(t)]
            if inp.task_id:
                waiting = [t for t in waiting if str(t.id) == inp.task_id] or waiting
            if not waiting:
                raise Conflict(f"the dossier is not waiting for the {kind} {name!r}",
                               event_name=name)
            payload = inp.data.get("payload") or {}
            deliver_event(self.workflow, kind, name, payload)
            for task in waiting:
                if task.state != TaskState.WAITING:  # it caught the message
                    task.data[MESSAGE_DATA] = payload
        elif inp.kind == "timer_fired":
            task = self._task(inp.task_id, inp.element_id, TaskState.WAITING, inp.instance)
            due = timer_due(task)
            if due is None or due > inp.at:
                raise Conflict("timer is not due yet", element_id=inp.element_id)
        else:
            raise ValueError(f"unknown input kind {inp.kind!r}")

    def _task(self, task_id: str | None, element_id: str | None, state: TaskState,
              instance: int | None = None) -> Any:
        task = self._find(task_id) if task_id else None
        if task is None and element_id:
            candidates = [t for t in self.workflow.get_tasks(state=state)
                          if t.task_spec.bpmn_id == element_id]
            if instance is not None and instance < len(candidates):
                task = candidates[instance]
            else:
                task = candidates[0] if len(candidates) == 1 else None
        if task is None or task.state != state:
            raise Conflict("the workflow is no longer waiting here", element_id=element_id,
                           task_id=task_id)
        return task

    # -- what changed ---------------------------------------------------------------

    def _info(self, task: Any) -> TaskInfo:
        return self.procedure.tasks.get(task.task_spec.bpmn_id) or TaskInfo(
            element_id=task.task_spec.bpmn_id, name=task.task_spec.bpmn_name or "", kind="other")

    def _outcome(self, before: tuple[dict[str, Any], ...], after: tuple[dict[str, Any], ...],
                 previous_status: str, received: bool,
                 dues: dict[str, datetime | None]) -> Outcome:
        (u0, s0, t0, m0), (u1, s1, t1, m1) = before, after
        out = Outcome()
        for tid, task in m1.items():
            if tid not in m0:
                info = self._info(task)
                for kind, name in awaited_events(task):
                    out.awaits.append((tid, task.task_spec.bpmn_id, kind, name,
                                       self._reference(task, info)))
        for tid in m0.keys() - m1.keys():
            task = self._find(tid)
            caught = task is not None and task.state in (TaskState.READY, TaskState.COMPLETED)
            out.awaits_gone.append((tid, "received" if caught else "cancelled"))
        out.opened = [(tid, self._routed(self._info(t), t)) for tid, t in u1.items()
                      if tid not in u0]
        for tid in u0.keys() - u1.keys():
            task = self._find(tid)
            done = task is not None and task.state == TaskState.COMPLETED
            out.closed.append((tid, "completed" if done else "cancelled"))
        for tid, task in s1.items():
            if tid not in s0:
                out.jobs.append((tid, self._info(task), service_request(task), dict(task.data)))
        out.jobs_dropped = [tid for tid in s0.keys() - s1.keys()
                            if (t := self._find(tid)) is None or t.state != TaskState.COMPLETED]
        for tid, task in t1.items():
            # a new timer, or a repeating one set to its next time
            if (due := timer_due(task)) is not None and (tid not in t0 or dues.get(tid) != due):
                out.timers.append((tid, task.task_spec.bpmn_id, due))
        for tid in t0.keys() - t1.keys():
            task = self._find(tid)
            # a repeating timer past its last time is READY to complete
            fired = (task is not None and task.state in (TaskState.READY, TaskState.COMPLETED)
                     and timer_went_off(task))
            out.timers_gone.append((tid, "fired" if fired else "cancelled"))
        out.sent = thrown_messages(self.workflow)
        out.completed = self.workflow.is_completed()
        out.status = self._status(u1, s1, previous_status, received)
        out.digest = self.digest()
        return out

    @staticmethod
    def _routed(info: TaskInfo, task: Any) -> TaskInfo:
        """A task of a lane routed by the dossier's data goes to the department its data
        names (the competent authority); with none there, to the lane's default."""
        if not info.department_from:
            return info
        department = _data_at(task.data, info.department_from)
        return replace(info, department=str(department)[:64]) if department else info

    @staticmethod
    def _reference(task: Any, info: TaskInfo) -> str | None:
        """The value a sender may correlate on: the task's data at the element's
        `correlationKey` (a dotted path), if it names one."""
        if not info.correlation_key:
            return None
        value = _data_at(task.data, info.correlation_key)
        return None if value in (None, "") else str(value)[:255]

    def _find(self, task_id: str) -> Any:
        """The task, or None once the workflow has dropped it (a cancelled branch or
        subprocess). Any other error is not a cancellation and goes up."""
        try:
            return self.workflow.get_task_from_id(UUID(task_id))
        except TaskNotFoundException:
            return None

    def _status(self, users: dict[str, Any], services: dict[str, Any], previous: str,
                received: bool) -> str:
        if self.workflow.is_completed():
            for task in self.workflow.get_tasks(state=TaskState.COMPLETED):
                info = self.procedure.tasks.get(task.task_spec.bpmn_id)
                if info and info.kind == "end" and info.dossier_status:
                    return info.dossier_status
            return st.DONE
        candidates = [
            info.dossier_status
            for task in (*users.values(), *services.values())
            if (info := self.procedure.tasks.get(task.task_spec.bpmn_id)) and info.dossier_status
            and not _nothing_to_pay(info.dossier_status, task)
        ]
        if candidates:
            return max(candidates, key=lambda s: _RANK.get(s, -1))
        if previous in st.PAUSING_STATUSES or previous == st.SUBMITTED:
            return st.IN_PROGRESS if received else st.SUBMITTED
        return previous

    def digest(self) -> str:
        """A fingerprint of where the workflow stands and the data it holds,
        free of task ids and timestamps, so a replay can be compared with it."""
        return hashlib.sha256(self.digest_body().encode()).hexdigest()

    def digest_body(self) -> str:
        """What `digest` fingerprints."""
        waiting = TaskState.READY | TaskState.STARTED | TaskState.WAITING
        tasks = sorted(
            (t.task_spec.name, TaskState.get_name(t.state))
            for t in self.workflow.get_tasks(state=waiting | TaskState.COMPLETED | TaskState.ERROR)
        )
        data = {t.task_spec.name: t.data for t in self.workflow.get_tasks(state=waiting)}
        return canonical_json({"tasks": tasks, "data": data, "wf": self.workflow.data})
