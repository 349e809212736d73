"""Overdue dossiers: mark one as going to be late, issue the apology slip
(phiếu xin lỗi và hẹn lại ngày trả kết quả) and print it."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from engine.deadlines.calendar_store import load_calendar
from engine.deadlines.overdue import Lateness, lateness, overdue_codes
from engine.dossiers.apology import REASON_MAX, earliest_new_appointment, issue_apology, mark_late
from engine.dossiers.runner import get_dossier
from engine.errors import Conflict, InvalidInput, NotFound
from engine.models import ApologySlip, Dossier, utcnow
from engine.procedures.procedures import load_version

from ..access import check_dossier_visible, today
from ..formats import vn_date
from ..identity import db, require_role
from ..schema_form import parse_date
from ..unit_of_work import attempt
from . import OFFICER_ROLES, bp
from .procedure_info import localized


@bp.app_template_global("dossier_lateness")
def dossier_lateness(dossier: Dossier) -> Lateness:
    """The overdue flag and the slips of a dossier, for the dossier and task pages."""
    return lateness(db(), dossier, today())


@bp.app_template_global("overdue_dossiers")
def overdue_dossiers(codes: list[str]) -> set[str]:
    """Which dossiers of an inbox page are overdue."""
    return overdue_codes(db(), list(codes), today())


def _visible(code: str) -> Dossier:
    s = db()
    dossier = get_dossier(s, code)
    check_dossier_visible(s, current_user, dossier)
    return dossier


def _form_page(dossier: Dossier, form: dict[str, Any], errors: dict[str, str],
               status: int = 200) -> tuple[str, int]:
    s = db()
    settings = load_version(s, dossier.procedure_version_id).settings
    return render_template(
        "officer/apology_form.html", dossier=dossier, form=form, errors=errors,
        earliest=earliest_new_appointment(s, dossier, utcnow()), reason_max=REASON_MAX,
        state=lateness(s, dossier, today()), procedure_name=localized(settings, "name"),
        agency_name=localized(settings, "agency_name")), status


@bp.get("/ho-so/<code>/xin-loi", endpoint="apology_form")
@require_role(*OFFICER_ROLES)
def apology_form(code: str) -> tuple[str, int]:
    dossier = _visible(code)
    earliest = earliest_new_appointment(db(), dossier, utcnow())
    return _form_page(dossier, {"reason": "", "new_appointment": earliest.isoformat()}, {})


def _errors(invalid: InvalidInput) -> dict[str, str]:
    messages = {
        "reason": gettext("Ghi rõ lý do chậm trả kết quả (từ 5 đến %(max)s ký tự).", max=REASON_MAX),
        "new_appointment": gettext("Ngày hẹn mới phải là ngày làm việc, sau hôm nay và sau "
                                   "ngày hẹn hiện tại."),
    }
    return {field: messages.get(field, "; ".join(reasons))
            for field, reasons in invalid.errors.items()}


@bp.post("/ho-so/<code>/xin-loi", endpoint="issue_apology")
@require_role(*OFFICER_ROLES)
def issue(code: str) -> Response | tuple[str, int]:
    s = db()
    dossier = _visible(code)
    form = {"reason": request.form.get("reason", ""),
            "new_appointment": request.form.get("new_appointment", "")}
    try:
        new_date = date.fromisoformat(parse_date(form["new_appointment"]))
    except ValueError:
        return _form_page(dossier, form, {"new_appointment": gettext(
            "Chọn ngày hẹn trả kết quả mới.")}, 400)
    try:
        with attempt():
            slip = issue_apology(s, dossier.id, form["reason"], new_date,
                                 actor=current_user.username, actor_name=current_user.full_name)
    except InvalidInput as invalid:
        return _form_page(get_dossier(s, code), form, _errors(invalid), 400)
    except Conflict:
        return _form_page(get_dossier(s, code), form, {"general": gettext(
            "Hồ sơ đã có kết quả hoặc chưa được tiếp nhận: không cần phiếu xin lỗi.")}, 409)
    flash(gettext("Đã lập phiếu xin lỗi; ngày hẹn trả kết quả mới là %(date)s. Người nộp hồ sơ "
                  "sẽ được thông báo.", date=vn_date(new_date)))
    return redirect(url_for("officer.apology_slip", code=code, number=slip.number))


@bp.post("/ho-so/<code>/se-tre-han", endpoint="mark_late")
@require_role(*OFFICER_ROLES)
def mark(code: str) -> Response:
    s = db()
    dossier = _visible(code)
    try:
        with attempt():
            mark_late(s, dossier.id, request.form.get("reason", ""), actor=current_user.username)
        flash(gettext("Đã đánh dấu hồ sơ sẽ trễ hạn. Lập phiếu xin lỗi và hẹn lại ngày trả kết "
                      "quả trước khi xử lý tiếp."))
    except InvalidInput:
        flash(gettext("Ghi rõ lý do hồ sơ sẽ trễ hạn (ít nhất 5 ký tự)."))
    except Conflict:
        flash(gettext("Hồ sơ đã có kết quả hoặc chưa được tiếp nhận."))
    return redirect(url_for("officer.dossier", code=code))


@bp.get("/ho-so/<code>/phieu/xin-loi/<int:number>", endpoint="apology_slip")
@require_role(*OFFICER_ROLES, "admin", "auditor")
def apology_slip(code: str, number: int) -> str:
    s = db()
    dossier = _visible(code)
    slip = s.scalar(select(ApologySlip).where(ApologySlip.dossier_id == dossier.id,
                                              ApologySlip.number == number))
    if slip is None:
        raise NotFound("no such apology slip", dossier=code, slip=number)
    procedure = load_version(s, dossier.procedure_version_id)
    settings = procedure.settings
    calendar = load_calendar(s)
    return render_template(
        "officer/slips/apology.html", dossier=dossier, slip=slip, procedure=procedure,
        title=gettext("Phiếu xin lỗi và hẹn lại ngày trả kết quả"), procedure_name=localized(settings, "name"),
        agency_name=localized(settings, "agency_name"),
        locality=settings.get("locality_vi") or localized(settings, "agency_name"),
        issued=calendar.local_date(slip.issued_at), application=dossier.application or {},
        received_at=dossier.received_at or dossier.submitted_at)
