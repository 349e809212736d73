"""PDF signing and verification for motcua: PAdES B-B/B-T/B-LT/B-LTA with pyHanko,
visible Vietnamese stamps, keys in encrypted PKCS#12 files or on PKCS#11 tokens,
an RFC 3161 timestamp authority, and a local development PKI (root CA, issuing
CA, TSA, OCSP responder, CRLs) that works offline.

A library: it imports nothing else of motcua.

    pki = init_pki("instance/pki", [OfficerSpec("Nguyễn Văn Đức", "UBND xã Tân Phú", passphrase)])
    signer = load_pkcs12(pki.officer("nguyen-van-duc").pkcs12_path, passphrase)
    tsa = InProcessTimeStamper(timestamp_authority(pki))
    signed = sign_pdf(pdf, signer, level="B-LT", timestamper=tsa,
                      trust=pki.trust(ocsp_for=[signer.certificate, pki.tsa.cert]))
    report = verify_pdf(signed.pdf, pki.trust())
    print("\\n".join(report.summary_vi()))
"""

from .errors import (
    KeyStoreError,
    PkiError,
    SignatureFieldError,
    SigningLibraryError,
    StampFontMissing,
    TimestampError,
    WrongPassphrase,
)
from .keys import KeyPairSigner, load_pkcs12, open_pkcs11_signer
from .pki import LocalPki, OfficerSpec, init_pki, load_pki
from .sign import (
    PadesLevel,
    SignatureBox,
    SignedPdf,
    reserve_signature_fields,
    sign_pdf,
    sign_pdf_async,
)
from .timestamp import (
    InProcessTimeStamper,
    TimestampAuthority,
    http_timestamper,
    timestamp_authority,
)
from .trust import TrustSettings, trust_from_files
from .verify import (
    SignatureReport,
    Verdict,
    VerificationReport,
    same_organisation,
    verify_pdf,
    verify_pdf_async,
)

__all__ = [
    "InProcessTimeStamper",
    "KeyPairSigner",
    "KeyStoreError",
    "LocalPki",
    "OfficerSpec",
    "PadesLevel",
    "PkiError",
    "SignatureBox",
    "SignatureFieldError",
    "SignatureReport",
    "SignedPdf",
    "SigningLibraryError",
    "StampFontMissing",
    "TimestampAuthority",
    "TimestampError",
    "TrustSettings",
    "VerificationReport",
    "Verdict",
    "WrongPassphrase",
    "http_timestamper",
    "init_pki",
    "load_pki",
    "load_pkcs12",
    "open_pkcs11_signer",
    "reserve_signature_fields",
    "same_organisation",
    "sign_pdf",
    "sign_pdf_async",
    "timestamp_authority",
    "trust_from_files",
    "verify_pdf",
    "verify_pdf_async",
]
