"""PDFs as businesses send them in, signed with the session's local PKI: a good PAdES
signature, one by a certificate of a root nobody trusts, one modified after signing, a
CMS (adbe.pkcs7.detached) signature that is not PAdES, and one not signed at all."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter

BUSINESS = "Công ty TNHH Minh An"
SIGNER = "Nguyễn Thị Lan"
PASSPHRASE = "doanh-nghiep"


def modified_after_signing(signed: bytes) -> bytes:
    """`signed` with a line of text added to its page in a later revision, as an editor
    that keeps the signature but changes the content would."""
    writer = IncrementalPdfFileWriter(BytesIO(signed), strict=False)
    stream = writer.add_object(generic.StreamObject(stream_data=b"BT /F1 11 Tf 72 300 Td <0041> Tj ET"))
    writer.add_stream_to_page(0, stream)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def cms_signed(pdf: bytes, signer: signers.Signer) -> bytes:
    """`pdf` signed as adbe.pkcs7.detached (CMS, not PAdES)."""
    meta = signers.PdfSignatureMetadata(field_name="Chu_ky_CMS",
                                        subfilter=SigSeedSubFilter.ADOBE_PKCS7_DETACHED)
    return signers.sign_pdf(IncrementalPdfFileWriter(BytesIO(pdf), strict=False), meta,
                            signer=signer).getvalue()


def make_samples(pki_folder: Path) -> dict[str, bytes]:
    """{"valid", "untrusted", "modified", "cms", "unsigned"} → the PDF."""
    from signing import load_pkcs12, load_pki, sign_pdf
    from signing.pki import UNTRUSTED_ROOT
    from signing.sample import sample_pdf

    pki = load_pki(pki_folder)
    plain = sample_pdf("GIẤY ĐỀ NGHỊ", ("Công ty TNHH Minh An đề nghị cấp phép.",))
    business = pki.issue_officer(SIGNER, BUSINESS, PASSPHRASE, slug="doanh-nghiep-minh-an",
                                 key_type="ec-p256", replace=True)
    stranger = pki.issue_officer(SIGNER, BUSINESS, PASSPHRASE, slug="doanh-nghiep-la",
                                 key_type="ec-p256", issuer=UNTRUSTED_ROOT, replace=True)
    signer = load_pkcs12(business.pkcs12_path, PASSPHRASE)
    valid = sign_pdf(plain, signer, level="B-B", visible=False).pdf
    return {
        "valid": valid,
        "untrusted": sign_pdf(plain, load_pkcs12(stranger.pkcs12_path, PASSPHRASE),
                              level="B-B", visible=False).pdf,
        "modified": modified_after_signing(valid),
        "cms": cms_signed(plain, signer),
        "unsigned": plain,
    }
