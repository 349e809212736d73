"""The runner: every change to a dossier is one input applied in one transaction.

Lock the dossier, load its workflow, apply the input, run engine steps until
the workflow waits, then write the state, the events, the human-task rows,
the outbox jobs and the timers. The caller commits once.
"""

from __future__ import annotations

import time
import traceback
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from .. import metrics
from .. import status as st
from ..audit import events
from ..bpmn.serializer import SERIALIZER_VERSION
from ..deadlines.calendar import WorkingCalendar
from ..deadlines.calendar_store import load_calendar
from ..deadlines.overdue import check_slip_before_task
from ..documents import store
from ..errors import Conflict, InvalidInput, MotcuaError, NotFound, WorkflowError
from ..models import Dossier, HumanTask, Job, JobKind, MessageWait, Timer, utcnow
from ..procedures import forms
from ..procedures.bundle import CHANNELS, MESSAGE_STARTS, Procedure, TaskInfo
from ..procedures.fees import charged_fee, compute_fee
from ..procedures.procedures import latest_version, load_version
from . import side_jobs, status_jobs
from .codes import next_code
from .machine import DossierMachine, Input, Outcome

DEFAULT_MAX_ATTEMPTS = 5
# delivers a message a dossier threw to the dossier waiting for it (connectors/messages.py)
MESSAGE_OPERATOR = "message.deliver"
# gives a signal a dossier threw to the other dossiers waiting for it (connectors/messages.py)
SIGNAL_OPERATOR = "signal.broadcast"
# a dossier a partner agency's system (or another dossier) filed with a message (liên thông)
PARTNER_CHANNEL = "partner"


def lock_dossier(session: Session, dossier_id: int) -> Dossier:
    """Take the dossier's row lock (PostgreSQL) and read its current state."""
    dossier = session.scalars(
        select(Dossier).where(Dossier.id == dossier_id).with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()
    if dossier is None:
        raise NotFound("dossier not found", dossier_id=dossier_id)
    return dossier


def get_dossier(session: Session, code: str) -> Dossier:
    dossier = session.scalar(select(Dossier).where(Dossier.code == code))
    if dossier is None:
        raise NotFound(f"dossier {code} not found", dossier=code)
    return dossier


def _applicant(settings: dict[str, Any], application: dict[str, Any]) -> dict[str, str | None]:
    """Who applies, read from the application by the paths named in procedure.toml."""
    paths = {"name": "ho_ten", "id_number": "so_dinh_danh", "phone": "so_dien_thoai"}
    paths.update(settings.get("applicant", {}))
    found: dict[str, str | None] = {}
    for key, path in paths.items():
        value: Any = application
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        found[key] = str(value) if value not in (None, "") else None
    return found


def submit(
    session: Session,
    procedure_code: str,
    application: dict[str, Any],
    *,
    actor: str,
    channel: str = "online",
    applicant_user: str | None = None,
    at: datetime | None = None,
    version_id: int | None = None,
    start_message: str | None = None,
) -> Dossier:
    """A new dossier on the procedure's newest version (or the one given). A procedure
    that a message starts takes `start_message` (messages.receive gives it the message
    next) and the `partner` channel (liên thông)."""
    if channel not in (*CHANNELS, PARTNER_CHANNEL) or (channel == PARTNER_CHANNEL) != bool(
            start_message):
        raise InvalidInput("unknown channel", {"channel": [f"{channel!r} is not a channel"]})
    if version_id is None:
        version_id = latest_version(session, procedure_code).id
    procedure = load_version(session, version_id)
    settings = procedure.settings
    if settings.get("shared"):
        raise InvalidInput("a shared sub-procedure is run by the procedures that call it",
                           {"procedure": [f"{procedure_code} is not offered to applicants"]})
    starts = settings.get(MESSAGE_STARTS, [])
    if (start_message or starts) and start_message not in starts:
        raise InvalidInput("this procedure starts when a partner agency's message arrives"
                           if starts else "this procedure starts on no message",
                           {"procedure": [f"{procedure_code} starts on "
                                          f"{', '.join(starts) or 'no message'}"]})
    forms.check(procedure.form_validator(settings["start_form"]), application,
                procedure=procedure_code)
    at = at or utcnow()
    calendar = load_calendar(session)
    code = next_code(session, settings["agency"], calendar.local_date(at))
    fee = compute_fee(settings, channel, application)
    who = _applicant(settings, application)
    dossier = Dossier(
        code=code, procedure_version_id=version_id,
        status=st.SUBMITTED, channel=channel, agency=settings["agency"],
        applicant_name=who["name"], applicant_id_number=who["id_number"],
        applicant_phone=who["phone"], applicant_user=applicant_user,
        application=application, fee_amount=fee, submitted_at=at, state="",
        serializer_version=SERIALIZER_VERSION, paused_working_days=0, last_event_seq=0,
        last_event_hash="",
    )
    session.add(dossier)
    session.flush()
    data = {"application": application, "channel": channel, "fee_amount": fee,
            "dossier_code": code, "procedure_code": procedure_code}
    machine = DossierMachine.new(procedure)
    _run_input(session, dossier, procedure, machine, calendar, Input("submitted", at, actor, data=data),
               {"data": data, "procedure_version": dossier.procedure_version_id,
                "applicant_user": applicant_user})
    return dossier


def _open_task(session: Session, dossier_id: int, task_id: str) -> HumanTask:
    row = session.scalar(select(HumanTask).where(HumanTask.workflow_task_id == task_id))
    if row is None or row.dossier_id != dossier_id:
        raise NotFound("task not found", task_id=task_id)
    return row


def find_task(session: Session, ref: int | str) -> HumanTask:
    """A human task by row id or workflow task id."""
    if isinstance(ref, int) or str(ref).isdigit():
        row = session.get(HumanTask, int(ref))
    else:
        row = session.scalar(select(HumanTask).where(HumanTask.workflow_task_id == str(ref)))
    if row is None:
        raise NotFound("task not found", task=ref)
    return row


def complete_task(
    session: Session,
    task_ref: int | str,
    data: dict[str, Any],
    *,
    actor: str,
    at: datetime | None = None,
    expected_revision: int | None = None,
    on_behalf_of: str | None = None,
) -> Dossier:
    """Complete a waiting user task with its form data. A deputy acting under a
    delegation passes whom they act for; both names are recorded."""
    row = find_task(session, task_ref)
    dossier = lock_dossier(session, row.dossier_id)
    session.refresh(row)  # read again under the lock: someone may have just completed it
    if row.state == "completed":
        when = row.completed_at.strftime("%d/%m/%Y %H:%M UTC") if row.completed_at else "?"
        raise Conflict(f"task already completed by {row.completed_by} at {when}",
                       dossier=dossier.code, task=row.element_id, completed_by=row.completed_by)
    if row.state != "open":
        raise Conflict("task is no longer active", dossier=dossier.code, task=row.element_id)
    if expected_revision is not None and expected_revision != dossier.revision:
        raise Conflict("the dossier changed since it was opened; reload it", dossier=dossier.code)
    at = at or utcnow()
    check_slip_before_task(session, dossier, row.role, load_calendar(session).local_date(at))
    procedure = load_version(session, dossier.procedure_version_id)
    if row.form:
        forms.check(procedure.form_validator(row.form), data, dossier=dossier.code,
                    task=row.element_id)
    machine = DossierMachine.load(procedure, dossier.state, dossier=dossier.code)
    inp = Input("task_completed", at, actor, element_id=row.element_id,
                task_id=row.workflow_task_id, data=data)
    payload: dict[str, Any] = {"element_id": row.element_id, "task_id": row.workflow_task_id,
                               "data": data}
    if on_behalf_of:
        payload["on_behalf_of"] = on_behalf_of
    _run_input(session, dossier, procedure, machine, load_calendar(session), inp, payload)
    row.on_behalf_of = on_behalf_of
    return dossier


def complete_service(session: Session, job: Job, result: dict[str, Any],
                     at: datetime | None = None) -> Dossier:
    """Feed a service job's result back to its workflow (the caller locked nothing yet)."""
    return _service_input(session, job, "service_completed", result, at)


def service_error(session: Session, job: Job, code: str, message: str,
                  at: datetime | None = None) -> Dossier:
    """Throw a job's business error (operators.BusinessError) at its service task: the
    error boundary that catches it takes over; none catching it is a WorkflowError."""
    return _service_input(session, job, "service_error", {"code": code, "message": message}, at)


def _service_input(session: Session, job: Job, kind: str, data: dict[str, Any],
                   at: datetime | None) -> Dossier:
    dossier = lock_dossier(session, job.dossier_id)
    session.refresh(job)
    if job.status == "done":
        return dossier  # already fed back: a retried completion changes nothing
    if job.status == "cancelled":
        raise Conflict("job was cancelled", dossier=dossier.code, job=job.id)
    procedure = load_version(session, dossier.procedure_version_id)
    machine = DossierMachine.load(procedure, dossier.state, dossier=dossier.code)
    at = at or utcnow()
    inp = Input(kind, at, f"operator:{job.operator}", element_id=job.element_id,
                task_id=job.workflow_task_id, data=data)
    job.status, job.result, job.finished_at = "done", data, at
    _run_input(session, dossier, procedure, machine, load_calendar(session), inp,
               {"element_id": job.element_id, "task_id": job.workflow_task_id,
                "operator": job.operator, "job_id": job.id, "attempt": job.attempts,
                "data": data})
    if job.operator == "result.deliver" and kind == "service_completed" and data.get("available"):
        store.keep_issued(session, dossier, procedure.settings, data.get("documents") or [])
    return dossier


def receive_event(session: Session, wait: MessageWait, payload: dict[str, Any], source: str,
                  message_id: int | None = None, at: datetime | None = None) -> Dossier:
    """Give the dossier the message or signal its workflow waits for at `wait`."""
    dossier = lock_dossier(session, wait.dossier_id)
    session.refresh(wait)
    if wait.status != "waiting":
        raise Conflict(f"the dossier no longer waits for this {wait.kind}", dossier=dossier.code,
                       event_name=wait.name)
    procedure = load_version(session, dossier.procedure_version_id)
    machine = DossierMachine.load(procedure, dossier.state, dossier=dossier.code)
    at = at or utcnow()
    data = {"name": wait.name, "payload": payload}
    inp = Input(f"{wait.kind}_received", at, source, element_id=wait.element_id,
                task_id=wait.workflow_task_id, data=data)
    recorded: dict[str, Any] = {"element_id": wait.element_id, "task_id": wait.workflow_task_id,
                                "data": data}
    if message_id is not None:
        recorded["message_id"] = message_id
    _run_input(session, dossier, procedure, machine, load_calendar(session), inp, recorded)
    return dossier


def fire_timer(session: Session, timer: Timer, at: datetime | None = None) -> Dossier:
    dossier = lock_dossier(session, timer.dossier_id)
    session.refresh(timer)
    if timer.status != "pending":
        return dossier
    procedure = load_version(session, dossier.procedure_version_id)
    machine = DossierMachine.load(procedure, dossier.state, dossier=dossier.code)
    at = max(at or utcnow(), timer.due_at)
    inp = Input("timer_fired", at, "timer", element_id=timer.element_id,
                task_id=timer.workflow_task_id)
    _run_input(session, dossier, procedure, machine, load_calendar(session), inp,
               {"element_id": timer.element_id, "task_id": timer.workflow_task_id,
                "due": timer.due_at.isoformat()})
    return dossier


def _run_input(session: Session, dossier: Dossier, procedure: Procedure, machine: DossierMachine,
               calendar: WorkingCalendar, inp: Input, payload: dict[str, Any]) -> Outcome:
    """Apply the input and write what it changed. Whatever breaks on the way (other than
    a refusal the engine itself makes, or the database's own conflicts) is this
    dossier's WorkflowError: the caller rolls the input back and records an incident."""
    started, outcome = time.perf_counter(), "failed"
    try:
        applied = _apply_and_write(session, dossier, procedure, machine, calendar, inp, payload)
        outcome = "done"
        return applied
    except WorkflowError as failure:
        failure.dossier_id = dossier.id
        raise
    except (MotcuaError, SQLAlchemyError) as exc:
        outcome = "refused" if isinstance(exc, MotcuaError) else "failed"
        raise
    except Exception as exc:  # one dossier's failure, never the caller's
        broken = WorkflowError(f"the dossier could not take the input: {type(exc).__name__}: "
                               f"{exc}", element_id=inp.element_id,
                               detail=traceback.format_exc(), input=inp.kind)
        broken.dossier_id = dossier.id
        raise broken from exc
    finally:
        metrics.step_finished(inp.kind, outcome, time.perf_counter() - started)


def _apply_and_write(session: Session, dossier: Dossier, procedure: Procedure,
                     machine: DossierMachine, calendar: WorkingCalendar, inp: Input,
                     payload: dict[str, Any]) -> Outcome:
    previous = dossier.status
    if inp.task_id and (instance := machine.instance_of(inp.task_id)) is not None:
        payload = {**payload, "instance": instance}
    outcome = machine.apply(inp, previous, dossier.received_at is not None)
    # Everything below is written in one flush at the end: one round trip per table.
    log: list[tuple[str, dict[str, Any], str, datetime]] = [(inp.kind, payload, inp.actor, inp.at)]
    with session.no_autoflush:
        # the deadline first: tasks opened by the reception take its appointment date
        deadline_log = _track_deadline(session, dossier, procedure, calendar, inp.at, outcome.status)
        _project_tasks(session, dossier, calendar, inp, outcome)
        _queue_jobs(session, dossier, outcome, inp.at)
        _track_timers(session, dossier, outcome)
        _track_waits(session, dossier, outcome, inp.at)
        status_jobs.on_input(session, dossier, procedure.code, previous, outcome.status,
                             outcome.jobs, deadline_log, inp.data, inp.at)
        for type_, event_payload in outcome.machine_events(previous):
            if type_ == "status_changed":
                event_payload["portal_code"] = st.portal_code(
                    outcome.status,
                    dossier.received_at is not None or st.counts_as_received(outcome.status))
            log.append((type_, event_payload, "engine", inp.at))
        log.extend(deadline_log)
        dossier.status = outcome.status
        dossier.state = machine.dump()
        dossier.serializer_version = SERIALIZER_VERSION
        events.append_many(session, dossier, log)
        for index, (name, message) in enumerate(outcome.sent):
            side_jobs.queue(session, dossier, JobKind.MESSAGE, MESSAGE_OPERATOR,
                            f"message/{dossier.last_event_seq}/{index}",
                            {"name": name, "payload": message}, inp.at)
        for index, (name, signal) in enumerate(outcome.signals):
            side_jobs.queue(session, dossier, JobKind.MESSAGE, SIGNAL_OPERATOR,
                            f"signal/{dossier.last_event_seq}/{index}",
                            {"name": name, "payload": signal}, inp.at)
    session.flush()
    return outcome


def _project_tasks(session: Session, dossier: Dossier, calendar: WorkingCalendar, inp: Input,
                   outcome: Outcome) -> None:
    for task_id, how in outcome.closed:
        row = _open_task(session, dossier.id, task_id)
        row.state = how
        if how == "completed":
            row.completed_at, row.completed_by = inp.at, inp.actor
            if row.due_date is not None:
                row.timeliness = calendar.timeliness(inp.at, row.due_date)
    for task_id, info in outcome.opened:
        session.add(HumanTask(
            dossier_id=dossier.id, workflow_task_id=task_id, element_id=info.element_id,
            name=info.name, lane=info.lane, role=info.role or "citizen",
            department=info.department or dossier.agency, form=info.form,
            assignee=dossier.applicant_user if info.role == "citizen" else None,
            state="open", created_at=inp.at, due_date=_task_due(dossier, calendar, info, inp.at),
        ))


def _task_due(dossier: Dossier, calendar: WorkingCalendar, info: TaskInfo, at: datetime):  # type: ignore[no-untyped-def]
    if info.allowance_days is not None:
        return calendar.add_working_days(calendar.effective_start(at), info.allowance_days)
    return None if info.role == "citizen" else dossier.appointment_date


def _queue_jobs(session: Session, dossier: Dossier, outcome: Outcome, at: datetime) -> None:
    for task_id, info, params, data in outcome.jobs:
        if info.operator == "fee.collect":
            # what is paid, receipted, refunded and reconciled is the dossier's fee
            fee = charged_fee(data, info.element_id)
            dossier.fee_amount = dossier.fee_amount if fee is None else fee
        session.add(Job(
            dossier_id=dossier.id, workflow_task_id=task_id, element_id=info.element_id,
            operator=info.operator or "", payload={"params": params, "data": data},
            idempotency_key=f"{dossier.code}/{info.element_id}/{task_id}", status="pending",
            attempts=0, max_attempts=DEFAULT_MAX_ATTEMPTS, next_attempt_at=at, created_at=at,
        ))
    for task_id in outcome.jobs_dropped:
        for job in session.scalars(select(Job).where(Job.workflow_task_id == task_id,
                                                     Job.status.in_(("pending", "running", "waiting")))):
            job.status = "cancelled"


def _track_timers(session: Session, dossier: Dossier, outcome: Outcome) -> None:
    gone = dict(outcome.timers_gone)
    known = {t.workflow_task_id: t for t in session.scalars(select(Timer).where(
        Timer.workflow_task_id.in_([task_id for task_id, _, _ in outcome.timers])))}
    for task_id, element_id, due in outcome.timers:
        if task_id in known:  # a repeating timer, due again
            known[task_id].due_at, known[task_id].status = due, "pending"
            continue
        # a timer reached and passed within the same input is recorded as such
        session.add(Timer(dossier_id=dossier.id, workflow_task_id=task_id, element_id=element_id,
                          due_at=due, status=gone.pop(task_id, "pending")))
    for task_id, how in gone.items():
        timer = session.scalar(select(Timer).where(Timer.workflow_task_id == task_id))
        if timer is not None:
            timer.status = how


def _track_waits(session: Session, dossier: Dossier, outcome: Outcome, at: datetime) -> None:
    gone = dict(outcome.awaits_gone)
    for task_id, element_id, kind, name, reference in outcome.awaits:
        session.add(MessageWait(dossier_id=dossier.id, workflow_task_id=task_id,
                                element_id=element_id, kind=kind, name=name,
                                reference=reference, status="waiting", created_at=at))
    if gone:
        for wait in session.scalars(select(MessageWait).where(
                MessageWait.dossier_id == dossier.id, MessageWait.status == "waiting",
                MessageWait.workflow_task_id.in_(gone))):
            wait.status = gone[wait.workflow_task_id]


def _track_deadline(session: Session, dossier: Dossier, procedure: Procedure,
                    calendar: WorkingCalendar, at: datetime, new: str
                    ) -> list[tuple[str, dict[str, Any], str, datetime]]:
    """Reception fixes the appointment date; waiting for the applicant pauses the
    clock and the paused working days push the date; a final status ends it.
    Returns the events to record."""
    log: list[tuple[str, dict[str, Any], str, datetime]] = []
    if dossier.received_at is None and st.counts_as_received(new):
        dossier.received_at = at
        days = int(procedure.settings["legal_deadline_working_days"])
        dossier.appointment_date = calendar.appointment_date(at, days)
        log.append(("deadline_set", {"received_at": at.isoformat(), "working_days": days,
                                     "appointment_date": dossier.appointment_date.isoformat()},
                    "engine", at))
        for row in session.scalars(select(HumanTask).where(
                HumanTask.dossier_id == dossier.id, HumanTask.state == "open",
                HumanTask.due_date.is_(None), HumanTask.role != "citizen")):
            row.due_date = dossier.appointment_date
    if dossier.received_at is None:
        return log
    if new in st.PAUSING_STATUSES and dossier.paused_since is None:
        dossier.paused_since = at
        log.append(("clock_paused", {"status": new}, "engine", at))
    elif new not in st.PAUSING_STATUSES and dossier.paused_since is not None:
        days = calendar.working_days_between(dossier.paused_since, at)
        old = dossier.appointment_date
        dossier.paused_since = None
        if days and old is not None:
            dossier.paused_working_days += days
            dossier.appointment_date = calendar.extend(old, days)
            log.append(("deadline_extended", {"paused_working_days": days, "from": old.isoformat(),
                                              "to": dossier.appointment_date.isoformat()},
                        "engine", at))
        else:
            log.append(("clock_resumed", {"paused_working_days": 0}, "engine", at))
    if new in st.END_STATUSES and dossier.finished_at is None:
        dossier.finished_at = at
    return log
