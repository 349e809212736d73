"""OCSP (RFC 6960) answers of the local PKI, computed offline: for a certificate
in hand, or for a DER request as it arrives over HTTP."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp

from .certs import signing_hash, to_asn1
from .vntime import now_utc

if TYPE_CHECKING:
    from .pki import LocalPki

RESPONSE_LIFETIME = timedelta(days=1)
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}


def _answer(pki: LocalPki, label: str, request: ocsp.OCSPRequest, nonce: bytes | None) -> bytes:
    """Sign the answer for the certificate that `request` names, issued by CA `label`."""
    from .pki import ISSUING

    issuer = pki.authority(label)
    # The issuing CA delegates to the OCSP responder; the root answers for itself.
    responder = pki.ocsp_responder if label == ISSUING else issuer
    serial = request.serial_number
    revoked = next((e for e in pki.revocations(label) if e.serial == serial), None)
    if revoked is not None:
        status, when, reason = ocsp.OCSPCertStatus.REVOKED, revoked.date, revoked.reason
    elif pki.was_issued(label, serial):
        status, when, reason = ocsp.OCSPCertStatus.GOOD, None, None
    else:
        status, when, reason = ocsp.OCSPCertStatus.UNKNOWN, None, None
    now = now_utc()
    builder = (
        ocsp.OCSPResponseBuilder()
        .add_response_by_hash(
            issuer_name_hash=request.issuer_name_hash,
            issuer_key_hash=request.issuer_key_hash,
            serial_number=serial,
            algorithm=request.hash_algorithm,
            cert_status=status,
            this_update=now,
            next_update=now + RESPONSE_LIFETIME,
            revocation_time=when,
            revocation_reason=reason,
        )
        .responder_id(ocsp.OCSPResponderEncoding.HASH, responder.cert)
    )
    if responder is not issuer:
        builder = builder.certificates([responder.cert])
    if nonce is not None:
        builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    response = builder.sign(responder.key, signing_hash(responder.key))
    return response.public_bytes(Encoding.DER)


def response_for_certificate(
    pki: LocalPki, cert: x509.Certificate, *, nonce: bytes | None = None
) -> bytes:
    """A DER OCSP response about `cert` (which must come from this PKI)."""
    label = pki.issuer_label(cert)
    request = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(cert, pki.authority(label).cert, hashes.SHA256())
        .build()
    )
    return _answer(pki, label, request, nonce)


def response_for_request(pki: LocalPki, request_der: bytes) -> bytes:
    """The DER OCSP response to a DER request; malformed or foreign requests get the
    unsuccessful statuses RFC 6960 defines."""
    from .pki import ISSUING, ROOT

    try:
        request = ocsp.load_der_ocsp_request(request_der)
        algorithm = _HASHES[request.hash_algorithm.name]
    except (ValueError, KeyError):
        return _unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
    try:
        nonce_ext = request.extensions.get_extension_for_class(x509.OCSPNonce)
        nonce: bytes | None = nonce_ext.value.nonce
    except x509.ExtensionNotFound:
        nonce = None
    for label in (ISSUING, ROOT):
        issuer_cert = pki.authority(label).cert
        if request.issuer_name_hash == _hash(
            algorithm, issuer_cert.subject.public_bytes()
        ) and request.issuer_key_hash == _key_hash(algorithm, issuer_cert):
            return _answer(pki, label, request, nonce)
    return _unsuccessful(ocsp.OCSPResponseStatus.UNAUTHORIZED)


def _hash(algorithm: type[hashes.HashAlgorithm], data: bytes) -> bytes:
    digest = hashes.Hash(algorithm())
    digest.update(data)
    return digest.finalize()


def _key_hash(algorithm: type[hashes.HashAlgorithm], cert: x509.Certificate) -> bytes:
    """Hash of the issuer's subjectPublicKey BIT STRING value, as CertID wants it."""
    spki = to_asn1(cert)["tbs_certificate"]["subject_public_key_info"]
    return _hash(algorithm, spki["public_key"].contents[1:])


def _unsuccessful(status: ocsp.OCSPResponseStatus) -> bytes:
    return ocsp.OCSPResponseBuilder.build_unsuccessful(status).public_bytes(Encoding.DER)
