"""X.509 helpers shared by the PKI, the signer and the verifier: keys, names,
PEM files, conversions between `cryptography` and `asn1crypto` objects."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path
from typing import TypeAlias

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from .errors import PkiError

PrivateKey: TypeAlias = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

KEY_TYPES = ("rsa-2048", "rsa-3072", "rsa-4096", "ec-p256", "ec-p384")


def new_private_key(key_type: str) -> PrivateKey:
    """A fresh private key: `rsa-2048|3072|4096` or `ec-p256|p384`."""
    if key_type.startswith("rsa-") and key_type in KEY_TYPES:
        return rsa.generate_private_key(public_exponent=65537, key_size=int(key_type[4:]))
    if key_type == "ec-p256":
        return ec.generate_private_key(ec.SECP256R1())
    if key_type == "ec-p384":
        return ec.generate_private_key(ec.SECP384R1())
    raise PkiError(f"unknown key type {key_type!r}; expected one of {', '.join(KEY_TYPES)}")


def signing_hash(key: PrivateKey) -> hashes.SHA256 | hashes.SHA384:
    """The digest that goes with `key` when it signs certificates, CRLs and OCSP responses."""
    if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.key_size >= 384:
        return hashes.SHA384()
    return hashes.SHA256()


def person_name(
    common_name: str,
    *,
    organisation: str | None = None,
    unit: str | None = None,
    title: str | None = None,
    locality: str | None = None,
    province: str | None = None,
    personal_id: str | None = None,
    country: str = "VN",
) -> x509.Name:
    """A distinguished name, most general part first. Text attributes are UTF8String
    (`cryptography`'s default for them), so Vietnamese diacritics survive as written
    (NFC); the country is PrintableString as X.520 requires."""
    parts: list[tuple[x509.ObjectIdentifier, str | None]] = [
        (NameOID.COUNTRY_NAME, country),
        (NameOID.STATE_OR_PROVINCE_NAME, province),
        (NameOID.LOCALITY_NAME, locality),
        (NameOID.ORGANIZATION_NAME, organisation),
        (NameOID.ORGANIZATIONAL_UNIT_NAME, unit),
        (NameOID.TITLE, title),
        (NameOID.COMMON_NAME, common_name),
        (NameOID.USER_ID, personal_id),
    ]
    attributes = []
    for oid, value in parts:
        if value:
            text = unicodedata.normalize("NFC", value.strip())
            if len(text) > 64 and oid != NameOID.USER_ID:
                raise PkiError(f"{oid._name} is longer than 64 characters: {text!r}")
            attributes.append(x509.NameAttribute(oid, text))
    return x509.Name(attributes)


def name_part(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    """The first value of attribute `oid` in `name`, or None."""
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value) if values else None


def slugify(text: str) -> str:
    """An ASCII file name part: 'Nguyễn Văn Đức' -> 'nguyen-van-duc'."""
    folded = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    ascii_only = "".join(c for c in folded if not unicodedata.combining(c))
    words = "".join(c.lower() if c.isascii() and c.isalnum() else " " for c in ascii_only)
    slug = "-".join(words.split())
    if not slug:
        raise PkiError(f"cannot make a file name from {text!r}")
    return slug


def to_asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    """The same certificate as an `asn1crypto` object (what pyHanko works with)."""
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def from_asn1(cert: asn1_x509.Certificate) -> x509.Certificate:
    return x509.load_der_x509_certificate(cert.dump())


def fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 fingerprint, lower-case hex: how events and reports name a certificate."""
    return cert.fingerprint(hashes.SHA256()).hex()


def write_private(path: Path, data: bytes) -> None:
    """Write a secret file readable by its owner only, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.replace(tmp, path)


def write_public(path: Path, data: bytes) -> None:
    """Write a public file (certificate, CRL) atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def read_cert(path: Path) -> x509.Certificate:
    """A certificate from a PEM or DER file."""
    data = path.read_bytes()
    if data.lstrip().startswith(b"-----BEGIN"):
        return x509.load_pem_x509_certificate(data)
    return x509.load_der_x509_certificate(data)


def read_certs(path: Path) -> list[x509.Certificate]:
    """Every certificate of a PEM file (a bundle of CA roots may hold many) or the one
    of a DER file."""
    data = path.read_bytes()
    if data.lstrip().startswith(b"-----BEGIN"):
        return x509.load_pem_x509_certificates(data)
    return [x509.load_der_x509_certificate(data)]


def key_pem(key: PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def read_key(path: Path) -> PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise PkiError(f"{path}: only RSA and EC keys are supported")
    return key
