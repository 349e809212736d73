"""My dossiers, a dossier's page, its receipt and its result documents."""

from __future__ import annotations

from typing import Any

import filetype
from flask import Response, render_template, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import exists, func, select
from sqlalchemy.orm import defer, selectinload

from engine.audit import events
from engine.audit.event_types import EventType
from engine.documents import blobs
from engine.dossiers import drafts, messages
from engine.errors import NotFound
from engine.models import Dossier, Draft, Event, HumanTask, ProcedureVersion, Rating
from engine.procedures import procedures

from ..access import today
from ..i18n import select_locale
from ..identity import db, require_role
from ..paging import page_number
from ..schema_form import fields
from .blueprint import bp
from .data_view import rows
from .files import blob_response, by_document
from .ownership import my_dossier
from .procedure_info import describe, documents, procedure_name
from .qr import qr_data_uri
from .supplement_info import SupplementForm, supplement_form
from .timeline import citizen_timeline


def _step_names(tasks: list[HumanTask]) -> list[str]:
    return [gettext("Chờ bạn bổ sung hồ sơ") if t.role == "citizen" else t.name for t in tasks]


PER_PAGE = 20


@bp.get("/ho-so")
@require_role("citizen")
def my_dossiers() -> str:
    """The citizen's dossiers, newest first, a page at a time; above them, wherever they
    fall in the list, those waiting for the citizen to add to them."""
    s, lang, me = db(), select_locale(), current_user.username
    page = page_number("trang")
    mine = Dossier.applicant_user == me
    total = s.scalar(select(func.count()).select_from(Dossier).where(mine)) or 0
    pages = max(1, -(-total // PER_PAGE))
    page = min(page, pages)
    newest = (select(Dossier).where(mine)
              .options(defer(Dossier.application),  # the list shows none of it
                       selectinload(Dossier.procedure_version).selectinload(ProcedureVersion.procedure))
              .order_by(Dossier.submitted_at.desc(), Dossier.id.desc()))
    listed = list(s.scalars(newest.offset((page - 1) * PER_PAGE).limit(PER_PAGE)))
    waiting = list(s.scalars(newest.where(exists().where(
        HumanTask.dossier_id == Dossier.id, HumanTask.state == "open",
        HumanTask.role == "citizen")).limit(PER_PAGE)))
    open_tasks: dict[int, list[HumanTask]] = {}
    ids = {d.id for d in listed} | {d.id for d in waiting}
    if ids:
        for task in s.scalars(select(HumanTask).where(
                HumanTask.dossier_id.in_(ids), HumanTask.state == "open").order_by(HumanTask.id)):
            open_tasks.setdefault(task.dossier_id, []).append(task)
    day = today()

    def item(d: Dossier) -> dict[str, Any]:
        tasks = open_tasks.get(d.id, [])
        return {"dossier": d, "name": _name(d, lang), "steps": _step_names(tasks),
                "overdue": d.is_overdue(day), "needs_me": any(t.role == "citizen" for t in tasks)}

    own_drafts = list(s.scalars(select(Draft).where(Draft.owner == me, Draft.dossier_id.is_(None))
                                .order_by(Draft.updated_at.desc())))
    draft_items = [{"draft": d, "name": procedure_name(s, d.procedure_code, lang)}
                   for d in own_drafts]
    return render_template("citizen/my_dossiers.html", items=[item(d) for d in listed],
                           waiting=[item(d) for d in waiting], drafts=draft_items,
                           total=total, page=page, pages=pages)


def _name(dossier: Dossier, lang: str) -> str:
    proc = dossier.procedure_version.procedure
    return proc.name_en if lang == "en" else proc.name_vi


def result_documents(history: list[Event]) -> list[dict[str, str]]:
    """Result documents published to the applicant (result.deliver), with their media
    types, from the dossier's history."""
    media: dict[str, str] = {}
    published: list[str] = []
    for event in history:
        if event.type != EventType.SERVICE_COMPLETED:
            continue
        data = event.payload.get("data") or {}
        if isinstance(data.get("document"), str) and data.get("media_type"):
            media[data["document"]] = str(data["media_type"])
        if event.payload.get("operator") == "result.deliver" and data.get("available"):
            published.extend(d for d in data.get("documents", []) if d not in published)
    return [{"sha256": d, "media_type": media.get(d, "")} for d in published]


def render_dossier(dossier: Dossier, status: int = 200, supplement: SupplementForm | None = None,
                   rating_error: str | None = None, withdrawal_errors: dict[str, str] | None = None,
                   withdrawal_reason: str = "") -> tuple[str, int]:
    s, lang = db(), select_locale()
    procedure = procedures.load_version(s, dossier.procedure_version_id)
    tasks = list(s.scalars(select(HumanTask).where(
        HumanTask.dossier_id == dossier.id, HumanTask.state == "open").order_by(HumanTask.id)))
    if supplement is None:
        task = next((t for t in tasks if t.role == "citizen"), None)  # as open_citizen_task
        supplement = supplement_form(s, dossier, task, lang) if task is not None else None
    history = events.history(s, dossier.id)
    attachments = drafts.attachments_of(s, dossier_id=dossier.id)
    docs = documents(procedure.settings, lang)
    start = procedure.forms[procedure.settings["start_form"]]
    html = render_template(
        "citizen/dossier.html", dossier=dossier, card=describe(dossier.procedure_version, lang),
        steps=_step_names(tasks), overdue=dossier.is_overdue(today()),
        application=rows(fields(start, lang), dossier.application),
        documents=[(d, f) for d, f in by_document(docs, [a for a in attachments
                                                        if a.purpose != "supplement"]) if f],
        supplements=[a for a in attachments if a.purpose == "supplement"],
        timeline=citizen_timeline(dossier, history), results=result_documents(history),
        supplement=supplement,
        rating=s.scalar(select(Rating).where(Rating.dossier_id == dossier.id)),
        rating_error=rating_error,
        withdrawable=messages.awaits_message(s, dossier, messages.WITHDRAWAL),
        withdrawal_errors=withdrawal_errors or {}, withdrawal_reason=withdrawal_reason)
    return html, status


@bp.get("/ho-so/<code>")
@require_role("citizen")
def dossier(code: str) -> tuple[str, int]:
    return render_dossier(my_dossier(db(), code))


@bp.get("/ho-so/<code>/bien-nhan")
@require_role("citizen")
def receipt(code: str) -> str:
    s, lang = db(), select_locale()
    found = my_dossier(s, code)
    tracking = url_for("public.lookup", ma=found.code, _external=True)
    docs = documents(found.procedure_version.settings, lang)
    attachments = [a for a in drafts.attachments_of(s, dossier_id=found.id)
                   if a.purpose == "application"]
    return render_template(
        "citizen/receipt.html", dossier=found, card=describe(found.procedure_version, lang),
        documents=[(d, f) for d, f in by_document(docs, attachments) if f],
        tracking=tracking, qr=qr_data_uri(tracking))


@bp.get("/ho-so/<code>/ket-qua/<sha256>")
@require_role("citizen")
def result(code: str, sha256: str) -> Response:
    found = my_dossier(db(), code)
    document: dict[str, Any] | None = next(
        (d for d in result_documents(events.history(db(), found.id))
         if d["sha256"] == sha256), None)
    if document is None or not blobs.exists(sha256):
        raise NotFound(gettext("Không tìm thấy văn bản kết quả."))
    data = blobs.get(sha256)
    media = document["media_type"] or (filetype.guess_mime(data) or "text/html")
    if media == "text/html":
        media = "text/html; charset=utf-8"
    suffix = ".pdf" if "pdf" in media else ".html"
    return blob_response(data, media, f"{found.code}-ket-qua{suffix}")
