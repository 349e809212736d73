"""Applicants' own signed PDFs: every PDF uploaded (citizens' form, the JSON API, the
counter) is checked for signatures once, the verdict is stored with the file, and pages
show it beside the file in plain words. A document the procedure marks `signed = true`
takes only a PDF with a good signature."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext, lazy_gettext

from engine.models import Attachment, utcnow
from signing import TrustSettings
from signing.signed_files import FileVerdict, check_signed_file

from . import verification

REASONS = {
    "unsigned": lazy_gettext("Tệp không có chữ ký số"),
    "unreadable": lazy_gettext("Không đọc được tệp PDF (tệp hỏng hoặc không phải PDF)"),
    "malformed": lazy_gettext("Chữ ký số bị hỏng, không kiểm tra được"),
    "modified": lazy_gettext("Tệp đã bị sửa sau khi ký"),
    "bad_signature": lazy_gettext("Giá trị chữ ký số không khớp với chứng thư số"),
    "untrusted": lazy_gettext("Chứng thư số không do tổ chức được công nhận cấp"),
    "not_pades": lazy_gettext("Chữ ký không đúng định dạng PAdES"),
    "revoked": lazy_gettext("Chứng thư số đã bị thu hồi"),
    "expired": lazy_gettext("Chứng thư số đã hết hạn"),
    "not_yet_valid": lazy_gettext("Chứng thư số chưa đến thời hạn có hiệu lực"),
    "not_for_signing": lazy_gettext("Chứng thư số không được phép dùng để ký văn bản"),
    "certificate_problem": lazy_gettext("Chứng thư số không đáp ứng yêu cầu kiểm tra"),
    "timestamp_invalid": lazy_gettext("Dấu thời gian không hợp lệ"),
}


def check_signatures(pdf: bytes) -> FileVerdict:
    """The verdict on a PDF's signatures against the portal's trust roots, offline. A file
    the PDF library cannot take apart is 'unreadable', never a failed upload."""
    try:
        return check_signed_file(pdf, verification.trust() or TrustSettings(roots=()))
    except Exception:  # anything uploaded is untrusted input
        return FileVerdict(utcnow().replace(microsecond=0), (), ("unreadable",))


def reason(code: str) -> str:
    return str(REASONS.get(code, code))


def refusal(verdict: FileVerdict | None, name: str) -> str:
    """Why a file cannot stand for a document that must be signed."""
    codes = verdict.all_reasons if verdict is not None else ("unsigned",)
    return gettext("Giấy tờ này phải là tệp PDF có chữ ký số hợp lệ; tệp “%(name)s”: %(why)s.",
                   name=name, why="; ".join(reason(code) for code in codes))


def verdict_of(attachment: Attachment) -> FileVerdict | None:
    """The stored verdict on the file's signatures; None when it was not checked."""
    stored: dict[str, Any] | None = attachment.signature_check
    return None if stored is None else FileVerdict.from_dict(stored)


FILTERS = {"signature_verdict": verdict_of, "signature_reason": reason}


def signed_documents(settings: dict[str, Any]) -> frozenset[str]:
    """The codes of the procedure's documents that must be a signed PDF (`signed = true`)."""
    return frozenset(str(d["code"]) for d in settings.get("documents", []) if d.get("signed"))


def unsigned_required(signed: frozenset[str], attachments: list[Attachment]) -> list[str]:
    """The codes of documents that must be signed and have files, none with a good signature."""
    codes = {a.document_code for a in attachments}
    good = {a.document_code for a in attachments if (v := verdict_of(a)) is not None and v.valid}
    return sorted((signed & codes) - good)
