"""Sign a PDF at PAdES B-B, B-T, B-LT or B-LTA, with a visible Vietnamese stamp.

Every signature is an approval signature appended as an incremental update, so
signatures already in the document stay valid: a specialist signs, then a
leader signs the result of that. The stamp goes into a signature field the
document reserved (by name), or into a new field at a given or default place.

The synchronous `sign_pdf` runs its own event loop (pyHanko is asyncio inside);
code that already runs in an event loop awaits `sign_pdf_async` instead.
"""

from __future__ import annotations

import hashlib
import logging
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from io import BytesIO
from pathlib import Path
from typing import Any

from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko.sign.fields import (
    SigFieldSpec,
    SigSeedSubFilter,
    append_signature_field,
    enumerate_sig_fields,
)
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers import PdfSignatureMetadata, PdfSigner
from pyhanko.sign.signers.pdf_cms import Signer
from pyhanko.sign.signers.pdf_signer import PdfSigningSession
from pyhanko.sign.timestamps import TimeStamper

from .blocking import run_blocking
from .certs import fingerprint, name_part
from .errors import SignatureFieldError
from .keys import signer_certificate
from .stamp import StampText, VietnameseStampStyle
from .trust import TrustSettings
from .vntime import now_utc

DEFAULT_BOX_SIZE = (220.0, 78.0)
PAGE_MARGIN = 36.0
BOX_GAP = 8.0


class PadesLevel(StrEnum):
    """PAdES baseline levels (ETSI EN 319 142-1)."""

    B_B = "B-B"  # signature only
    B_T = "B-T"  # + RFC 3161 signature timestamp
    B_LT = "B-LT"  # + certificates and revocation data (CRLs, OCSP) in the DSS
    B_LTA = "B-LTA"  # + a document timestamp over all of that


@dataclass(frozen=True)
class SignatureBox:
    """Where a signature goes: field `name`, on `page` (0-based, negative from the
    end), in `box` = (x1, y1, x2, y2) points from the page's lower-left corner.
    A box of None means the default place (bottom right, side by side)."""

    name: str
    page: int = -1
    box: tuple[float, float, float, float] | None = None


@dataclass(frozen=True)
class SignedPdf:
    """A signed document and what the event log records about the signature."""

    pdf: bytes
    field_name: str
    level: PadesLevel
    signed_at: datetime
    signer_fingerprint: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.pdf).hexdigest()


class _OfflineRevocationNotice(logging.Filter):
    """pyHanko warns that embedding revocation data 'without fetching' may surprise;
    here it is the plan (the CRLs and OCSP responses come with the trust settings)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "fetching is not allowed" not in record.getMessage()


logging.getLogger("pyhanko.sign.signers.pdf_signer").addFilter(_OfflineRevocationNotice())

# Bytes reserved for the signature container, learnt from the first signature of
# each (signer certificate, level, kind of timestamper): without it pyHanko makes a
# whole dry-run signature every time just to measure its size (a third of the work).
# Not keyed on the timestamper object's id(): callers make one per signature, a new
# one takes the id of a collected one, and with sizes learnt that way one signature
# in three took 5-25 s of pyHanko's CMS encoding instead of 0.1 s.
_RESERVED: dict[tuple[str, PadesLevel, str], int] = {}


def _reserved_in(pdf: bytes, field_name: str) -> int:
    """The /Contents space (in hex digits, as pyHanko counts) of signature `field_name`."""
    reader = PdfFileReader(BytesIO(pdf), strict=False)
    sig = next(s for s in reader.embedded_regular_signatures if s.field_name == field_name)
    return 2 * len(sig.sig_object["/Contents"])


class _PdfSignerAt(PdfSigner):
    """A PdfSigner whose signing time is given: the stamp, the signature dictionary
    (/M) and the CMS signing time then show the same second."""

    def __init__(self, *args: Any, signed_at: datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._signed_at = signed_at

    def init_signing_session(
        self, pdf_out: BasePdfFileWriter, existing_fields_only: bool = False
    ) -> PdfSigningSession:
        session = super().init_signing_session(pdf_out, existing_fields_only=existing_fields_only)
        session.system_time = self._signed_at
        return session


def _signature_fields(reader: PdfFileReader) -> list[tuple[str, bool]]:
    """(name, already signed) of every signature field, in document order."""
    return [(name, value is not None) for name, value, _ref in enumerate_sig_fields(reader)]


def default_box(reader: PdfFileReader, page: int, slot: int) -> tuple[float, float, float, float]:
    """The `slot`-th default signature place on `page`: bottom right first, then to
    the left, then a row higher."""
    page_obj = reader.find_page_for_modification(page)[0].get_object()
    left, bottom, right, _top = (float(v) for v in page_obj["/MediaBox"])
    width, height = DEFAULT_BOX_SIZE
    per_row = max(1, int((right - left - 2 * PAGE_MARGIN + BOX_GAP) // (width + BOX_GAP)))
    row, column = divmod(slot, per_row)
    x2 = right - PAGE_MARGIN - column * (width + BOX_GAP)
    y1 = bottom + PAGE_MARGIN + row * (height + BOX_GAP)
    return (x2 - width, y1, x2, y1 + height)


def reserve_signature_fields(pdf: bytes, boxes: list[SignatureBox]) -> bytes:
    """Add empty signature fields to `pdf` (one incremental update), e.g. when the
    result is rendered: 'ChuyenVien' and 'LanhDao' at their places on the last page.
    Existing names are refused."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    existing = [name for name, _signed in _signature_fields(writer.prev)]
    for box in boxes:
        if box.name in existing:
            raise SignatureFieldError(f"signature field {box.name!r} already exists")
        rect = box.box or default_box(writer.prev, box.page, len(existing))
        # pyHanko types the box as ints but takes any number (points may be fractional).
        spec = SigFieldSpec(box.name, on_page=box.page, box=rect)  # type: ignore[arg-type]
        append_signature_field(writer, spec)
        existing.append(box.name)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def _choose_field(
    reader: PdfFileReader, field: SignatureBox | str | None
) -> tuple[str, SigFieldSpec | None]:
    """The field to sign: a named one (reserved, or created at its box), the first
    empty reserved field, or a new default one. Returns its name and, when it must be
    created, its spec."""
    fields = _signature_fields(reader)
    signed = {name for name, is_signed in fields if is_signed}
    empty = [name for name, is_signed in fields if not is_signed]
    if isinstance(field, str):
        field = SignatureBox(field)
    if field is None:
        if empty:
            return empty[0], None
        number = len(fields) + 1
        while f"ChuKy{number}" in signed:
            number += 1
        field = SignatureBox(f"ChuKy{number}")
    if field.name in signed:
        raise SignatureFieldError(f"signature field {field.name!r} is already signed")
    if field.name in empty:
        return field.name, None
    rect = field.box or default_box(reader, field.page, len(fields))
    return field.name, SigFieldSpec(field.name, on_page=field.page, box=rect)  # type: ignore[arg-type]


async def sign_pdf_async(
    pdf: bytes,
    signer: Signer,
    *,
    level: PadesLevel | str = PadesLevel.B_T,
    field: SignatureBox | str | None = None,
    reason: str | None = None,
    location: str | None = None,
    title: str | None = None,
    timestamper: TimeStamper | None = None,
    trust: TrustSettings | None = None,
    visible: bool = True,
    font: Path | None = None,
    signed_at: datetime | None = None,
) -> SignedPdf:
    """Sign `pdf` (bytes) with `signer` at PAdES `level`; returns the new bytes.

    B-T and above need `timestamper`; B-LT and B-LTA also need `trust`, whose
    validation context checks the signer's chain before signing and whose CRLs and
    OCSP responses are embedded in the document security store (DSS). B-B and B-T
    do not check the certificate — `verify_pdf` does. `title` (chức vụ) and `reason`
    appear on the stamp; name and organisation come from the certificate."""
    level = PadesLevel(level)
    if level != PadesLevel.B_B and timestamper is None:
        raise ValueError(f"PAdES {level} needs a timestamper")
    if level in (PadesLevel.B_LT, PadesLevel.B_LTA) and trust is None:
        raise ValueError(f"PAdES {level} needs trust settings (chain and revocation data)")
    moment = (signed_at or now_utc()).replace(microsecond=0)
    field_name, new_field = _choose_field(PdfFileReader(BytesIO(pdf), strict=False), field)
    if new_field is not None and not visible:
        new_field = SigFieldSpec(field_name, on_page=new_field.on_page)
    certificate = signer_certificate(signer)
    long_term = level in (PadesLevel.B_LT, PadesLevel.B_LTA)
    style = VietnameseStampStyle(
        text=StampText(
            signer=name_part(certificate.subject, NameOID.COMMON_NAME) or "",
            organisation=name_part(certificate.subject, NameOID.ORGANIZATION_NAME),
            title=title or name_part(certificate.subject, NameOID.TITLE),
            reason=reason,
            signed_at=moment,
        ),
        font=font,
    )

    async def attempt(bytes_reserved: int | None) -> bytes:
        out = BytesIO()
        checking = trust.context() if long_term and trust is not None else nullcontext(None)
        async with checking as context:
            metadata = PdfSignatureMetadata(
                field_name=field_name,
                md_algorithm="sha256",
                subfilter=SigSeedSubFilter.PADES,
                reason=reason,
                location=location,
                embed_validation_info=long_term,
                use_pades_lta=level == PadesLevel.B_LTA,
                validation_context=context,
            )
            pdf_signer = _PdfSignerAt(
                metadata,
                signer,
                timestamper=timestamper if level != PadesLevel.B_B else None,
                stamp_style=style,
                new_field_spec=new_field,
                signed_at=moment,
            )
            writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
            await pdf_signer.async_sign_pdf(writer, output=out, bytes_reserved=bytes_reserved)
        return out.getvalue()

    key = (fingerprint(certificate), level, type(timestamper).__name__)
    reserved = _RESERVED.get(key)
    try:
        signed = await attempt(reserved)
    except SigningError as exc:  # the remembered size was too small after all
        if reserved is None or "larger than expected" not in str(exc):
            raise
        reserved = None
        signed = await attempt(None)
    if reserved is None:
        _RESERVED[key] = _reserved_in(signed, field_name)
    return SignedPdf(signed, field_name, level, moment, fingerprint(certificate))


def sign_pdf(
    pdf: bytes,
    signer: Signer,
    *,
    level: PadesLevel | str = PadesLevel.B_T,
    field: SignatureBox | str | None = None,
    reason: str | None = None,
    location: str | None = None,
    title: str | None = None,
    timestamper: TimeStamper | None = None,
    trust: TrustSettings | None = None,
    visible: bool = True,
    font: Path | None = None,
    signed_at: datetime | None = None,
) -> SignedPdf:
    """`sign_pdf_async` for code that is not inside an event loop (same options)."""
    return run_blocking(
        sign_pdf_async(
            pdf,
            signer,
            level=level,
            field=field,
            reason=reason,
            location=location,
            title=title,
            timestamper=timestamper,
            trust=trust,
            visible=visible,
            font=font,
            signed_at=signed_at,
        )
    )
