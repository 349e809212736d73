"""The verdict on a PDF someone sends in (a business's scanned document signed with its
own certificate): who signed and when, whether the file is intact since, whether the
signer is trusted, whether the signature is PAdES, and whether revocation was checked.

It answers offline: revocation data comes only from the trust settings and the PDF
itself. When that is not enough, the signer's chain is judged without it and the
verdict says revocation was not checked, rather than calling the file untrusted.
The verdict is plain data (`as_dict`) so that it can be stored with the file."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from io import BytesIO
from typing import Any

from cryptography import x509
from cryptography.x509.oid import AuthorityInformationAccessOID
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader

from .certs import fingerprint, from_asn1
from .trust import TrustSettings
from .verify import SignatureReport, VerificationReport, verify_pdf

PADES_SUBFILTER = "/ETSI.CAdES.detached"
# what a reason code means, in the words the applicant reads
REASONS_VI = {
    "unsigned": "Tệp không có chữ ký số",
    "unreadable": "Không đọc được tệp PDF (tệp hỏng hoặc không phải PDF)",
    "malformed": "Chữ ký số bị hỏng, không kiểm tra được",
    "modified": "Tệp đã bị sửa sau khi ký",
    "bad_signature": "Giá trị chữ ký số không khớp với chứng thư số",
    "untrusted": "Chứng thư số không do tổ chức được công nhận cấp",
    "not_pades": "Chữ ký không đúng định dạng PAdES",
    "revoked": "Chứng thư số đã bị thu hồi",
    "expired": "Chứng thư số đã hết hạn",
    "not_yet_valid": "Chứng thư số chưa đến thời hạn có hiệu lực",
    "not_for_signing": "Chứng thư số không được phép dùng để ký văn bản",
    "certificate_problem": "Chứng thư số không đáp ứng yêu cầu kiểm tra",
    "timestamp_invalid": "Dấu thời gian không hợp lệ",
}
# the verifier's finding codes → the reason codes above ("revocation_unknown" is not a
# reason: it is said by `revocation_checked`)
_REASON_OF = {
    "tampered": "modified", "modified_after_signing": "modified", "coverage": "modified",
    "modification_unknown": "modified", "bad_signature": "bad_signature",
    "untrusted": "untrusted", "revoked": "revoked", "expired": "expired",
    "not_yet_valid": "not_yet_valid", "certificate_not_for_signing": "not_for_signing",
    "certificate_problem": "certificate_problem", "timestamp_invalid": "timestamp_invalid",
    "malformed": "malformed", "unreadable": "unreadable", "unsigned": "unsigned",
}


@dataclass(frozen=True)
class SignerVerdict:
    """One signature of the file, judged."""

    signer: str | None  # the certificate's common name
    organisation: str | None
    subject: str
    signed_at: datetime | None
    time_source: str | None  # "timestamp" (a trusted TSA) | "signer" (the signer's clock)
    intact: bool  # not modified after signing
    trusted: bool  # the chain reaches a configured root
    pades: bool
    revocation_checked: bool
    reasons: tuple[str, ...]  # codes of REASONS_VI; empty when the signature is good

    @property
    def good(self) -> bool:
        return not self.reasons


@dataclass(frozen=True)
class FileVerdict:
    """Every signature of the file; `reasons` are those of the file as a whole."""

    checked_at: datetime
    signatures: tuple[SignerVerdict, ...]
    reasons: tuple[str, ...] = ()

    @property
    def signed(self) -> bool:
        return bool(self.signatures)

    @property
    def valid(self) -> bool:
        """Signed, and every signature intact, trusted, PAdES and not revoked."""
        return self.signed and not self.reasons and all(s.good for s in self.signatures)

    @property
    def all_reasons(self) -> tuple[str, ...]:
        """The reasons of the file and of each signature, each once."""
        seen = dict.fromkeys(self.reasons)
        for signature in self.signatures:
            seen.update(dict.fromkeys(signature.reasons))
        return tuple(seen)

    def as_dict(self) -> dict[str, Any]:
        return {
            "checked_at": self.checked_at.isoformat(),
            "reasons": list(self.reasons),
            "signatures": [{
                "signer": s.signer, "organisation": s.organisation, "subject": s.subject,
                "signed_at": None if s.signed_at is None else s.signed_at.isoformat(),
                "time_source": s.time_source, "intact": s.intact, "trusted": s.trusted,
                "pades": s.pades, "revocation_checked": s.revocation_checked,
                "reasons": list(s.reasons),
            } for s in self.signatures],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FileVerdict:
        def when(value: str | None) -> datetime | None:
            return None if value is None else datetime.fromisoformat(value)

        return cls(
            checked_at=datetime.fromisoformat(data["checked_at"]),
            reasons=tuple(data.get("reasons", ())),
            signatures=tuple(SignerVerdict(
                signer=s.get("signer"), organisation=s.get("organisation"),
                subject=s.get("subject", ""), signed_at=when(s.get("signed_at")),
                time_source=s.get("time_source"), intact=bool(s.get("intact")),
                trusted=bool(s.get("trusted")), pades=bool(s.get("pades")),
                revocation_checked=bool(s.get("revocation_checked")),
                reasons=tuple(s.get("reasons", ())),
            ) for s in data.get("signatures", ())),
        )


@dataclass(frozen=True)
class _Embedded:
    subfilter: str
    names_revocation_source: bool  # the signer's certificate says where to check revocation


def _names_revocation_source(cert: x509.Certificate) -> bool:
    extensions = cert.extensions
    try:
        extensions.get_extension_for_class(x509.CRLDistributionPoints)
        return True
    except x509.ExtensionNotFound:
        pass
    try:
        access = extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    except x509.ExtensionNotFound:
        return False
    return any(d.access_method == AuthorityInformationAccessOID.OCSP for d in access)


def _embedded(pdf: bytes) -> dict[str, _Embedded]:
    """What the verifier's report does not say of each signature, by certificate
    fingerprint: its /SubFilter, and whether its certificate names a revocation source."""
    found: dict[str, _Embedded] = {}
    try:
        signatures = PdfFileReader(BytesIO(pdf), strict=False).embedded_signatures
        for sig in signatures:
            cert = from_asn1(sig.signer_cert)
            found[fingerprint(cert)] = _Embedded(
                str(sig.sig_object.get("/SubFilter", "")), _names_revocation_source(cert))
    except (PdfError, ValueError, KeyError, TypeError):
        return {}
    return found


def _judged(report: SignatureReport, embedded: _Embedded | None, revocation_known: bool
            ) -> SignerVerdict:
    codes = {finding.code for finding in report.problems}
    reasons = dict.fromkeys(_REASON_OF[c] for c in sorted(codes) if c in _REASON_OF)
    pades = embedded is not None and embedded.subfilter == PADES_SUBFILTER
    if not pades:
        reasons["not_pades"] = None
    source = None
    if report.signing_time is not None:
        source = "timestamp" if report.timestamp_ok else "signer"
    checked = report.revoked or (revocation_known and report.trusted and embedded is not None
                                 and embedded.names_revocation_source)
    return SignerVerdict(
        signer=report.signer_name, organisation=report.organisation,
        subject=report.certificate_subject, signed_at=report.signing_time, time_source=source,
        intact=report.intact and "modified" not in reasons, trusted=report.trusted,
        pades=pades, revocation_checked=checked, reasons=tuple(reasons))


def check_signed_file(pdf: bytes, trust: TrustSettings) -> FileVerdict:
    """The verdict on `pdf` against `trust`, offline (nothing is fetched, whatever
    `trust.allow_fetching` says)."""
    offline = replace(trust, allow_fetching=False, revocation_mode="hard-fail")
    report = verify_pdf(pdf, offline)
    unknown = {r.index for r in report.signatures
               if any(f.code == "revocation_unknown" for f in r.problems)}
    soft: VerificationReport | None = None
    if unknown:  # judge the chain without revocation data, and say it was not checked
        soft = verify_pdf(pdf, replace(offline, revocation_mode="soft-fail"))
    embedded = _embedded(pdf)
    signatures = []
    for hard in report.signatures:
        if hard.kind != "signature":
            continue
        chosen = hard
        if soft is not None and hard.index in unknown:
            chosen = next(r for r in soft.signatures if r.index == hard.index)
        signatures.append(_judged(chosen, embedded.get(hard.certificate_fingerprint),
                                  hard.index not in unknown))
    reasons = tuple(dict.fromkeys(_REASON_OF.get(f.code, "malformed") for f in report.problems))
    return FileVerdict(report.checked_at, tuple(signatures), reasons)
