"""Uploaded files checked by their content, not their name."""

from __future__ import annotations

from pathlib import PurePath

import filetype
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from engine.dossiers import drafts
from engine.errors import InvalidInput
from engine.models import Attachment

MAX_BYTES = 10 * 1024 * 1024
# Phone photos are as good as scans: PDF, JPEG and PNG are all accepted.
ALLOWED = {"application/pdf": {".pdf"}, "image/jpeg": {".jpg", ".jpeg"}, "image/png": {".png"}}


def read_upload(upload: FileStorage, field: str, max_bytes: int = MAX_BYTES) -> tuple[bytes, str, str]:
    """(bytes, media type, safe file name), or InvalidInput saying what is wrong."""
    name = PurePath(upload.filename or "").name or "tep"
    data = upload.read(max_bytes + 1)
    if not data:
        raise InvalidInput("empty file", {field: [f"Tệp “{name}” rỗng."]})
    if len(data) > max_bytes:
        raise InvalidInput("file too large", {field: [
            f"Tệp “{name}” lớn hơn {max_bytes // (1024 * 1024)} MB."]})
    kind = filetype.guess(data)
    media = kind.mime if kind else None
    if media not in ALLOWED:
        raise InvalidInput("file type refused", {field: [
            f"Tệp “{name}” không phải PDF, JPEG hoặc PNG (nội dung thực tế: {media or 'không rõ'})."]})
    suffix = PurePath(name).suffix.lower()
    if suffix and suffix not in ALLOWED[media]:
        raise InvalidInput("file name does not match its content", {field: [
            f"Tệp “{name}” mang đuôi {suffix} nhưng nội dung là {media}."]})
    return data, media, name


def store_upload(session: Session, upload: FileStorage, *, field: str, document_code: str,
                 uploaded_by: str, draft_id: int | None = None, dossier_id: int | None = None,
                 purpose: str = "application") -> Attachment:
    """Check the file by its content (read_upload) and attach it to the draft or dossier;
    InvalidInput under `field` when it is refused, and nothing stored."""
    data, media_type, name = read_upload(upload, field)
    return drafts.add_attachment(session, uploaded_by=uploaded_by, document_code=document_code,
                                 filename=name, media_type=media_type, data=data,
                                 draft_id=draft_id, dossier_id=dossier_id, purpose=purpose)
