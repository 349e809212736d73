"""Overdue dossiers: past the appointment date without a result, or marked by
an officer as going to be late. Overdue is a flag, not a status; while it is
up, no further officer task of the dossier can be completed until an officer
issues an apology slip with a new appointment date (engine/dossiers/apology.py).

On-time figures (engine.dossiers.statistics) count a dossier against its first
appointment date: one that needed an apology slip is late even though its
appointment moved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import Conflict
from ..models import ApologySlip, Dossier, LateMark


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
