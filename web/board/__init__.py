"""The tracking board: every dossier and open task at a glance (officers, auditors, admins)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.deadlines.calendar import WorkingCalendar
from engine.deadlines.calendar_store import load_calendar
from engine.dossiers.inbox import procedure_names
from engine.dossiers.statistics import (
    Periods,
    on_time_by_procedure,
    overdue_by_procedure,
    slips_by_procedure,
)
from engine.models import Dossier, HumanTask, Incident
from engine.procedures import procedures

from ..access import today
from ..citizen.ratings import rating_summary
from ..i18n import select_locale
from ..identity import db, require_role
from ..officer.dossier_pages import SEES_FILES

bp = Blueprint("board", __name__)


@dataclass(frozen=True)
class OnTimeLine:
    """A procedure's line of the board: its dossiers solved this month, on time (early or
    on the day) or late, as the leaders' dashboard counts them; those overdue now; the
    apology slips issued this month."""

    procedure: str
    name: str
    solved: int
    on_time: int
    late: int
    overdue: int
    slips: int

    @property
    def rate(self) -> float | None:
        return self.on_time / self.solved if self.solved else None


def on_time_this_month(session: Session, calendar: WorkingCalendar, day: date,
                       english: bool) -> list[OnTimeLine]:
    periods = Periods.of(calendar, day)
    names = {code: en if english and en else vi for code, vi, en in procedure_names(session).values()}
    rates = {r.key: r for r in on_time_by_procedure(session, calendar, periods.month, periods.end)}
    overdue = overdue_by_procedure(session, day)
    slips = slips_by_procedure(session, periods.month, periods.end)
    lines = []
    for code in sorted(set(rates) | set(overdue) | set(slips)):
        row = rates.get(code)
        lines.append(OnTimeLine(code, names.get(code, code), row.total if row else 0,
                                row.early + row.on_time if row else 0, row.late if row else 0,
                                overdue.get(code, 0), slips.get(code, 0)))
    return lines


@bp.get("/board")
@require_role("reception", "specialist", "leader", "auditor", "admin", "analyst")
def index() -> str:
    s = db()
    versions = procedures.list_versions(s)
    dossiers = list(s.scalars(select(Dossier).order_by(Dossier.id.desc()).limit(100)))
    tasks = list(s.execute(
        select(HumanTask, Dossier.code).join(Dossier).where(HumanTask.state == "open")
        .order_by(HumanTask.due_date, HumanTask.id).limit(200)))
    incidents = s.scalar(select(func.count()).select_from(Incident)
                         .where(Incident.resolved_at.is_(None)))
    return render_template("status.html", versions=versions, dossiers=dossiers, tasks=tasks,
                           incidents=incidents, ratings=rating_summary(s),
                           on_time=on_time_this_month(s, load_calendar(s), today(),
                                                      select_locale() == "en"),
                           month=today().strftime("%m/%Y"),
                           sees_dossiers=any(current_user.has_role(r) for r in SEES_FILES))


from . import dashboard, monthly  # noqa: E402,F401  (their routes join the blueprint)
