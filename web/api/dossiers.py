"""Dossiers: the caller's list, one dossier, and submitting a new one."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_babel import gettext
from sqlalchemy import func, select

from engine.dossiers import drafts
from engine.dossiers.officers import record_view
from engine.errors import InvalidInput
from engine.models import Dossier
from engine.models.base import ID_MAX
from engine.procedures import procedures

from ..i18n import select_locale
from ..identity import db
from ..submission import my_draft, submit_draft
from . import bp
from .auth import api_actor
from .drafts import applicant, application_fields
from .params import json_body, page_of, page_params
from .scope import visible_dossier, visible_dossiers
from .serialize import dossier_detail, dossier_summary


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


@bp.post("/dossiers")
def submit_dossier():
    """Submit a draft (`draft`, with the documents uploaded to it), or an application
    given whole (`procedure`, `application`: no documents). Either way the same checks
    as the citizens' form (web.submission) refuse an incomplete one, storing nothing."""
    owner = applicant(api_actor())
    body = json_body()
    if "draft" in body:
        draft_id = body["draft"]
        if not isinstance(draft_id, int) or isinstance(draft_id, bool) or \
                not 1 <= draft_id <= ID_MAX or set(body) - {"draft"}:
            raise InvalidInput(gettext("Yêu cầu nộp hồ sơ không hợp lệ."), {"draft": [
                "a draft's id (POST /api/v1/drafts), alone: the draft holds the application"]})
        my_draft(db(), draft_id, owner)
    else:
        procedure, channel, application = application_fields(body, procedure_required=True)
        assert procedure is not None
        procedures.latest_version(db(), procedure)  # an unknown procedure is not found
        draft_id = drafts.save_draft(db(), owner, procedure, application, channel).id
    # Incomplete: raised, so the draft made for an application given whole goes too.
    dossier, created = submit_draft(db(), draft_id, owner, select_locale())
    result = dossier_detail(db(), dossier)
    location = url_for("api.get_dossier", code=dossier.code)
    return result, 201 if created else 200, {"Location": location}
