"""The tracking board: every dossier and open task at a glance (officers, auditors, admins)."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import func, select

from engine.deadlines.calendar_store import load_calendar
from engine.dossiers.statistics import since_start
from engine.models import Dossier, HumanTask, Incident
from engine.procedures import procedures

from ..access import today
from ..citizen.ratings import rating_summary
from ..identity import db, require_role
from ..officer.dossier_pages import SEES_FILES

bp = Blueprint("board", __name__)


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
                           on_time=since_start(s, load_calendar(s), today()),
                           sees_dossiers=any(current_user.has_role(r) for r in SEES_FILES))


from . import dashboard, monthly  # noqa: E402,F401  (their routes join the blueprint)
