"""Incidents for administrators: the dossiers that could not take an input by themselves
(a job that could not finish, a timer, a task or a result the workflow failed on), newest
first with the traceback, a retry for each, and those settled in the last 30 days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from engine.errors import Conflict, NotFound
from engine.models import Dossier, Incident, Job, utcnow
from engine.outbox.outbox import retry_incident
from engine.procedures.bundle import Procedure
from engine.procedures.procedures import load_version

from ..identity import db, require_role
from ..officer.procedure_info import localized
from ..paging import MAX_PAGE, page_number
from ..unit_of_work import attempt
from . import bp

PAGE_SIZE = 20
RECENT = timedelta(days=30)
RECENT_LIMIT = 50


@dataclass
class IncidentRow:
    incident: Incident
    code: str  # the dossier's
    procedure_name: str
    step_name: str | None  # the step's name in the procedure, when it has one
    source: str  # what the dossier failed on, in words


def source_words(source: str, operator: str) -> str:
    """What the dossier failed on, as an administrator reads it."""
    if source == "job":
        return gettext("Dịch vụ %(operator)s", operator=operator)
    if source == "timer_fired":
        return gettext("Hẹn giờ")
    if source == "task_completed":
        return gettext("Hoàn thành công việc")
    if source == "service_completed":
        return gettext("Kết quả dịch vụ")
    if source == "submitted":
        return gettext("Lúc nộp hồ sơ")
    return source


def _procedures(session: Session, version_ids: set[int]) -> dict[int, Procedure | None]:
    """Each version's parsed procedure (cached by the engine); None for one that no longer
    parses: a broken version is one of the things an incident reports, not a reason to
    hide the list."""
    found: dict[int, Procedure | None] = {}
    for version_id in version_ids:
        try:
            found[version_id] = load_version(session, version_id)
        except Exception:  # shown as unknown: the incident says why
            found[version_id] = None
    return found


def _rows(session: Session, query: Select[Incident, str, int]) -> list[IncidentRow]:
    rows = session.execute(query).all()
    procedures = _procedures(session, {version_id for _, _, version_id in rows})
    out = []
    for incident, code, version_id in rows:
        procedure = procedures[version_id]
        task = procedure.tasks.get(incident.element_id or "") if procedure else None
        out.append(IncidentRow(
            incident, code, localized(procedure.settings, "name") if procedure else "—",
            (task.name or None) if task else None, source_words(incident.source, incident.operator)))
    return out


def _listed() -> Select[Incident, str, int]:
    return select(Incident, Dossier.code, Dossier.procedure_version_id).join(
        Dossier, Dossier.id == Incident.dossier_id)


@bp.get("/su-co", endpoint="incidents")
@require_role("admin")
def incidents() -> str:
    s = db()
    page = page_number("trang")
    still_open = Incident.resolved_at.is_(None)
    total = s.scalar(select(func.count(Incident.id)).where(still_open)) or 0
    rows = _rows(s, _listed().where(still_open)
                 .order_by(Incident.created_at.desc(), Incident.id.desc())
                 .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE))
    settled = _rows(s, _listed().where(Incident.resolved_at >= utcnow() - RECENT)
                    .order_by(Incident.resolved_at.desc(), Incident.id.desc())
                    .limit(RECENT_LIMIT))
    return render_template("admin/incidents.html", rows=rows, total=total, page=page,
                           pages=max(1, -(-total // PAGE_SIZE)), settled=settled,
                           recent_days=RECENT.days)


@bp.post("/su-co/<int:incident_id>/thu-lai", endpoint="retry_incident")
@require_role("admin")
def retry(incident_id: int) -> Response:
    """Give the incident's input again (see engine.outbox.outbox.retry_incident) and say
    what happened; an incident already settled, or unknown, is only named."""
    s = db()
    try:
        with attempt():
            again = retry_incident(s, incident_id, current_user.username)
    except NotFound:
        flash(gettext("Không có sự cố #%(id)d.", id=incident_id))
        return _back()
    except Conflict:
        settled = s.get(Incident, incident_id)
        flash(gettext("Sự cố #%(id)d đã được %(who)s xử lý trước đó.", id=incident_id,
                      who=settled.resolved_by if settled else "?"))
        return _back()
    incident = s.get(Incident, incident_id)
    assert incident is not None
    code = s.scalar(select(Dossier.code).where(Dossier.id == incident.dossier_id))
    if isinstance(again, Job):
        flash(gettext("Đã đưa lại công việc %(operator)s của hồ sơ %(code)s vào hàng đợi: "
                      "máy xử lý sẽ chạy lại từ lần thử đầu tiên.",
                      operator=again.operator, code=code))
    elif again is not None:
        flash(gettext("Hẹn giờ %(step)s của hồ sơ %(code)s đã đến hạn lại: máy xử lý sẽ "
                      "chạy lại bước này.", step=again.element_id, code=code))
    else:
        flash(gettext("Đã đánh dấu sự cố #%(id)d của hồ sơ %(code)s là đã xử lý. Thao tác "
                      "do người dùng thực hiện không thể làm lại thay họ: họ cần thực hiện "
                      "lại thao tác đó.", id=incident_id, code=code))
    return _back()


def _back() -> Response:
    """The page of the list the form was posted from."""
    raw = request.form.get("trang", "")
    page = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 7 and \
        1 < int(raw) <= MAX_PAGE else None
    return redirect(url_for("admin.incidents", trang=page))
