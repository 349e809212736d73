"""Verify every signature of a PDF and say, in Vietnamese, who signed, when, and
whether the signature holds — and if not, why.

For each signature: integrity (the signed bytes hash to what was signed, the
signature value checks out), what happened to the document afterwards
(pyHanko's coverage and incremental-update analysis), the signer's chain up to a
configured trust root, the signature timestamp, and revocation. Revocation data
comes from the trust settings and from the PDF's document security store (DSS).

Time matters: a certificate that expired or was revoked *after* a trusted
timestamp proves the signature existed is checked again as of that timestamp
(the PAdES "validation with time" idea), and the signature stays valid with a
note. Without a timestamp the signer's own clock proves nothing, so validation
happens now.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from io import BytesIO

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESFailure, AdESIndeterminate
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import (
    EmbeddedPdfSignature,
    PdfSignatureStatus,
    SignatureCoverageLevel,
    async_validate_pdf_signature,
    async_validate_pdf_timestamp,
)
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.errors import NoDSSFoundError, SignatureValidationError
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import SignatureStatus
from pyhanko_certvalidator import CertificateValidator
from pyhanko_certvalidator.errors import (
    ExpiredError,
    InsufficientRevinfoError,
    NotYetValidError,
    PathBuildingError,
    PathValidationError,
    StaleRevinfoError,
)

from .blocking import run_blocking
from .certs import fingerprint, from_asn1, name_part
from .trust import TrustSettings
from .vntime import format_vn, now_utc


class Verdict(StrEnum):
    VALID = "valid"
    INVALID = "invalid"
    INDETERMINATE = "indeterminate"

    @property
    def vi(self) -> str:
        return {
            "valid": "HỢP LỆ",
            "invalid": "KHÔNG HỢP LỆ",
            "indeterminate": "CHƯA XÁC ĐỊNH ĐƯỢC",
        }[self]


REVOCATION_REASONS_VI = {
    "unspecified": "không nêu lý do",
    "key_compromise": "lộ khóa bí mật",
    "ca_compromise": "tổ chức cấp bị lộ khóa",
    "affiliation_changed": "thay đổi thông tin cơ quan",
    "superseded": "đã được thay thế",
    "cessation_of_operation": "ngừng sử dụng",
    "certificate_hold": "tạm dừng",
    "privilege_withdrawn": "bị rút quyền",
    "aa_compromise": "tổ chức cấp thuộc tính bị lộ khóa",
}
# Key usages accepted on a signer's certificate: either one is enough (Vietnamese
# certificates carry both; some carry digitalSignature only).
SIGNER_KEY_USAGE = KeyUsageConstraints(
    key_usage={"non_repudiation", "digital_signature"}, match_all_key_usages=False
)
_CERT_TIME_PROBLEMS = {
    AdESIndeterminate.OUT_OF_BOUNDS_NO_POE,
    AdESIndeterminate.OUT_OF_BOUNDS_NOT_REVOKED,
    AdESIndeterminate.EXPIRED,
    AdESIndeterminate.NOT_YET_VALID,
    AdESFailure.NOT_YET_VALID,
}


@dataclass(frozen=True)
class Finding:
    """One thing the verifier found: a stable code, a Vietnamese sentence, and a
    technical detail (English, for logs) when there is one."""

    code: str
    message_vi: str
    detail: str = ""


@dataclass(frozen=True)
class SignatureReport:
    """The verification of one signature (or document timestamp)."""

    index: int
    field_name: str
    kind: str  # "signature" | "document_timestamp"
    signer_name: str | None
    organisation: str | None
    certificate_subject: str
    certificate_fingerprint: str
    certificate_not_after: datetime
    claimed_time: datetime | None  # the signer's own clock (/M, signing-time)
    timestamp_time: datetime | None  # a TSA's time, if there is a timestamp token
    timestamp_ok: bool | None  # None: no timestamp
    intact: bool
    signature_ok: bool
    coverage: str  # entire_file | entire_revision | partial
    modification: str  # none | validation_data | signatures_or_forms | other | unknown
    trusted: bool
    chain: tuple[str, ...]  # leaf → trust root, when a trusted path was found
    revoked: bool
    revocation_date: datetime | None
    revocation_reason: str | None
    checked_as_of: datetime  # when the certificate was checked: now, or the timestamp time
    pades_level: str
    verdict: Verdict
    problems: tuple[Finding, ...] = ()
    notes: tuple[Finding, ...] = ()
    # whether the certificate's organisation is the one expected (None: none was expected)
    organisation_matches: bool | None = None

    @property
    def signing_time(self) -> datetime | None:
        """The best known signing time: the timestamp's if trusted, else the claimed one."""
        return self.timestamp_time if self.timestamp_ok else self.claimed_time

    def summary_vi(self) -> list[str]:
        """Plain Vietnamese lines: who signed, when, the verdict, then why."""
        what = "Dấu thời gian tài liệu" if self.kind == "document_timestamp" else "Chữ ký"
        who = self.signer_name or self.certificate_subject
        if self.organisation:
            who += f" ({self.organisation})"
        when = "không rõ thời điểm"
        if self.signing_time is not None:
            source = "theo dấu thời gian" if self.timestamp_ok else "theo đồng hồ của người ký"
            when = f"lúc {format_vn(self.signing_time)} ({source})"
        lines = [f"{what} {self.index} [{self.field_name}]: {who}, {when} — {self.verdict.vi}."]
        lines += [f"  - {finding.message_vi}" for finding in self.problems]
        lines += [f"  - Ghi chú: {finding.message_vi}" for finding in self.notes]
        return lines


@dataclass(frozen=True)
class VerificationReport:
    """Every signature of a document, and the verdict on the whole."""

    signatures: tuple[SignatureReport, ...]
    verdict: Verdict
    checked_at: datetime
    problems: tuple[Finding, ...] = field(default=())
    expected_organisation: str | None = None  # the agency that issued the document

    @property
    def valid(self) -> bool:
        return self.verdict == Verdict.VALID

    @property
    def other_organisations(self) -> tuple[SignatureReport, ...]:
        """The signatures by a certificate of another organisation than the expected one."""
        return tuple(r for r in self.signatures if r.organisation_matches is False)

    def summary_vi(self) -> list[str]:
        """All signatures' lines and a closing line on the document."""
        lines = [line for report in self.signatures for line in report.summary_vi()]
        lines += [f"- {finding.message_vi}" for finding in self.problems]
        count = sum(1 for r in self.signatures if r.kind == "signature")
        if self.verdict == Verdict.VALID:
            closing = f"Kết luận: tài liệu có {count} chữ ký số, tất cả hợp lệ."
        elif self.other_organisations:
            closing = (
                "Kết luận: tài liệu KHÔNG HỢP LỆ: có chữ ký của người thuộc cơ quan khác, "
                f"không phải {self.expected_organisation} (cơ quan cấp văn bản)."
            )
        elif self.verdict == Verdict.INVALID:
            closing = "Kết luận: tài liệu KHÔNG HỢP LỆ."
        else:
            closing = "Kết luận: chưa xác định được tính hợp lệ của tài liệu."
        lines.append(f"{closing} (Kiểm tra lúc {format_vn(self.checked_at)}.)")
        return lines


def same_organisation(one: str | None, other: str | None) -> bool:
    """Whether two organisation names are the same one: equal after Unicode NFC
    normalisation, case folding and whitespace folding; an unknown name matches none."""
    if not one or not other:
        return False

    def folded(name: str) -> str:
        return " ".join(unicodedata.normalize("NFC", name).casefold().split())

    return folded(one) == folded(other)


def _against(report: SignatureReport, organisation: str) -> SignatureReport:
    """`report` with whether its signer belongs to `organisation`; a signature by
    another organisation's certificate is not valid for a document `organisation` issued."""
    if report.kind != "signature":
        return report
    if same_organisation(report.organisation, organisation):
        return replace(report, organisation_matches=True)
    problem = Finding(
        "other_organisation",
        f"Chữ ký của người thuộc {report.organisation or 'một cơ quan không rõ'}, "
        f"không phải {organisation} — cơ quan cấp văn bản.",
    )
    return replace(
        report,
        organisation_matches=False,
        verdict=Verdict.INVALID,
        problems=(*report.problems, problem),
    )


def _cert_info(cert: asn1_x509.Certificate) -> tuple[x509.Certificate, str | None, str | None]:
    crypto = from_asn1(cert)
    return (
        crypto,
        name_part(crypto.subject, NameOID.COMMON_NAME),
        name_part(crypto.subject, NameOID.ORGANIZATION_NAME),
    )


def _modification(status: PdfSignatureStatus) -> tuple[str, str, list[Finding], list[Finding]]:
    """Coverage and modification level in words, with any problem or note."""
    problems: list[Finding] = []
    notes: list[Finding] = []
    coverage = status.coverage
    level = status.modification_level
    if coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return "entire_file", "none", problems, notes
    if coverage != SignatureCoverageLevel.ENTIRE_REVISION:
        problems.append(
            Finding(
                "coverage",
                "Chữ ký không bao trùm trọn một phiên bản của tài liệu (cấu trúc bất thường).",
            )
        )
        return "partial", "unknown", problems, notes
    detail = str(status.diff_result) if isinstance(status.diff_result, Exception) else ""
    if level == ModificationLevel.LTA_UPDATES:
        notes.append(
            Finding(
                "validation_data_added", "Sau khi ký chỉ bổ sung dữ liệu phục vụ kiểm tra lâu dài."
            )
        )
        modification = "validation_data"
    elif level == ModificationLevel.FORM_FILLING and status.docmdp_ok:
        notes.append(
            Finding(
                "signed_again",
                "Sau chữ ký này tài liệu chỉ được ký thêm hoặc điền biểu mẫu, "
                "nội dung không bị sửa.",
            )
        )
        modification = "signatures_or_forms"
    elif level is None:
        modification = "unknown"
        problems.append(
            Finding("modification_unknown", "Không phân tích được các thay đổi sau khi ký.")
        )
    else:
        modification = "other"
        problems.append(
            Finding("modified_after_signing", "Tài liệu đã bị sửa đổi sau khi ký.", detail)
        )
    if status.docmdp_ok is False and modification != "other":
        problems.append(
            Finding(
                "modified_after_signing",
                "Các thay đổi sau khi ký vi phạm quy định khóa tài liệu.",
                detail,
            )
        )
    return "entire_revision", modification, problems, notes


def _chain(status: SignatureStatus) -> tuple[str, ...]:
    """The trusted path's certificate subjects, signer first, trust root last."""
    path = status.validation_path
    return () if path is None else tuple(c.subject.human_friendly for c in reversed(list(path)))


def _dss(reader: PdfFileReader) -> DocumentSecurityStore | None:
    try:
        return DocumentSecurityStore.read_dss(reader)
    except NoDSSFoundError:
        return None


def _pades_level(
    status: PdfSignatureStatus, dss: DocumentSecurityStore | None, later_doc_ts: bool
) -> str:
    if status.timestamp_validity is None:
        return "B-B"
    # Long-term: the DSS holds revocation data and this signer's certificate.
    if dss is None or not (dss.crls or dss.ocsps):
        return "B-T"
    if status.signing_cert.issuer_serial not in dss.certs:
        return "B-T"
    return "B-LTA" if later_doc_ts else "B-LT"


async def _check_signature(
    index: int,
    sig: EmbeddedPdfSignature,
    trust: TrustSettings,
    dss: DocumentSecurityStore | None,
    moment: datetime | None,
    later_doc_ts: bool,
) -> SignatureReport:
    now = moment or now_utc()
    async with trust.context(moment=moment, dss=dss) as context:
        status = await async_validate_pdf_signature(
            sig, context, key_usage_settings=SIGNER_KEY_USAGE
        )
    cert, signer_name, organisation = _cert_info(status.signing_cert)
    coverage, modification, problems, notes = _modification(status)
    if not status.intact:
        problems.insert(0, Finding("tampered", "Nội dung đã ký bị thay đổi: mã băm không khớp."))
    elif not status.valid:
        problems.insert(
            0, Finding("bad_signature", "Giá trị chữ ký số không đúng với chứng thư số.")
        )

    tst = status.timestamp_validity
    timestamp_ok = None if tst is None else bool(tst.intact and tst.valid and tst.trusted)
    timestamp_time = None if tst is None else tst.timestamp
    if tst is not None and not timestamp_ok:
        problems.append(
            Finding(
                "timestamp_invalid",
                "Dấu thời gian không hợp lệ hoặc không do đơn vị tin cậy cấp.",
                str(tst.trust_problem_indic or ""),
            )
        )

    final, checked_as_of = status, now
    if timestamp_ok and timestamp_time is not None and status.intact and status.valid:
        note = _changed_after(status, cert, timestamp_time)
        if note is not None:
            async with trust.context(
                moment=timestamp_time, retroactive_revinfo=True, dss=dss
            ) as context:
                past = await async_validate_pdf_signature(
                    sig, context, key_usage_settings=SIGNER_KEY_USAGE, skip_diff=True
                )
            if past.trusted:
                notes.append(note)
                final, checked_as_of = past, timestamp_time

    details = final.revocation_details
    finding = _certificate_finding(final, cert.not_valid_after_utc, now, bool(timestamp_ok))
    if finding is None and final.trust_problem_indic is not None:
        finding = await _diagnose(sig, trust, dss, moment)
    if finding is not None:
        problems.append(finding)

    codes = {p.code for p in problems}
    if not problems:
        verdict = Verdict.VALID
    elif codes <= {"revocation_unknown", "modification_unknown"}:
        verdict = Verdict.INDETERMINATE
    else:
        verdict = Verdict.INVALID
    return SignatureReport(
        index=index,
        field_name=sig.field_name,
        kind="signature",
        signer_name=signer_name,
        organisation=organisation,
        certificate_subject=cert.subject.rfc4514_string(),
        certificate_fingerprint=fingerprint(cert),
        certificate_not_after=cert.not_valid_after_utc,
        claimed_time=status.signer_reported_dt,
        timestamp_time=timestamp_time,
        timestamp_ok=timestamp_ok,
        intact=status.intact,
        signature_ok=status.valid,
        coverage=coverage,
        modification=modification,
        trusted=final.trusted,
        chain=_chain(final),
        revoked=details is not None,
        revocation_date=None if details is None else details.revocation_date,
        revocation_reason=None if details is None else details.revocation_reason.native,
        checked_as_of=checked_as_of,
        pades_level=_pades_level(status, dss, later_doc_ts),
        verdict=verdict,
        problems=tuple(problems),
        notes=tuple(notes),
    )


def _changed_after(
    status: PdfSignatureStatus, cert: x509.Certificate, signed: datetime
) -> Finding | None:
    """A note if the certificate was revoked, or expired, only after `signed` (the
    trusted timestamp); None if that is not the case (or nothing is wrong)."""
    valid_until = cert.not_valid_after_utc
    if status.revocation_details is not None:
        date = status.revocation_details.revocation_date
        if date <= signed:
            return None
        text = f"Chứng thư số bị thu hồi lúc {format_vn(date)}, sau thời điểm ký"
        return Finding("revoked_after_signing", f"{text}; chữ ký vẫn có giá trị.")
    if status.trust_problem_indic in _CERT_TIME_PROBLEMS and (
        cert.not_valid_before_utc <= signed <= valid_until
    ):
        text = f"Chứng thư số hết hạn lúc {format_vn(valid_until)}, sau thời điểm ký"
        return Finding("expired_after_signing", f"{text}; chữ ký vẫn có giá trị.")
    return None


def _certificate_finding(
    status: PdfSignatureStatus, not_after: datetime, now: datetime, timestamp_ok: bool
) -> Finding | None:
    """What is wrong with the signer's certificate, as far as pyHanko's indication
    says; None when nothing is, or when it only says 'general failure'."""
    indication = status.trust_problem_indic
    details = status.revocation_details
    if details is not None:
        reason = str(details.revocation_reason.native)
        who = "Chứng thư số của tổ chức cấp" if details.ca_revoked else "Chứng thư số"
        return Finding(
            "revoked",
            f"{who} đã bị thu hồi lúc {format_vn(details.revocation_date)} "
            f"(lý do: {REVOCATION_REASONS_VI.get(reason, reason)}).",
        )
    if indication in _CERT_TIME_PROBLEMS:
        if now <= not_after:
            return Finding("not_yet_valid", "Chứng thư số chưa đến thời hạn có hiệu lực.")
        proof = "" if timestamp_ok else "; không có dấu thời gian chứng minh đã ký trước đó"
        return Finding("expired", f"Chứng thư số đã hết hạn lúc {format_vn(not_after)}{proof}.")
    if indication == AdESIndeterminate.NO_CERTIFICATE_CHAIN_FOUND:
        return Finding(
            "untrusted", "Chứng thư số không do tổ chức cung cấp dịch vụ chứng thực tin cậy cấp."
        )
    if indication == AdESIndeterminate.TRY_LATER:
        return Finding("revocation_unknown", "Dữ liệu kiểm tra thu hồi chứng thư số đã cũ.")
    if indication == AdESIndeterminate.CHAIN_CONSTRAINTS_FAILURE:
        return Finding(
            "certificate_not_for_signing",
            "Chứng thư số không được phép dùng để ký văn bản (mục đích sử dụng khóa).",
        )
    return None


async def _diagnose(
    sig: EmbeddedPdfSignature,
    trust: TrustSettings,
    dss: DocumentSecurityStore | None,
    moment: datetime | None,
) -> Finding:
    """pyHanko folds several causes into 'certificate chain general failure'; walk the
    chain again with certvalidator to tell them apart."""
    async with trust.context(moment=moment, dss=dss) as context:
        validator = CertificateValidator(
            sig.signer_cert, intermediate_certs=sig.other_embedded_certs, validation_context=context
        )
        try:
            await validator.async_validate_usage(set())
        except (InsufficientRevinfoError, StaleRevinfoError) as exc:
            return Finding(
                "revocation_unknown",
                "Không có dữ liệu để kiểm tra chứng thư số có bị thu hồi hay không.",
                exc.failure_msg,
            )
        except ExpiredError as exc:
            return Finding("expired", "Chứng thư số của tổ chức cấp đã hết hạn.", exc.failure_msg)
        except NotYetValidError as exc:
            return Finding(
                "not_yet_valid", "Chứng thư số chưa đến thời hạn có hiệu lực.", exc.failure_msg
            )
        except (PathValidationError, PathBuildingError) as exc:
            return Finding(
                "certificate_problem", "Chứng thư số không đáp ứng yêu cầu kiểm tra.", str(exc)
            )
    return Finding("certificate_problem", "Chứng thư số không đáp ứng yêu cầu kiểm tra.")


async def _check_document_timestamp(
    index: int,
    sig: EmbeddedPdfSignature,
    trust: TrustSettings,
    dss: DocumentSecurityStore | None,
    moment: datetime | None,
) -> SignatureReport:
    now = moment or now_utc()
    async with trust.context(moment=moment, dss=dss) as context:
        status = await async_validate_pdf_timestamp(sig, context)
    cert, name, organisation = _cert_info(status.signing_cert)
    problems: list[Finding] = []
    if not status.intact:
        problems.append(
            Finding("tampered", "Nội dung được đóng dấu thời gian bị thay đổi: mã băm không khớp.")
        )
    elif not status.valid:
        problems.append(Finding("bad_signature", "Giá trị chữ ký của dấu thời gian không đúng."))
    if not status.trusted and status.intact and status.valid:
        problems.append(
            Finding(
                "untrusted",
                "Dấu thời gian không do đơn vị tin cậy cấp.",
                str(status.trust_problem_indic),
            )
        )
    coverage = (
        "entire_file"
        if status.coverage == SignatureCoverageLevel.ENTIRE_FILE
        else "entire_revision"
    )
    level = status.modification_level
    modification = (
        "none"
        if level in (None, ModificationLevel.NONE)
        else ("validation_data" if level == ModificationLevel.LTA_UPDATES else "other")
    )
    if modification == "other":
        problems.append(
            Finding("modified_after_signing", "Tài liệu đã bị sửa đổi sau dấu thời gian.")
        )
    return SignatureReport(
        index=index,
        field_name=sig.field_name,
        kind="document_timestamp",
        signer_name=name,
        organisation=organisation,
        certificate_subject=cert.subject.rfc4514_string(),
        certificate_fingerprint=fingerprint(cert),
        certificate_not_after=cert.not_valid_after_utc,
        claimed_time=None,
        timestamp_time=status.timestamp,
        timestamp_ok=status.intact and status.valid and status.trusted,
        intact=status.intact,
        signature_ok=status.valid,
        coverage=coverage,
        modification=modification,
        trusted=status.trusted,
        chain=_chain(status),
        revoked=status.revoked,
        revocation_date=None,
        revocation_reason=None,
        checked_as_of=now,
        pades_level="B-LTA",
        verdict=Verdict.VALID if not problems else Verdict.INVALID,
        problems=tuple(problems),
    )


async def verify_pdf_async(
    pdf: bytes,
    trust: TrustSettings,
    *,
    moment: datetime | None = None,
    organisation: str | None = None,
) -> VerificationReport:
    """Verify every signature and document timestamp of `pdf` against `trust`.
    `moment` pretends the check happens at another time (default: now). With
    `organisation` (the issuing agency's name), each signature also says whether its
    certificate belongs to that organisation; one that does not is not valid."""
    now = (moment or now_utc()).replace(microsecond=0)
    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
    except (PdfError, ValueError, KeyError) as exc:
        problem = Finding(
            "unreadable", "Không đọc được tệp PDF (tệp hỏng hoặc không phải PDF).", repr(exc)
        )
        return VerificationReport((), Verdict.INVALID, now, (problem,))
    try:
        signatures = list(reader.embedded_signatures)
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        problem = Finding(
            "malformed", "Chữ ký số trong tài liệu bị hỏng, không đọc được.", repr(exc)
        )
        return VerificationReport((), Verdict.INVALID, now, (problem,))
    if not signatures:
        problem = Finding("unsigned", "Tài liệu không có chữ ký số.")
        return VerificationReport((), Verdict.INVALID, now, (problem,))
    dss = _dss(reader)
    reports: list[SignatureReport] = []
    for index, sig in enumerate(signatures, start=1):
        try:
            if sig.sig_object_type == "/DocTimeStamp":
                report = await _check_document_timestamp(index, sig, trust, dss, moment)
            else:
                later = any(s.sig_object_type == "/DocTimeStamp" for s in signatures[index:])
                report = await _check_signature(index, sig, trust, dss, moment, later)
        except (SignatureValidationError, PdfError, ValueError) as exc:
            report = _broken(index, sig, now, exc)
        reports.append(report if organisation is None else _against(report, organisation))
    verdicts = {r.verdict for r in reports}
    if Verdict.INVALID in verdicts:
        overall = Verdict.INVALID
    elif Verdict.INDETERMINATE in verdicts:
        overall = Verdict.INDETERMINATE
    else:
        overall = Verdict.VALID
    return VerificationReport(tuple(reports), overall, now, expected_organisation=organisation)


def _broken(
    index: int, sig: EmbeddedPdfSignature, now: datetime, exc: Exception
) -> SignatureReport:
    """A signature pyHanko could not even evaluate: reported invalid with the reason."""
    try:
        cert, name, organisation = _cert_info(sig.signer_cert)
        subject, print_, not_after = (
            cert.subject.rfc4514_string(),
            fingerprint(cert),
            cert.not_valid_after_utc,
        )
    except Exception:  # the signature is broken in some other way too
        name = organisation = None
        subject, print_, not_after = "", "", now
    return SignatureReport(
        index=index,
        field_name=sig.field_name,
        kind="signature",
        signer_name=name,
        organisation=organisation,
        certificate_subject=subject,
        certificate_fingerprint=print_,
        certificate_not_after=not_after,
        claimed_time=None,
        timestamp_time=None,
        timestamp_ok=None,
        intact=False,
        signature_ok=False,
        coverage="partial",
        modification="unknown",
        trusted=False,
        chain=(),
        revoked=False,
        revocation_date=None,
        revocation_reason=None,
        checked_as_of=now,
        pades_level="?",
        verdict=Verdict.INVALID,
        problems=(Finding("malformed", "Chữ ký bị hỏng, không kiểm tra được.", repr(exc)),),
    )


def verify_pdf(
    pdf: bytes,
    trust: TrustSettings,
    *,
    moment: datetime | None = None,
    organisation: str | None = None,
) -> VerificationReport:
    """`verify_pdf_async` for code that is not inside an event loop."""
    return run_blocking(verify_pdf_async(pdf, trust, moment=moment, organisation=organisation))
