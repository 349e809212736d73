"""Dossiers: the caller's list, one dossier, and submitting a new one."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_babel import gettext
from sqlalchemy import func, select

from engine import runner
from engine.errors import Forbidden, InvalidInput
from engine.models import Dossier
from engine.officers import record_view

from ..identity import db
from . import bp
from .auth import api_actor
from .params import json_body, page_of, page_params
from .scope import visible_dossier, visible_dossiers
from .serialize import dossier_detail, dossier_summary

CHANNELS = ("online", "counter", "postal")


@bp.get("/dossiers")
def list_dossiers() -> dict[str, Any]:
    page, per_page = page_params()
    query = visible_dossiers(db(), api_actor())
    total = db().scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db().scalars(query.order_by(Dossier.id.desc())
                        .offset((page - 1) * per_page).limit(per_page))
    return page_of([dossier_summary(d) for d in rows], page, per_page, total)


@bp.get("/dossiers/<code>")
def get_dossier(code: str) -> dict[str, Any]:
    """One dossier; anyone but its applicant reading it is recorded, as on the
    officers' pages (who has looked at it)."""
    actor = api_actor()
    dossier = visible_dossier(db(), actor, code)
    if dossier.applicant_user != actor.username:
        record_view(db(), dossier.id, actor.username)
        db().flush()
    return dossier_detail(db(), dossier)


def _submission(body: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    errors: dict[str, list[str]] = {}
    procedure = body.get("procedure")
    if not isinstance(procedure, str) or not procedure.strip():
        errors["procedure"] = ["is required (a procedure code, see GET /api/v1/procedures)"]
    channel = body.get("channel", "online")
    if channel not in CHANNELS:
        errors["channel"] = [f"must be one of {', '.join(CHANNELS)}"]
    application = body.get("application")
    if not isinstance(application, dict):
        errors["application"] = ["is required and must be an object"]
    if errors:
        raise InvalidInput(gettext("Yêu cầu nộp hồ sơ không hợp lệ."), errors)
    return str(procedure).strip(), str(channel), application  # type: ignore[return-value]


@bp.post("/dossiers")
def submit_dossier():  # type: ignore[no-untyped-def]
    actor = api_actor()
    if not actor.has_role("citizen"):
        raise Forbidden(gettext("Chỉ tài khoản công dân, doanh nghiệp được nộp hồ sơ qua API."))
    procedure, channel, application = _submission(json_body())
    dossier = runner.submit(db(), procedure, application, actor=actor.username, channel=channel,
                            applicant_user=actor.username)
    body = dossier_detail(db(), dossier)
    db().commit()  # stored before the client hears 201
    location = url_for("api.get_dossier", code=dossier.code)
    return body, 201, {"Location": location}
