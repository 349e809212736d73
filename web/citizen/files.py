"""Attachments: uploads checked by content and stored, grouped by document, downloads."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from engine.documents import blobs
from engine.dossiers import drafts
from engine.errors import InvalidInput, NotFound
from engine.models import Attachment, Dossier

from ..identity import db, require_role
from ..unit_of_work import attempt
from ..uploads import store_upload
from .blueprint import bp
from .procedure_info import Document

FIELD_PREFIX = "tep__"


def upload_field(document_code: str) -> str:
    return f"{FIELD_PREFIX}{document_code}"


def store_uploads(session: Session, files: MultiDict, document_codes: list[str], *,
                  draft_id: int | None = None, dossier_id: int | None = None,
                  purpose: str = "application",
                  signed: frozenset[str] = frozenset()) -> dict[str, list[str]]:
    """Store every acceptable file; return the refusals keyed by upload field.
    A refused file does not stop the others. Documents in `signed` take only a PDF
    with a good signature."""
    errors: dict[str, list[str]] = {}
    for code in document_codes:
        field = upload_field(code)
        for upload in files.getlist(field):
            if not upload or not upload.filename:
                continue  # no file chosen
            try:
                with attempt():
                    store_upload(session, upload, field=field, document_code=code,
                                 uploaded_by=current_user.username, draft_id=draft_id,
                                 dossier_id=dossier_id, purpose=purpose,
                                 signed_required=code in signed)
            except InvalidInput as refused:
                for key, reasons in refused.errors.items():
                    errors.setdefault(key, []).extend(reasons)
    return errors


def by_document(documents: list[Document], attachments: list[Attachment]
                ) -> list[tuple[Document, list[Attachment]]]:
    """Each document of the procedure with its files (unknown codes listed last)."""
    known = {d.code for d in documents}
    out = [(d, [a for a in attachments if a.document_code == d.code]) for d in documents]
    for code in sorted({a.document_code for a in attachments} - known):
        out.append((Document(code, code, False), [a for a in attachments if a.document_code == code]))
    return out


def _check_mine(session: Session, attachment: Attachment) -> None:
    if attachment.dossier_id is not None:
        dossier = session.get(Dossier, attachment.dossier_id)
        if dossier is not None and dossier.applicant_user == current_user.username:
            return
    elif attachment.draft_id is not None:
        drafts.get_draft(session, attachment.draft_id, current_user.username)
        return
    raise NotFound(gettext("Không tìm thấy tệp."))


def blob_response(data: bytes, media_type: str, filename: str) -> Response:
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    response = Response(data, mimetype=media_type)
    response.headers["Content-Disposition"] = (
        f"inline; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/tep/<int:attachment_id>")
@require_role("citizen")
def attachment(attachment_id: int) -> Response:
    s = db()
    found = s.get(Attachment, attachment_id)
    if found is None:
        raise NotFound(gettext("Không tìm thấy tệp."))
    _check_mine(s, found)
    return blob_response(blobs.get(found.sha256), found.media_type, found.filename)
