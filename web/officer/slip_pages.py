"""Printable slips of one-stop practice, under /can-bo/ho-so/<code>/phieu/<kind>; and the
receipts of several dossiers printed at once, each slip rendered as its own page does."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from jinja2 import ChoiceLoader, DictLoader, Environment
from markupsafe import Markup
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from engine.dossiers.inbox import PAGE_SIZE
from engine.dossiers.runner import get_dossier
from engine.errors import NotFound
from engine.models import Dossier
from engine.procedures.procedures import load_version

from ..access import check_dossier_visible, today
from ..i18n import select_locale
from ..identity import db, require_role
from . import OFFICER_ROLES, bp
from .procedure_info import localized
from .slip_data import REFUSAL, SLIPS, SUPPLEMENT, control_sheet, notice, receipt

TEMPLATES = {"tiep-nhan": "receipt", "bo-sung": "supplement", "tu-choi": "refusal",
             "kiem-soat": "control_sheet"}


def slip_context(s: Session, dossier: Dossier, kind: str) -> dict[str, Any]:
    """What the slip `kind` of the dossier says; NotFound when the dossier has no such
    decision to write it from."""
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
        raise NotFound("this dossier has no such decision", dossier=dossier.code, slip=kind)
    return context


@bp.get("/ho-so/<code>/phieu/<kind>", endpoint="slip")
@require_role(*OFFICER_ROLES, "admin", "auditor")
def slip(code: str, kind: str) -> str:
    if kind not in SLIPS:
        raise NotFound("no such slip", slip=kind)
    s = db()
    dossier = get_dossier(s, code)
    check_dossier_visible(s, current_user, dossier)
    return render_template(f"officer/slips/{TEMPLATES[kind]}.html",
                           **slip_context(s, dossier, kind))


# A slip's own template, rendered with the page layout read as its content alone: the
# slip as its page shows it, to put several on one page.
_SLIP_ONLY = "{% block content %}{% endblock %}"


def _slips_only() -> Environment:
    env = current_app.extensions.get("motcua.slips_only")
    if env is None:
        pages = current_app.jinja_env.loader
        assert pages is not None
        # a cache of its own: a slip template compiled for the full page extends the page
        env = current_app.jinja_env.overlay(
            loader=ChoiceLoader([DictLoader({"base.html": _SLIP_ONLY}), pages]), cache_size=50)
        current_app.extensions["motcua.slips_only"] = env
    return env


def slip_alone(kind: str, context: dict[str, Any]) -> Markup:
    """The slip `kind` rendered by its own template, without the page around it."""
    wanted = dict(context)
    current_app.update_template_context(wanted)
    return Markup(_slips_only().get_template(
        f"officer/slips/{TEMPLATES[kind]}.html").render(wanted))


@bp.get("/giay-tiep-nhan", endpoint="receipts")
@require_role("reception")
def receipts() -> Response | str:
    """The receipts (giấy tiếp nhận và hẹn trả kết quả) of the dossiers ticked in the
    inbox (?ma=<code>&ma=…), one after another on one printable page."""
    codes = list(dict.fromkeys(c.strip() for c in request.args.getlist("ma") if c.strip()))
    if not codes:
        flash(gettext("Chọn ít nhất một hồ sơ để in giấy tiếp nhận."))
        return redirect(url_for("officer.inbox"))
    if len(codes) > PAGE_SIZE:
        flash(gettext("Mỗi lần in được tối đa %(n)s giấy tiếp nhận.", n=PAGE_SIZE))
        return redirect(url_for("officer.inbox"))
    s = db()
    dossiers = [get_dossier(s, code) for code in codes]
    for dossier in dossiers:
        check_dossier_visible(s, current_user, dossier)
    slips = [(d.code, slip_alone("tiep-nhan", slip_context(s, d, "tiep-nhan")))
             for d in dossiers]
    return render_template("officer/slips/receipts.html", slips=slips,
                           title=str(SLIPS["tiep-nhan"]))
