"""The dossier page (history, who has looked at it, slips, a technical incident it is
stuck on) and its files."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response, render_template
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.documents import blobs
from engine.dossiers.runner import get_dossier
from engine.errors import NotFound
from engine.models import Attachment, Incident
from engine.procedures.bundle import Procedure

from ..access import check_dossier_visible, open_dossier
from ..formats import VN
from ..i18n import select_locale
from ..identity import db, require_role
from . import OFFICER_ROLES, bp
from .dossier_view import dossier_context
from .people import holds, officer_scope
from .slip_data import available_slips

SEES_FILES = (*OFFICER_ROLES, "admin", "auditor")  # check_dossier_visible decides which dossiers


@bp.get("/ho-so/<code>", endpoint="dossier")
@require_role(*SEES_FILES)
def dossier_page(code: str) -> str:
    s = db()
    dossier = open_dossier(s, current_user, code)
    context = dossier_context(s, dossier, select_locale())
    _, acting = officer_scope(s, current_user)
    mine = {t.id for t in context["tasks"] if t.state == "open" and t.role != "citizen"
            and any(holds(roles, t.role, t.department) for roles in acting.values())}
    return render_template("officer/dossier.html", actionable=mine,
                           slips=available_slips(dossier, context["events"], context["tasks"]),
                           incident=open_incident(s, dossier.id, context["procedure"]), **context)


def open_incident(session: Session, dossier_id: int, procedure: Procedure) -> dict[str, str] | None:
    """The dossier's oldest open incident as officers are told of it: the step's name
    (its element id when the procedure names none) and since when; no technical detail."""
    row = session.execute(
        select(Incident.element_id, Incident.created_at)
        .where(Incident.dossier_id == dossier_id, Incident.resolved_at.is_(None))
        .order_by(Incident.created_at, Incident.id).limit(1)).first()
    if row is None:
        return None
    element_id, since = row
    task = procedure.tasks.get(element_id or "")
    return {"step": (task.name if task else "") or element_id or "",
            "since": since.astimezone(VN).strftime("%d/%m/%Y %H:%M")}


@bp.get("/ho-so/<code>/tep/<int:attachment_id>", endpoint="attachment")
@require_role(*SEES_FILES)
def attachment(code: str, attachment_id: int) -> Response:
    """A file of the dossier, shown in the browser; only to those who may see the dossier."""
    s = db()
    dossier = get_dossier(s, code)
    check_dossier_visible(s, current_user, dossier)
    row = s.get(Attachment, attachment_id)
    if row is None or row.dossier_id != dossier.id or not blobs.exists(row.sha256):
        raise NotFound("attachment not found", dossier=code, attachment=attachment_id)
    response = Response(blobs.get(row.sha256), mimetype=row.media_type)
    response.headers["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(row.filename)}"
    response.headers["Cache-Control"] = "private, no-store"
    return response
