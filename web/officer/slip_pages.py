"""Printable slips of one-stop practice, under /can-bo/ho-so/<code>/phieu/<kind>."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from engine.dossiers.runner import get_dossier
from engine.errors import NotFound
from engine.procedures.procedures import load_version

from ..access import check_dossier_visible, today
from ..i18n import select_locale
from ..identity import db, require_role
from . import OFFICER_ROLES, bp
from .procedure_info import localized
from .slip_data import REFUSAL, SLIPS, SUPPLEMENT, control_sheet, notice, receipt

TEMPLATES = {"tiep-nhan": "receipt", "bo-sung": "supplement", "tu-choi": "refusal",
             "kiem-soat": "control_sheet"}


@bp.get("/ho-so/<code>/phieu/<kind>", endpoint="slip")
@require_role(*OFFICER_ROLES, "admin", "auditor")
def slip(code: str, kind: str) -> str:
    if kind not in SLIPS:
        raise NotFound("no such slip", slip=kind)
    s = db()
    dossier = get_dossier(s, code)
    check_dossier_visible(s, current_user, dossier)
    procedure = load_version(s, dossier.procedure_version_id)
    settings = procedure.settings
    lang = select_locale()
    context = {
        "dossier": dossier, "procedure": procedure, "title": str(SLIPS[kind]),
        "procedure_name": localized(settings, "name"),
        "agency_name": localized(settings, "agency_name"),
        "locality": settings.get("locality_vi") or localized(settings, "agency_name"),
        "issued": today(),
        "application": dossier.application or {},
    }
    if kind == "tiep-nhan":
        context["receipt"] = receipt(s, dossier, procedure)
    elif kind == "bo-sung":
        context["notice"] = notice(s, dossier, procedure, SUPPLEMENT, ("bo_sung",), lang)
    elif kind == "tu-choi":
        context["notice"] = notice(s, dossier, procedure, REFUSAL, ("ly_do",), lang)
    else:
        context["rows"] = control_sheet(s, dossier, procedure)
    if kind in ("bo-sung", "tu-choi") and context["notice"] is None:
        raise NotFound("this dossier has no such decision", dossier=code, slip=kind)
    return render_template(f"officer/slips/{TEMPLATES[kind]}.html", **context)
