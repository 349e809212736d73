"""Checking a signed PDF for a person: the trust settings this portal uses, and the
report of signing.verify in the words the pages show."""

from __future__ import annotations

from dataclasses import dataclass

from engine import config
from engine.models import Dossier
from signing import (
    PkiError,
    TrustSettings,
    VerificationReport,
    load_pki,
    trust_from_files,
    verify_pdf,
)

MAX_PDF_BYTES = 10 * 1024 * 1024


class NotAPdf(ValueError):
    """The upload is empty, too large, or not a PDF."""


@dataclass(frozen=True)
class Checked:
    report: VerificationReport | None
    problem: str | None  # why nothing could be checked (Vietnamese source string)


def trust() -> TrustSettings | None:
    """MOTCUA_TRUST_ROOTS (PEM/DER files, ':'-separated) when set, else the local PKI."""
    roots = config.trust_roots()
    if roots:
        return trust_from_files(roots)
    try:
        return load_pki(config.pki_dir()).trust()
    except PkiError:
        return None


def issuing_agency(dossier: Dossier | None) -> str | None:
    """The name of the agency that issues the dossier's result."""
    if dossier is None:
        return None
    name = dossier.procedure_version.settings.get("agency_name_vi")
    return str(name) if name else None


def check_pdf(data: bytes, agency: str | None = None) -> Checked:
    """Verify `data` (raises NotAPdf for uploads that are not a PDF within the size limit);
    with `agency`, the issuing agency's name, also whether each signer belongs to it."""
    if not data:
        raise NotAPdf("Tệp rỗng.")
    if len(data) > MAX_PDF_BYTES:
        raise NotAPdf("Tệp lớn hơn 10 MB.")
    if not data.lstrip()[:5] == b"%PDF-":
        raise NotAPdf("Tệp không phải là PDF.")
    settings = trust()
    if settings is None:
        return Checked(None, "Hệ thống chưa được cấu hình chứng thư gốc tin cậy.")
    try:
        return Checked(verify_pdf(data, settings, organisation=agency), None)
    except Exception:  # a PDF pyHanko cannot read: say so rather than fail the page
        return Checked(None, "Không đọc được cấu trúc tệp PDF này.")
