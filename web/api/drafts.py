"""Drafts: an application prepared before submission, with its documents uploaded one
file at a time (multipart), as the citizens' form keeps them; POST /dossiers submits it."""

from __future__ import annotations

from typing import Any

from flask import request, url_for
from flask_babel import gettext
from sqlalchemy.orm import Session

from engine.dossiers import drafts
from engine.errors import Conflict, Forbidden, InvalidInput, NotFound
from engine.models import Attachment, Dossier, Draft
from engine.procedures import procedures

from ..i18n import select_locale
from ..identity import Actor, db
from ..nul_characters import refuse_nul
from ..signed_uploads import signed_documents
from ..submission import draft_problems, my_draft
from ..uploads import store_upload
from . import bp
from .auth import api_actor
from .params import json_body
from .serialize import attachment_json

CHANNELS = ("online", "counter", "postal")


def applicant(actor: Actor) -> str:
    if not actor.has_role("citizen"):
        raise Forbidden(gettext("Chỉ tài khoản công dân, doanh nghiệp được nộp hồ sơ qua API."))
    return actor.username


def application_fields(body: dict[str, Any], *, procedure_required: bool
                       ) -> tuple[str | None, str, dict[str, Any]]:
    """(procedure, channel, application) from a request body, every problem named."""
    errors: dict[str, list[str]] = {}
    procedure = body.get("procedure")
    if procedure_required and (not isinstance(procedure, str) or not procedure.strip()):
        errors["procedure"] = ["is required (a procedure code, see GET /api/v1/procedures)"]
    channel = body.get("channel", "online")
    if channel not in CHANNELS:
        errors["channel"] = [f"must be one of {', '.join(CHANNELS)}"]
    application = body.get("application", {})
    if not isinstance(application, dict):
        errors["application"] = ["must be an object"]
    refuse_nul(errors, procedure, "procedure")
    refuse_nul(errors, application, "")
    if errors:
        raise InvalidInput(gettext("Yêu cầu nộp hồ sơ không hợp lệ."), errors)
    return (procedure.strip() if isinstance(procedure, str) else None), str(channel), application



def open_draft(draft: Draft) -> Draft:
    if draft.dossier_id is not None:
        raise Conflict(gettext("Bản nháp này đã được nộp thành hồ sơ; không sửa được nữa."),
                       draft=draft.id)
    return draft


def draft_json(session: Session, draft: Draft) -> dict[str, Any]:
    dossier = session.get(Dossier, draft.dossier_id) if draft.dossier_id is not None else None
    problems = draft_problems(session, draft, select_locale()) if dossier is None else None
    return {
        "id": draft.id, "procedure": draft.procedure_code, "channel": draft.channel,
        "application": draft.data,
        "attachments": [attachment_json(a) for a in drafts.attachments_of(session,
                                                                            draft_id=draft.id)],
        "problems": problems.by_path() if problems else {},
        "dossier": dossier.code if dossier is not None else None,
    }


@bp.post("/drafts")
def create_draft():
    owner = applicant(api_actor())
    procedure, channel, application = application_fields(json_body(), procedure_required=True)
    assert procedure is not None
    procedures.latest_version(db(), procedure)  # an unknown procedure is not found
    draft = drafts.save_draft(db(), owner, procedure, application, channel)
    body = draft_json(db(), draft)
    return body, 201, {"Location": url_for("api.get_draft", draft_id=draft.id)}


@bp.get("/drafts/<int:draft_id>")
def get_draft(draft_id: int) -> dict[str, Any]:
    return draft_json(db(), my_draft(db(), draft_id, applicant(api_actor())))


@bp.put("/drafts/<int:draft_id>")
def update_draft(draft_id: int) -> dict[str, Any]:
    owner = applicant(api_actor())
    body = json_body()
    _, channel, application = application_fields(body, procedure_required=False)
    draft = open_draft(my_draft(db(), draft_id, owner))
    drafts.save_draft(db(), owner, draft.procedure_code, application, channel, draft.id)
    result = draft_json(db(), draft)
    return result


@bp.post("/drafts/<int:draft_id>/attachments")
def upload_attachment(draft_id: int):
    """One file for one of the procedure's documents, checked by its content as on the
    citizens' form (PDF, JPEG or PNG, at most 10 MB)."""
    owner = applicant(api_actor())
    draft = open_draft(my_draft(db(), draft_id, owner))
    version = procedures.latest_version(db(), draft.procedure_code)
    known = [str(d["code"]) for d in version.settings.get("documents", [])]
    errors: dict[str, list[str]] = {}
    code = request.form.get("document", "")
    if code not in known:
        errors["document"] = [f"must be one of the procedure's documents: {', '.join(known)}"]
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        errors["file"] = ["is required: the file, sent as multipart/form-data with a file name"]
    elif "\x00" in upload.filename:
        errors["file"] = ["the file name must not contain the NUL character (U+0000)"]
    if errors:
        raise InvalidInput(gettext("Yêu cầu tải tệp lên không hợp lệ."), errors)
    assert upload is not None
    attachment = store_upload(db(), upload, field="file", document_code=code,
                              uploaded_by=owner, draft_id=draft.id,
                              signed_required=code in signed_documents(version.settings))
    body = attachment_json(attachment)
    return body, 201


@bp.delete("/drafts/<int:draft_id>/attachments/<int:attachment_id>")
def delete_attachment(draft_id: int, attachment_id: int):
    draft = open_draft(my_draft(db(), draft_id, applicant(api_actor())))
    found = db().get(Attachment, attachment_id)
    if found is None or found.draft_id != draft.id or found.dossier_id is not None:
        raise NotFound(gettext("Không tìm thấy tệp."), attachment=attachment_id)
    db().delete(found)
    return "", 204

