"""Overdue dossiers: past the appointment date without a result, or marked by
an officer as going to be late. Overdue is a flag, not a status; while it is
up, no further officer task of the dossier can be completed until an officer
issues an apology slip with a new appointment date (engine/dossiers/apology.py).

On-time statistics count a dossier against its first appointment date: one
that needed an apology slip is late even though its appointment moved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..errors import Conflict
from ..models import ApologySlip, Dossier, LateMark, Procedure, ProcedureVersion
from .calendar import WorkingCalendar


class SlipRequired(Conflict):
    """An officer task of an overdue dossier, completed before an apology slip."""


@dataclass(frozen=True)
class Lateness:
    past_due: bool  # the appointment date has passed without a result
    marked: LateMark | None  # an officer found it will be late, not yet answered by a slip
    slips: list[ApologySlip]

    @property
    def overdue(self) -> bool:
        return self.past_due or self.marked is not None

    @property
    def needs_slip(self) -> bool:
        return self.overdue


def lateness(session: Session, dossier: Dossier, today: date) -> Lateness:
    marked = session.scalars(select(LateMark).where(
        LateMark.dossier_id == dossier.id, LateMark.slip_id.is_(None))
        .order_by(LateMark.id.desc())).first()
    if dossier.finished_at is not None:
        marked = None
    slips = list(session.scalars(select(ApologySlip).where(ApologySlip.dossier_id == dossier.id)
                                 .order_by(ApologySlip.number)))
    return Lateness(dossier.is_overdue(today), marked, slips)


def check_slip_before_task(session: Session, dossier: Dossier, role: str, today: date) -> None:
    """Refuse an officer's task on an overdue dossier that has no apology slip for it."""
    if role == "citizen":
        return
    state = lateness(session, dossier, today)
    if state.needs_slip:
        raise SlipRequired(
            "the dossier is overdue: issue an apology slip with a new appointment date "
            "before completing its tasks", dossier=dossier.code,
            appointment=dossier.appointment_date.isoformat() if dossier.appointment_date else None)


def overdue_codes(session: Session, codes: list[str], today: date) -> set[str]:
    """Which of these dossier codes are overdue today (for a list page: two queries)."""
    if not codes:
        return set()
    rows = session.execute(select(Dossier.code, Dossier.id, Dossier.appointment_date,
                                  Dossier.finished_at, Dossier.paused_since)
                           .where(Dossier.code.in_(codes))).all()
    found = {code for code, _, due, finished, paused in rows
             if due is not None and finished is None and paused is None and today > due}
    ids = {i: code for code, i, _, finished, _ in rows if finished is None}
    if ids:
        found |= {ids[i] for i in session.scalars(select(LateMark.dossier_id).where(
            LateMark.dossier_id.in_(ids), LateMark.slip_id.is_(None)))}
    return found


@dataclass
class OnTime:
    procedure: str
    finished: int = 0
    on_time: int = 0
    late: int = 0
    open_overdue: int = 0
    with_slip: int = 0
    codes_late: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float | None:
        return self.on_time / self.finished if self.finished else None


def on_time_stats(session: Session, calendar: WorkingCalendar, today: date) -> list[OnTime]:
    """Per procedure: finished dossiers on time or late against their first
    appointment date (a dossier with an apology slip is late), and open ones overdue."""
    first = (select(ApologySlip.dossier_id, func.min(ApologySlip.number).label("n"))
             .group_by(ApologySlip.dossier_id).subquery())
    slip = select(ApologySlip.dossier_id, ApologySlip.previous_appointment).join(
        first, (first.c.dossier_id == ApologySlip.dossier_id) & (first.c.n == ApologySlip.number)
    ).subquery()
    marked = select(LateMark.dossier_id).where(LateMark.slip_id.is_(None)).subquery()
    rows = session.execute(
        select(Procedure.code, Dossier.code, Dossier.appointment_date,
               Dossier.finished_at, Dossier.paused_since, Dossier.received_at,
               slip.c.previous_appointment, slip.c.dossier_id.is_not(None),
               marked.c.dossier_id.is_not(None))
        .join(ProcedureVersion, ProcedureVersion.id == Dossier.procedure_version_id)
        .join(Procedure, Procedure.id == ProcedureVersion.procedure_id)
        .outerjoin(slip, slip.c.dossier_id == Dossier.id)
        .outerjoin(marked, marked.c.dossier_id == Dossier.id)
        .where(Dossier.received_at.is_not(None)))
    stats: dict[str, OnTime] = {}
    for proc, code, due, finished, paused, _received, original, has_slip, is_marked in rows:
        s = stats.setdefault(proc or "?", OnTime(proc or "?"))
        s.with_slip += bool(has_slip)
        original = original or due
        if finished is not None:
            s.finished += 1
            if has_slip or (original is not None and calendar.local_date(finished) > original):
                s.late += 1
                s.codes_late.append(code)
            else:
                s.on_time += 1
        elif is_marked or (due is not None and paused is None and today > due):
            s.open_overdue += 1
    return sorted(stats.values(), key=lambda s: s.procedure)
