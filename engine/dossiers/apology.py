"""The apology slip (phiếu xin lỗi và hẹn lại ngày trả kết quả) and the
officer's finding that a dossier will be late.

Issuing a slip is one input in one transaction: under the dossier's lock it
checks the new date against the working-day calendar, stores the slip, moves
the appointment date, answers any open late mark, queues the applicant's
letter (notify.send, template "late") and appends an `apology_issued` event to
the hash chain, so the change is audited and replay sees the same history.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..audit import events
from ..deadlines.calendar_store import load_calendar
from ..errors import Conflict, InvalidInput
from ..models import ApologySlip, Dossier, JobKind, LateMark, utcnow
from . import side_jobs
from .runner import DEFAULT_MAX_ATTEMPTS, lock_dossier

REASON_MAX = 2000


def _reason(reason: str) -> str:
    text = (reason or "").strip()
    if len(text) < 5:
        raise InvalidInput("a reason is required", {"reason": ["write the reason (5 characters or more)"]})
    if len(text) > REASON_MAX:
        raise InvalidInput("reason too long", {"reason": [f"at most {REASON_MAX} characters"]})
    return text


def _open(dossier: Dossier) -> None:
    if dossier.finished_at is not None:
        raise Conflict("the dossier already has its result", dossier=dossier.code)
    if dossier.appointment_date is None:
        raise Conflict("the dossier has not been received: it has no appointment date yet",
                       dossier=dossier.code)


def earliest_new_appointment(session: Session, dossier: Dossier, at: datetime) -> date:
    """The first date a slip may promise: a working day after today and after
    the current appointment date."""
    calendar = load_calendar(session)
    start = max(calendar.local_date(at), dossier.appointment_date or date.min)
    return calendar.next_working_day(start)


def mark_late(session: Session, dossier_id: int, reason: str, *, actor: str,
              at: datetime | None = None) -> LateMark:
    """An officer records that the dossier will miss its appointment date."""
    at = at or utcnow()
    text = _reason(reason)
    dossier = lock_dossier(session, dossier_id)
    _open(dossier)
    mark = LateMark(dossier_id=dossier.id, reason=text, marked_by=actor, marked_at=at)
    session.add(mark)
    session.flush()
    events.append(session, dossier, "marked_late",
                  {"mark": mark.id, "reason": text,
                   "appointment": dossier.appointment_date.isoformat()  # type: ignore[union-attr]
                   }, actor, at)
    return mark


def issue_apology(session: Session, dossier_id: int, reason: str, new_appointment: date, *,
                  actor: str, actor_name: str, at: datetime | None = None) -> ApologySlip:
    """Issue the slip; see the module docstring. Refuses a date that is not a
    working day, not after today or not after the current appointment."""
    at = at or utcnow()
    text = _reason(reason)
    dossier = lock_dossier(session, dossier_id)
    _open(dossier)
    calendar = load_calendar(session)
    earliest = earliest_new_appointment(session, dossier, at)
    problems = []
    if new_appointment < earliest:
        problems.append(f"must be {earliest.isoformat()} or later (a working day after today "
                        "and after the current appointment date)")
    if not calendar.is_working_day(new_appointment):
        problems.append(f"{new_appointment.isoformat()} is not a working day")
    if problems:
        raise InvalidInput("the new appointment date is refused", {"new_appointment": problems},
                           dossier=dossier.code)
    number = 1 + int(session.scalar(select(func.count()).select_from(ApologySlip)
                                    .where(ApologySlip.dossier_id == dossier.id)) or 0)
    previous = dossier.appointment_date
    slip = ApologySlip(dossier_id=dossier.id, number=number, reason=text,
                       previous_appointment=previous, new_appointment=new_appointment,
                       issued_by=actor, issued_by_name=actor_name, issued_at=at)
    session.add(slip)
    session.flush()
    for mark in session.scalars(select(LateMark).where(LateMark.dossier_id == dossier.id,
                                                       LateMark.slip_id.is_(None))):
        mark.slip_id = slip.id
    dossier.appointment_date = new_appointment
    job = side_jobs.queue(session, dossier, JobKind.NOTICE, side_jobs.NOTICE_OPERATOR,
                          f"late/{number}", {
        "template": "late", "recipient": "applicant", "reason": text, "slip": number,
        "previous_appointment": previous.isoformat() if previous else None,
        "new_appointment": new_appointment.isoformat(), "officer": actor_name,
    }, at, max_attempts=DEFAULT_MAX_ATTEMPTS)
    slip.job_id = job.id
    events.append(session, dossier, "apology_issued", {
        "slip": number, "reason": text, "from": previous.isoformat() if previous else None,
        "to": new_appointment.isoformat(), "officer": actor, "officer_name": actor_name,
        "job_id": job.id}, actor, at)
    session.flush()
    return slip
