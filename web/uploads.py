"""Uploaded files checked by their content, not their name."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

import filetype
import pillow_heif
from PIL import Image, ImageOps
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from engine.dossiers import drafts
from engine.errors import InvalidInput
from engine.models import Attachment

from .signed_uploads import check_signatures, refusal

MAX_BYTES = 10 * 1024 * 1024
# Phone photos are as good as scans: PDF, JPEG and PNG are all accepted, whatever the
# file is called; a phone's HEIC/HEIF photo (the iPhone's default) is taken as a JPEG.
ALLOWED = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
PHONE_PHOTOS = {"image/heic", "image/heif"}
SUFFIXES = {".pdf": "application/pdf", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
            ".png": "image/png", ".heic": "image/heic", ".heif": "image/heif"}


@dataclass(frozen=True)
class Upload:
    """A file as it is kept: its bytes, what they are (by content) and a name that says so."""

    data: bytes
    media_type: str
    filename: str
    signature_check: dict[str, Any] | None = None  # a PDF's (signed_uploads.check_signatures)


@dataclass(frozen=True)
class CheckedUpload:
    """What an accepted upload becomes: the file the dossier shows, and the file as it
    was sent when that had to be converted (a HEIC photo becomes a JPEG)."""

    shown: Upload
    original: Upload | None = None

    def kept(self) -> list[Upload]:
        """The files to store, the one the dossier shows first."""
        return [self.shown] if self.original is None else [self.shown, self.original]


def _named_for(name: str, media_type: str) -> str:
    """The name with the suffix its content calls for: a JPEG sent as 'scan.pdf' is kept
    as 'scan.jpg', so that whoever downloads it opens it with the right program."""
    path = PurePath(name)
    if SUFFIXES.get(path.suffix.lower()) == media_type:
        return name
    wanted = ALLOWED.get(media_type) or f".{media_type.rsplit('/', 1)[-1]}"
    return f"{path.stem if path.suffix.lower() in SUFFIXES else name}{wanted}"


def _as_jpeg(data: bytes, name: str, field: str) -> bytes:
    """The photo as a JPEG, turned the way the phone held it; what else the phone wrote
    in it (the place it was taken) stays in the original only."""
    try:
        heif = pillow_heif.open_heif(data, convert_hdr_to_8bit=True)
        width, height = heif.size
        if width * height > (Image.MAX_IMAGE_PIXELS or 0):  # read the header, not the pixels
            raise Image.DecompressionBombError(f"{width}×{height} pixels")
        image = ImageOps.exif_transpose(heif.to_pillow()).convert("RGB")
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=90, optimize=True)
    except (ValueError, OSError, RuntimeError, Image.DecompressionBombError) as error:
        raise InvalidInput("unreadable photo", {field: [
            f"Không đọc được ảnh “{name}” (HEIC/HEIF); hãy chụp lại hoặc gửi ảnh JPEG."]}) from error
    return out.getvalue()


def check_upload(upload: FileStorage, field: str, max_bytes: int = MAX_BYTES, *,
                 signed_required: bool = False) -> CheckedUpload:
    """The upload judged by its content: a PDF, JPEG or PNG is kept whatever its name says
    (under a name with the right suffix); a HEIC/HEIF photo is converted to a JPEG and
    kept beside it; anything else is refused with InvalidInput saying what is wrong.
    A PDF's signatures are checked and the verdict kept with it; with `signed_required`
    (the document must be signed) only a PDF with a good signature is taken."""
    name = PurePath(upload.filename or "").name or "tep"
    data = upload.read(max_bytes + 1)
    if not data:
        raise InvalidInput("empty file", {field: [f"Tệp “{name}” rỗng."]})
    if len(data) > max_bytes:
        raise InvalidInput("file too large", {field: [
            f"Tệp “{name}” lớn hơn {max_bytes // (1024 * 1024)} MB."]})
    kind = filetype.guess(data)
    media = kind.mime if kind else None
    if media == "application/pdf":
        verdict = check_signatures(data)
        if signed_required and not verdict.valid:
            raise InvalidInput("signature required", {field: [refusal(verdict, name)]})
        return CheckedUpload(Upload(data, media, _named_for(name, media), verdict.as_dict()))
    if signed_required:
        raise InvalidInput("signature required", {field: [refusal(None, name)]})
    if media in ALLOWED:
        return CheckedUpload(Upload(data, media, _named_for(name, media)))
    if media in PHONE_PHOTOS or pillow_heif.is_supported(data):
        media = media if media in PHONE_PHOTOS else "image/heif"
        photo = Upload(_as_jpeg(data, name, field), "image/jpeg", _named_for(name, "image/jpeg"))
        return CheckedUpload(photo, Upload(data, media, _named_for(name, media)))
    raise InvalidInput("file type refused", {field: [
        f"Tệp “{name}” không phải PDF, JPEG hoặc PNG, cũng không phải ảnh HEIC của điện thoại "
        f"(nội dung thực tế: {media or 'không rõ'})."]})


def read_upload(upload: FileStorage, field: str, max_bytes: int = MAX_BYTES) -> tuple[bytes, str, str]:
    """(bytes, media type, file name) of the file to show (check_upload), or InvalidInput."""
    shown = check_upload(upload, field, max_bytes).shown
    return shown.data, shown.media_type, shown.filename


def store_upload(session: Session, upload: FileStorage, *, field: str, document_code: str,
                 uploaded_by: str, draft_id: int | None = None, dossier_id: int | None = None,
                 purpose: str = "application", signed_required: bool = False) -> Attachment:
    """Check the file by its content (check_upload) and attach it to the draft or dossier;
    a converted photo's original is attached right after it, for the same document.
    Returns the attachment the dossier shows; InvalidInput under `field` when the file
    is refused, and nothing stored."""
    stored = [drafts.add_attachment(session, uploaded_by=uploaded_by, document_code=document_code,
                                    filename=f.filename, media_type=f.media_type, data=f.data,
                                    draft_id=draft_id, dossier_id=dossier_id, purpose=purpose,
                                    signature_check=f.signature_check)
              for f in check_upload(upload, field, signed_required=signed_required).kept()]
    return stored[0]
