"""Applying online: the start form and its documents, kept as a draft across
visits, checked on the server, reviewed, then submitted exactly once."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from engine.dossiers import drafts
from engine.errors import InvalidInput, NotFound
from engine.models import Attachment, Dossier, Draft, StoredDocument, User
from engine.procedures import procedures
from engine.procedures.bundle import Procedure
from engine.procedures.fees import compute_fee

from ..form_errors import summary
from ..i18n import select_locale
from ..identity import db, require_role
from ..schema_form import fields, flat_values, parse
from ..signed_uploads import signed_documents
from ..submission import (
    Incomplete,
    attach_from_store,
    my_draft,
    store_offers,
    submission_problems,
    submit_draft,
)
from ..unit_of_work import attempt
from .blueprint import bp
from .data_view import rows
from .files import by_document, store_uploads, upload_field
from .procedure_info import Document, describe, documents, offered
from .store import origin_name

APPLICANT_PATHS = {"name": "ho_ten", "id_number": "so_dinh_danh", "phone": "so_dien_thoai"}
STORE_PREFIX = "kho__"


def store_field(document_code: str) -> str:
    return f"{STORE_PREFIX}{document_code}"


def _procedure(code: str) -> tuple[Any, Procedure]:
    version = procedures.latest_version(db(), code)
    if not offered(version.settings):
        raise NotFound(gettext("Thủ tục này không nhận hồ sơ do người dân nộp trực tiếp."))
    return version, procedures.load_version(db(), version.id)


def _start_schema(procedure: Procedure) -> dict[str, Any]:
    return procedure.forms[procedure.settings["start_form"]]


def _defaults(schema: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, prop in schema.get("properties", {}).items():
        if prop.get("type") == "object":
            out.update(_defaults(prop, f"{prefix}{name}."))
        elif "default" in prop:
            out[f"{prefix}{name}"] = prop["default"]
    return out


def _refill(schema: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """The form refilled from saved or posted data. An optional section left out of the
    data (nothing typed in it) shows its defaults again, as on a new application."""
    return {**_defaults(schema), **flat_values(data)}


def initial_values(procedure: Procedure) -> dict[str, Any]:
    """A new application starts from the form's defaults and what the account knows."""
    schema = _start_schema(procedure)
    values = _defaults(schema)
    user = db().get(User, current_user.id)
    if user is None:
        return values
    paths = dict(APPLICANT_PATHS, **procedure.settings.get("applicant", {}))
    known = {"name": user.full_name, "id_number": user.id_number, "phone": user.phone}
    flat_names = set(_all_names(schema))
    for key, value in known.items():
        if value and paths.get(key) in flat_names:
            values[paths[key]] = value
    if user.email and "email" in flat_names:
        values["email"] = user.email
    return values


def _all_names(schema: dict[str, Any], prefix: str = "") -> list[str]:
    names: list[str] = []
    for name, prop in schema.get("properties", {}).items():
        names.append(f"{prefix}{name}")
        if prop.get("type") == "object":
            names.extend(_all_names(prop, f"{prefix}{name}."))
    return names


def problems(procedure: Procedure, data: dict[str, Any], attachments: list[Attachment],
             lang: str) -> dict[str, list[str]]:
    """What stops submission (web.submission), keyed as the form shows it."""
    found = submission_problems(procedure, data, attachments, lang)
    return {**found.fields,
            **{upload_field(code): reasons for code, reasons in found.documents.items()}}


def _picks_from_store(draft: Draft, docs: list[Document]) -> dict[str, list[str]]:
    """Attach the items the applicant picked from their store; the refusals by upload field."""
    errors: dict[str, list[str]] = {}
    for doc in docs:
        for item_id in request.form.getlist(store_field(doc.code), type=int):
            try:
                with attempt():
                    attach_from_store(db(), draft, doc.code, item_id, current_user.username,
                                      upload_field(doc.code))
            except InvalidInput as refused:
                for key, reasons in refused.errors.items():
                    errors.setdefault(key, []).extend(reasons)
    return errors


def _unpicked(offers: dict[str, list[StoredDocument]], attachments: list[Attachment]
              ) -> dict[str, list[StoredDocument]]:
    """The offers without the items already attached to the same document."""
    held = {(a.document_code, a.sha256) for a in attachments}
    return {code: [i for i in items if (code, i.sha256) not in held]
            for code, items in offers.items()}


def _remove_attachment(draft: Draft, attachment_id: int) -> None:
    found = db().get(Attachment, attachment_id)
    if found is None or found.draft_id != draft.id or found.dossier_id is not None:
        raise NotFound(gettext("Không tìm thấy tệp."))
    db().delete(found)
    db().flush()


@bp.route("/thu-tuc/<code>/nop", methods=["GET", "POST"])
@require_role("citizen")
def apply(code: str) -> Response | tuple[str, int]:
    s, lang, me = db(), select_locale(), current_user.username
    version, procedure = _procedure(code)
    schema = _start_schema(procedure)
    docs = documents(procedure.settings, lang)
    draft_id = request.values.get("nhap", type=int)
    draft = my_draft(s, draft_id, me) if draft_id else None
    if draft is not None and draft.procedure_code != code:
        raise NotFound(gettext("Không tìm thấy bản nháp."))
    if draft is not None and draft.dossier_id is not None:
        return redirect(url_for(".dossier_submitted", draft_id=draft.id))
    errors: dict[str, list[str]] = {}
    if request.method == "GET":
        values = (_refill(schema, draft.data) if draft is not None
                  else initial_values(procedure))
    else:
        data = parse(schema, request.form)
        draft = drafts.save_draft(s, me, code, data, "online", draft.id if draft else None)
        errors = store_uploads(s, request.files, [d.code for d in docs], draft_id=draft.id,
                               signed=signed_documents(procedure.settings))
        for key, reasons in _picks_from_store(draft, docs).items():
            errors.setdefault(key, []).extend(reasons)
        removed = request.form.getlist("xoa_tep", type=int)
        for attachment_id in removed:
            _remove_attachment(draft, attachment_id)
        action = request.form.get("action", "save")
        if action == "continue":
            found = problems(procedure, data, drafts.attachments_of(s, draft_id=draft.id), lang)
            for key, reasons in found.items():
                if key not in errors:  # a refused upload already says what is wrong there
                    errors[key] = reasons
            if not errors:
                return redirect(url_for(".review", draft_id=draft.id))
        elif not errors:
            if removed:
                flash(gettext("Đã bỏ %(n)s tệp đính kèm.", n=len(removed)))
            flash(gettext("Đã lưu nháp. Bạn có thể tiếp tục sau tại “Hồ sơ của tôi”."))
            return redirect(url_for(".apply", code=code, nhap=draft.id))
        values = _refill(schema, data)
    attachments = drafts.attachments_of(s, draft_id=draft.id) if draft is not None else []
    form_fields = fields(schema, lang)
    html = render_template(
        "citizen/apply.html", card=describe(version, lang), fields=form_fields,
        values=values, errors=errors, draft=draft,
        summary=summary(errors, form_fields, {upload_field(d.code): d.name for d in docs}),
        documents=by_document(docs, attachments), upload_field=upload_field,
        offers=_unpicked(store_offers(s, me, procedure.settings), attachments),
        store_field=store_field, origin_name=origin_name)
    return html, 400 if errors else 200


@bp.get("/ho-so/nhap/<int:draft_id>/xem-lai")
@require_role("citizen")
def review(draft_id: int) -> Response | str:
    s, lang = db(), select_locale()
    draft = my_draft(s, draft_id, current_user.username)
    if draft.dossier_id is not None:
        return redirect(url_for(".dossier_submitted", draft_id=draft.id))
    version, procedure = _procedure(draft.procedure_code)
    attachments = drafts.attachments_of(s, draft_id=draft.id)
    if problems(procedure, draft.data, attachments, lang):
        flash(gettext("Hồ sơ chưa đầy đủ. Vui lòng bổ sung các mục được đánh dấu."))
        return redirect(url_for(".apply", code=draft.procedure_code, nhap=draft.id))
    docs = documents(procedure.settings, lang)
    return render_template(
        "citizen/review.html", card=describe(version, lang), draft=draft,
        rows=rows(fields(_start_schema(procedure), lang), draft.data),
        documents=[(d, files) for d, files in by_document(docs, attachments) if files],
        fee=compute_fee(procedure.settings, "online", draft.data))


@bp.post("/ho-so/nhap/<int:draft_id>/nop")
@require_role("citizen")
def submit(draft_id: int) -> Response:
    try:
        with attempt():
            dossier, created = submit_draft(db(), draft_id, current_user.username,
                                            select_locale())
    except Incomplete:
        draft = my_draft(db(), draft_id, current_user.username)
        flash(gettext("Hồ sơ chưa đầy đủ. Vui lòng bổ sung các mục được đánh dấu."))
        return redirect(url_for(".apply", code=draft.procedure_code, nhap=draft.id))
    if created:
        flash(gettext("Đã nộp hồ sơ %(code)s thành công.", code=dossier.code))
    return redirect(url_for(".dossier_submitted", draft_id=draft_id))


@bp.get("/ho-so/nhap/<int:draft_id>/da-nop")
@require_role("citizen")
def dossier_submitted(draft_id: int) -> Response:
    """Where a submitted draft leads: its dossier's receipt."""
    s = db()
    draft = my_draft(s, draft_id, current_user.username)
    if draft.dossier_id is None:
        return redirect(url_for(".apply", code=draft.procedure_code, nhap=draft.id))
    dossier = s.get(Dossier, draft.dossier_id)
    assert dossier is not None
    return redirect(url_for(".receipt", code=dossier.code))


@bp.post("/ho-so/nhap/<int:draft_id>/xoa")
@require_role("citizen")
def delete_draft(draft_id: int) -> Response:
    s = db()
    draft = my_draft(s, draft_id, current_user.username)
    if draft.dossier_id is None:
        for attachment in drafts.attachments_of(s, draft_id=draft.id):
            s.delete(attachment)
        s.flush()
        s.delete(draft)
        flash(gettext("Đã xóa bản nháp."))
    return redirect(url_for(".my_dossiers"))
