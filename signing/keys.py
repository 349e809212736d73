"""Signing keys: an officer's encrypted PKCS#12 file, or a PKCS#11 token.

Both give a pyHanko `Signer`. The PKCS#12 signer keeps the parsed private key
object for its whole life: pyHanko's own `SimpleSigner` re-parses the key on
every raw signature, which costs tens of milliseconds per signature with RSA."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from asn1crypto import pkcs12 as asn1_pkcs12
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.sign.signers.pdf_cms import Signer
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash, process_pss_params

from .certs import PrivateKey, from_asn1, to_asn1
from .errors import KeyStoreError, WrongPassphrase


class KeyPairSigner(Signer):
    """A pyHanko signer over a private key already in memory (RSA or EC)."""

    def __init__(
        self,
        key: PrivateKey,
        certificate: x509.Certificate,
        chain: Iterable[x509.Certificate] = (),
        *,
        prefer_pss: bool = False,
    ):
        if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise KeyStoreError(f"unsupported key type {type(key).__name__}: use RSA or EC")
        if key.public_key() != certificate.public_key():
            raise KeyStoreError("the private key does not belong to the certificate")
        self._key = key
        self.certificate = certificate
        self.chain = tuple(chain)
        super().__init__(
            prefer_pss=prefer_pss,
            signing_cert=to_asn1(certificate),
            cert_registry=SimpleCertificateStore.from_certs([to_asn1(c) for c in self.chain]),
        )

    async def async_sign_raw(
        self, data: bytes, digest_algorithm: str, dry_run: bool = False
    ) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        algorithm = mechanism.signature_algo
        key = self._key
        if isinstance(key, rsa.RSAPrivateKey) and algorithm == "rsassa_pkcs1v15":
            return key.sign(data, padding.PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
        if isinstance(key, rsa.RSAPrivateKey) and algorithm == "rsassa_pss":
            pss, hash_algorithm = process_pss_params(mechanism["parameters"])
            return key.sign(data, pss, hash_algorithm)
        if isinstance(key, ec.EllipticCurvePrivateKey) and algorithm == "ecdsa":
            return key.sign(data, ec.ECDSA(get_pyca_cryptography_hash(digest_algorithm)))
        raise KeyStoreError(f"signature mechanism {algorithm} does not fit a {type(key).__name__}")


def load_pkcs12(source: Path | str | bytes, passphrase: str | bytes) -> KeyPairSigner:
    """Open an encrypted PKCS#12 file (a path or its bytes) and return a signer that
    keeps the decrypted key. Raises `WrongPassphrase` when the passphrase does not
    open a well-formed file, `KeyStoreError` when the file is not PKCS#12 or holds
    no key and certificate."""
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    secret = passphrase.encode() if isinstance(passphrase, str) else passphrase
    try:
        asn1_pkcs12.Pfx.load(data).native  # noqa: B018 - parses the outer structure
    except (ValueError, TypeError, KeyError) as exc:
        raise KeyStoreError("not a PKCS#12 file") from exc
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, secret)
    except ValueError as exc:
        raise WrongPassphrase("the passphrase does not open this PKCS#12 file") from exc
    if key is None or cert is None:
        raise KeyStoreError("the PKCS#12 file holds no private key with its certificate")
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise KeyStoreError(f"unsupported key type {type(key).__name__}: use RSA or EC")
    return KeyPairSigner(key, cert, extra)


@contextmanager
def open_pkcs11_signer(
    module: Path | str,
    *,
    pin: str,
    token_label: str | None = None,
    key_label: str | None = None,
    cert_label: str | None = None,
    key_id: bytes | None = None,
    cert_id: bytes | None = None,
    chain: Iterable[x509.Certificate] = (),
) -> Iterator[Signer]:
    """A pyHanko `PKCS11Signer` on a token (a hardware token, an HSM, SoftHSM2),
    for as long as the `with` block lasts; the session is closed afterwards.

    The key never leaves the token. `chain` adds CA certificates to embed when the
    token holds only the officer's certificate. Needs the `python-pkcs11` package."""
    try:
        from pkcs11 import exceptions as p11_errors
        from pyhanko.config.pkcs11 import TokenCriteria
        from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise KeyStoreError("PKCS#11 support needs the python-pkcs11 package") from exc
    try:
        session = open_pkcs11_session(
            str(module),
            token_criteria=TokenCriteria(label=token_label) if token_label else None,
            user_pin=pin,
        )
    except p11_errors.PinIncorrect as exc:
        raise WrongPassphrase("the PIN does not open this PKCS#11 token") from exc
    except (p11_errors.PKCS11Error, OSError, RuntimeError) as exc:
        raise KeyStoreError(f"cannot open the PKCS#11 token: {exc!r}") from exc
    try:
        signer = PKCS11Signer(
            session,
            cert_label=cert_label,
            key_label=key_label,
            key_id=key_id,
            cert_id=cert_id,
            ca_chain=[to_asn1(c) for c in chain],
        )
        yield signer
    finally:
        session.close()


def signer_certificate(signer: Signer) -> x509.Certificate:
    """The signer's certificate as a `cryptography` object."""
    if isinstance(signer, KeyPairSigner):
        return signer.certificate
    if signer.signing_cert is None:
        raise KeyStoreError("the signer has no certificate")
    return from_asn1(signer.signing_cert)
