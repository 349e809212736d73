"""A complete local development PKI in one folder, made with plain `cryptography`.

Root CA → issuing CA → officers, a timestamp authority (TSA) and a delegated OCSP
responder; a CRL for each CA; revocation; and, for tests, officers whose
certificate has already expired or comes from a root nobody trusts.

Folder layout (`pki.json` is the state; CA keys are unencrypted PEM files with
mode 0600 — this is a development PKI, not a production CA)::

    pki.json                     base URL, CRL numbers, issued and revoked serials, officers
    root-ca.crt  root-ca.key     self-signed root
    issuing-ca.crt issuing-ca.key
    tsa.crt tsa.key              EKU timeStamping (critical), issued by the issuing CA
    ocsp.crt ocsp.key            EKU OCSPSigning + ocsp-nocheck, issued by the issuing CA
    root-ca.crl issuing-ca.crl   DER CRLs, re-signed when less than a day from nextUpdate
    officers/<slug>.p12          key + certificate + chain, encrypted with the caller's passphrase
    officers/<slug>.crt          the certificate alone (PEM)
    untrusted/                   a second, untrusted root and what it issued (tests)

Every certificate below the root names its CRL (CRL distribution point) and the
OCSP responder (authority information access) under `base_url`; the WSGI app in
`signing.services` answers those URLs. Offline use needs none of them: the CRLs
and OCSP responses are produced in-process (`LocalPki.crl`, `LocalPki.ocsp_response`).
"""

from __future__ import annotations

import fcntl
import json
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

from . import ocsp
from .certs import (
    PrivateKey,
    cert_pem,
    key_pem,
    name_part,
    new_private_key,
    person_name,
    read_cert,
    read_key,
    signing_hash,
    slugify,
    write_private,
    write_public,
)
from .errors import PkiError
from .trust import TrustSettings
from .vntime import now_utc

DEFAULT_BASE_URL = "http://127.0.0.1:5000/pki"
ROOT = "root-ca"
ISSUING = "issuing-ca"
UNTRUSTED_ROOT = "untrusted-root"
# CAs are back-dated so that test certificates with a validity entirely in the
# past (an expired officer) still sit inside their issuer's validity.
CA_BACKDATE = timedelta(days=90)
CLOCK_SKEW = timedelta(minutes=5)
CRL_LIFETIME = timedelta(days=7)
CRL_REFRESH_MARGIN = timedelta(days=1)
PKCS12_KDF_ROUNDS = 100_000
MIN_PASSPHRASE = 8
REASONS = {flag.name: flag for flag in x509.ReasonFlags}


@dataclass(frozen=True)
class Authority:
    """A certificate with its private key: a CA, the TSA or the OCSP responder."""

    label: str
    cert: x509.Certificate
    key: PrivateKey


@dataclass(frozen=True)
class OfficerSpec:
    """An officer to issue in `init_pki`. The passphrase protects the PKCS#12 file
    and is never written anywhere."""

    name: str
    organisation: str
    passphrase: str
    title: str | None = None
    unit: str | None = None
    locality: str | None = None
    province: str | None = None
    email: str | None = None
    personal_id: str | None = None
    slug: str | None = None
    key_type: str = "rsa-2048"


@dataclass(frozen=True)
class IssuedOfficer:
    """An officer's certificate and where its files are."""

    slug: str
    certificate: x509.Certificate
    pkcs12_path: Path
    certificate_path: Path

    @property
    def name(self) -> str:
        return name_part(self.certificate.subject, NameOID.COMMON_NAME) or ""


@dataclass(frozen=True)
class RevocationEntry:
    serial: int
    date: datetime
    reason: x509.ReasonFlags


def _ski(cert_or_key: x509.Certificate | PrivateKey) -> x509.SubjectKeyIdentifier:
    public = cert_or_key.public_key()
    return x509.SubjectKeyIdentifier.from_public_key(public)


def _build(
    subject: x509.Name,
    public_key: Any,
    issuer: Authority | None,
    signing_key: PrivateKey,
    not_before: datetime,
    not_after: datetime,
    extensions: Iterable[tuple[x509.ExtensionType, bool]],
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.cert.subject if issuer else subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(_ski(issuer.cert)),
            critical=False,
        )
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    return builder.sign(signing_key, signing_hash(signing_key))


def _revocation_urls(base_url: str, issuer_label: str) -> list[tuple[x509.ExtensionType, bool]]:
    """CRL distribution point and authority information access (OCSP, CA certificate)
    for a certificate issued by `issuer_label`, under `base_url`."""
    base = base_url.rstrip("/")
    crl_point = x509.DistributionPoint(
        full_name=[x509.UniformResourceIdentifier(f"{base}/crl/{issuer_label}.crl")],
        relative_name=None,
        reasons=None,
        crl_issuer=None,
    )
    access = [
        x509.AccessDescription(
            AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(f"{base}/ocsp")
        ),
        x509.AccessDescription(
            AuthorityInformationAccessOID.CA_ISSUERS,
            x509.UniformResourceIdentifier(f"{base}/ca/{issuer_label}.crt"),
        ),
    ]
    return [
        (x509.CRLDistributionPoints([crl_point]), False),
        (x509.AuthorityInformationAccess(access), False),
    ]


def _key_usage(**flags: bool) -> x509.KeyUsage:
    names = (
        "digital_signature",
        "content_commitment",
        "key_encipherment",
        "data_encipherment",
        "key_agreement",
        "key_cert_sign",
        "crl_sign",
        "encipher_only",
        "decipher_only",
    )
    return x509.KeyUsage(**{name: flags.get(name, False) for name in names})


class LocalPki:
    """A development PKI living in `folder`; get one with `init_pki` or `load_pki`."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.base_url = str(self._read_state()["base_url"])
        self.root = Authority(
            ROOT, read_cert(folder / "root-ca.crt"), read_key(folder / "root-ca.key")
        )
        self.issuing = Authority(
            ISSUING, read_cert(folder / "issuing-ca.crt"), read_key(folder / "issuing-ca.key")
        )
        self.tsa = Authority("tsa", read_cert(folder / "tsa.crt"), read_key(folder / "tsa.key"))
        self.ocsp_responder = Authority(
            "ocsp", read_cert(folder / "ocsp.crt"), read_key(folder / "ocsp.key")
        )
        self._untrusted: Authority | None = None

    # -- state --------------------------------------------------------------------

    def _read_state(self) -> dict[str, Any]:
        """pki.json as it is now: read every time, so that revocations made by another
        process (the CLI while the web app runs) are seen at once."""
        state: dict[str, Any] = json.loads((self.folder / "pki.json").read_text(encoding="utf-8"))
        return state

    @contextmanager
    def _changing_state(self) -> Iterator[dict[str, Any]]:
        """Read, change and write pki.json under an exclusive lock, so that two
        processes changing the PKI never lose each other's changes. Not re-entrant."""
        with open(self.folder / ".pki.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                state = self._read_state()
                yield state
                write_public(
                    self.folder / "pki.json",
                    json.dumps(state, ensure_ascii=False, indent=2, sort_keys=True).encode(),
                )
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def authority(self, label: str) -> Authority:
        """The CA called `label`: 'root-ca', 'issuing-ca' or 'untrusted-root'."""
        if label == ROOT:
            return self.root
        if label == ISSUING:
            return self.issuing
        if label == UNTRUSTED_ROOT:
            return self.untrusted_root
        raise PkiError(f"no authority called {label!r}")

    def issuer_label(self, cert: x509.Certificate) -> str:
        """Which of our CAs issued `cert` ('root-ca', 'issuing-ca' or 'untrusted-root')."""
        for label in (ISSUING, ROOT, UNTRUSTED_ROOT):
            if label == UNTRUSTED_ROOT and not (self.folder / "untrusted" / "root-ca.crt").exists():
                continue
            authority = self.authority(label)
            if cert.issuer == authority.cert.subject:
                try:
                    cert.verify_directly_issued_by(authority.cert)
                except (ValueError, TypeError, InvalidSignature):
                    continue
                return label
        raise PkiError(f"{cert.subject.rfc4514_string()} was not issued by this PKI")

    # -- officers -----------------------------------------------------------------

    def issue_officer(
        self,
        name: str,
        organisation: str,
        passphrase: str,
        *,
        title: str | None = None,
        unit: str | None = None,
        locality: str | None = None,
        province: str | None = None,
        email: str | None = None,
        personal_id: str | None = None,
        slug: str | None = None,
        key_type: str = "rsa-2048",
        valid_days: int = 730,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
        issuer: str = ISSUING,
        replace: bool = False,
    ) -> IssuedOfficer:
        """Issue an officer's key and certificate and save them as an encrypted PKCS#12
        file (`officers/<slug>.p12`: AES-256-CBC with PBKDF2-SHA256, 100 000 rounds;
        HMAC-SHA256 integrity with the 2048 PKCS#12-KDF rounds `cryptography` uses).

        The certificate carries key usage digitalSignature + nonRepudiation (critical),
        the name, organisation, title… in UTF8String, and its CRL and OCSP URLs.
        `not_before` / `not_after` override the validity (tests issue expired ones);
        `issuer='untrusted-root'` issues from the untrusted root. An existing slug
        is refused unless `replace` is true; the certificate replaced is then revoked
        (reason 'superseded')."""
        if len(passphrase) < MIN_PASSPHRASE:
            raise PkiError(f"the PKCS#12 passphrase must have at least {MIN_PASSPHRASE} characters")
        slug = slug or slugify(name)
        folder = self.folder / ("untrusted" if issuer == UNTRUSTED_ROOT else "") / "officers"
        p12_path, crt_path = folder / f"{slug}.p12", folder / f"{slug}.crt"
        if p12_path.exists():
            if not replace:
                raise PkiError(f"officer {slug!r} already exists in {folder}")
            old = read_cert(crt_path)
            if issuer != UNTRUSTED_ROOT and self.revocation_of(old) is None:
                self.revoke(old, reason="superseded")
        authority = self.authority(issuer)
        now = now_utc()
        start = not_before or now - CLOCK_SKEW
        end = not_after or start + timedelta(days=valid_days)
        if end <= start:
            raise PkiError("a certificate must end after it starts")
        key = new_private_key(key_type)
        extensions: list[tuple[x509.ExtensionType, bool]] = [
            (x509.BasicConstraints(ca=False, path_length=None), True),
            (_key_usage(digital_signature=True, content_commitment=True), True),
        ]
        if email:
            extensions.append((x509.SubjectAlternativeName([x509.RFC822Name(email)]), False))
        if issuer != UNTRUSTED_ROOT:
            extensions += _revocation_urls(self.base_url, issuer)
        subject = person_name(
            name,
            organisation=organisation,
            unit=unit,
            title=title,
            locality=locality,
            province=province,
            personal_id=personal_id,
        )
        cert = _build(subject, key.public_key(), authority, authority.key, start, end, extensions)
        chain = [self.issuing.cert, self.root.cert] if issuer == ISSUING else [authority.cert]
        encryption = (
            serialization.PrivateFormat.PKCS12.encryption_builder()
            .kdf_rounds(PKCS12_KDF_ROUNDS)
            .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
            .hmac_hash(hashes.SHA256())
            .build(passphrase.encode())
        )
        blob = pkcs12.serialize_key_and_certificates(
            unicodedata.normalize("NFC", name).encode(), key, cert, chain, encryption
        )
        with self._changing_state() as state:
            write_private(p12_path, blob)
            write_public(crt_path, cert_pem(cert))
            serial = format(cert.serial_number, "x")
            entry = state["authorities"].setdefault(issuer, _new_authority_state())
            entry["issued"].append(serial)
            if issuer != UNTRUSTED_ROOT:
                state["officers"][slug] = {
                    "name": unicodedata.normalize("NFC", name),
                    "organisation": organisation,
                    "serial": serial,
                }
        return IssuedOfficer(slug, cert, p12_path, crt_path)

    def officer(self, slug: str) -> IssuedOfficer:
        """A trusted officer issued earlier, by slug."""
        crt = self.folder / "officers" / f"{slug}.crt"
        if slug not in self._read_state()["officers"] or not crt.exists():
            raise PkiError(f"no officer {slug!r} in {self.folder}")
        return IssuedOfficer(slug, read_cert(crt), crt.with_suffix(".p12"), crt)

    def officers(self) -> list[IssuedOfficer]:
        return [self.officer(slug) for slug in sorted(self._read_state()["officers"])]

    @property
    def untrusted_root(self) -> Authority:
        """The untrusted root, created on first use."""
        if self._untrusted is None:
            folder = self.folder / "untrusted"
            if not (folder / "root-ca.crt").exists():
                _make_root(folder, "motcua Untrusted Test Root", "Không được tin cậy", "ec-p256")
            self._untrusted = Authority(
                UNTRUSTED_ROOT, read_cert(folder / "root-ca.crt"), read_key(folder / "root-ca.key")
            )
        return self._untrusted

    # -- revocation ---------------------------------------------------------------

    def revoke(
        self,
        cert: x509.Certificate,
        reason: str = "key_compromise",
        when: datetime | None = None,
    ) -> datetime:
        """Revoke `cert` (reason: a `cryptography` ReasonFlags name such as
        'key_compromise', 'affiliation_changed', 'superseded', 'cessation_of_operation')
        and re-sign its issuer's CRL at once. Returns the revocation date."""
        if reason not in REASONS or reason in ("unspecified", "remove_from_crl"):
            raise PkiError(f"unknown revocation reason {reason!r}")
        label = self.issuer_label(cert)
        date = (when or now_utc()).replace(microsecond=0)
        serial = format(cert.serial_number, "x")
        with self._changing_state() as state:
            entry = state["authorities"][label]
            if any(item["serial"] == serial for item in entry["revoked"]):
                raise PkiError(f"certificate {serial} is already revoked")
            entry["revoked"].append({"serial": serial, "date": date.isoformat(), "reason": reason})
            self._write_crl(label, entry)
        return date

    def revocations(self, label: str) -> list[RevocationEntry]:
        """The certificates CA `label` has revoked."""
        return _revocations(self._read_state()["authorities"].get(label, _new_authority_state()))

    def revocation_of(self, cert: x509.Certificate) -> RevocationEntry | None:
        """The revocation entry of `cert`, or None if it is not revoked."""
        entries = self.revocations(self.issuer_label(cert))
        return next((e for e in entries if e.serial == cert.serial_number), None)

    def was_issued(self, label: str, serial: int) -> bool:
        """Whether CA `label` issued the certificate with this serial number."""
        entry = self._read_state()["authorities"].get(label, _new_authority_state())
        return format(serial, "x") in entry["issued"]

    def _write_crl(self, label: str, entry: dict[str, Any]) -> x509.CertificateRevocationList:
        """Sign and write CA `label`'s next CRL from its state `entry` (which the caller
        holds under the state lock, and which gets the new CRL number)."""
        authority = self.authority(label)
        entry["crl_number"] += 1
        now = now_utc()
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(authority.cert.subject)
            .last_update(now)
            .next_update(now + CRL_LIFETIME)
            .add_extension(x509.CRLNumber(entry["crl_number"]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
                    _ski(authority.cert)
                ),
                critical=False,
            )
        )
        for revoked in _revocations(entry):
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(revoked.serial)
                .revocation_date(revoked.date)
                .add_extension(x509.CRLReason(revoked.reason), critical=False)
                .build()
            )
        crl = builder.sign(authority.key, signing_hash(authority.key))
        write_public(self.folder / f"{label}.crl", crl.public_bytes(serialization.Encoding.DER))
        return crl

    def crl(self, label: str) -> x509.CertificateRevocationList:
        """The current CRL of CA `label`, re-signed first if it is close to its nextUpdate."""
        path = self.folder / f"{label}.crl"
        if path.exists():
            crl = x509.load_der_x509_crl(path.read_bytes())
            next_update = crl.next_update_utc
            if next_update is not None and next_update - now_utc() > CRL_REFRESH_MARGIN:
                return crl
        with self._changing_state() as state:
            return self._write_crl(label, state["authorities"][label])

    def crls(self) -> list[x509.CertificateRevocationList]:
        """Both CRLs: the root's (covering the issuing CA) and the issuing CA's."""
        return [self.crl(ROOT), self.crl(ISSUING)]

    def ocsp_response(self, cert: x509.Certificate, nonce: bytes | None = None) -> bytes:
        """A signed DER OCSP response for `cert`: good, revoked (with date and reason)
        or unknown. Certificates of the issuing CA are answered by the delegated
        responder, the issuing CA itself by the root."""
        return ocsp.response_for_certificate(self, cert, nonce=nonce)

    # -- trust ----------------------------------------------------------------------

    @property
    def chain(self) -> list[x509.Certificate]:
        """The CA certificates above an officer, nearest first."""
        return [self.issuing.cert, self.root.cert]

    def trust(self, *, ocsp_for: Iterable[x509.Certificate] = ()) -> TrustSettings:
        """Trust settings for this PKI: the root as the only trust anchor, the issuing CA,
        TSA and responder certificates, both current CRLs, and OCSP responses for the
        certificates in `ocsp_for` (a signer, the TSA) — all offline."""
        return TrustSettings(
            roots=(self.root.cert,),
            intermediates=(self.issuing.cert, self.tsa.cert, self.ocsp_responder.cert),
            crls=tuple(crl.public_bytes(serialization.Encoding.DER) for crl in self.crls()),
            ocsps=tuple(self.ocsp_response(cert) for cert in ocsp_for),
        )


def _new_authority_state() -> dict[str, Any]:
    return {"crl_number": 0, "revoked": [], "issued": []}


def _revocations(entry: dict[str, Any]) -> list[RevocationEntry]:
    return [
        RevocationEntry(
            int(item["serial"], 16), datetime.fromisoformat(item["date"]), REASONS[item["reason"]]
        )
        for item in entry["revoked"]
    ]


def _make_root(folder: Path, common_name: str, organisation: str, key_type: str) -> Authority:
    key = new_private_key(key_type)
    start = now_utc() - CA_BACKDATE
    cert = _build(
        person_name(common_name, organisation=organisation),
        key.public_key(),
        None,
        key,
        start,
        start + timedelta(days=365 * 20),
        [
            (x509.BasicConstraints(ca=True, path_length=1), True),
            (_key_usage(key_cert_sign=True, crl_sign=True), True),
        ],
    )
    write_private(folder / "root-ca.key", key_pem(key))
    write_public(folder / "root-ca.crt", cert_pem(cert))
    return Authority(ROOT, cert, key)


def _issue_service(
    folder: Path,
    label: str,
    subject: x509.Name,
    issuer: Authority,
    key_type: str,
    extensions: list[tuple[x509.ExtensionType, bool]],
    years: int,
) -> Authority:
    key = new_private_key(key_type)
    start = now_utc() - CA_BACKDATE
    cert = _build(
        subject,
        key.public_key(),
        issuer,
        issuer.key,
        start,
        start + timedelta(days=365 * years),
        extensions,
    )
    write_private(folder / f"{label}.key", key_pem(key))
    write_public(folder / f"{label}.crt", cert_pem(cert))
    return Authority(label, cert, key)


def _create(folder: Path, base_url: str, organisation: str, key_type: str) -> None:
    """Create the CAs, TSA and OCSP responder of a new PKI in `folder`."""
    state: dict[str, Any] = {
        "version": 1,
        "base_url": base_url.rstrip("/"),
        "created": now_utc().isoformat(),
        "authorities": {ROOT: _new_authority_state(), ISSUING: _new_authority_state()},
        "officers": {},
    }
    root = _make_root(folder, f"{organisation} Root CA (thử nghiệm)", organisation, key_type)
    issuing = _issue_service(
        folder,
        ISSUING,
        person_name(f"{organisation} Issuing CA (thử nghiệm)", organisation=organisation),
        root,
        key_type,
        [
            (x509.BasicConstraints(ca=True, path_length=0), True),
            (_key_usage(key_cert_sign=True, crl_sign=True), True),
            *_revocation_urls(base_url, ROOT),
        ],
        years=10,
    )
    tsa = _issue_service(
        folder,
        "tsa",
        person_name(f"{organisation} Timestamp Authority (thử nghiệm)", organisation=organisation),
        issuing,
        key_type,
        [
            (x509.BasicConstraints(ca=False, path_length=None), True),
            (_key_usage(digital_signature=True, content_commitment=True), True),
            (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), True),
            *_revocation_urls(base_url, ISSUING),
        ],
        years=5,
    )
    responder = _issue_service(
        folder,
        "ocsp",
        person_name(f"{organisation} OCSP Responder (thử nghiệm)", organisation=organisation),
        issuing,
        key_type,
        [
            (x509.BasicConstraints(ca=False, path_length=None), True),
            (_key_usage(digital_signature=True), True),
            (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.OCSP_SIGNING]), False),
            (x509.OCSPNoCheck(), False),
        ],
        years=2,
    )
    state["authorities"][ROOT]["issued"].append(format(issuing.cert.serial_number, "x"))
    state["authorities"][ISSUING]["issued"] += [
        format(tsa.cert.serial_number, "x"),
        format(responder.cert.serial_number, "x"),
    ]
    write_public(folder / "pki.json", json.dumps(state, indent=2).encode())


def load_pki(folder: Path | str) -> LocalPki:
    """Open the PKI in `folder` (made earlier by `init_pki`)."""
    folder = Path(folder)
    state_path = folder / "pki.json"
    if not state_path.exists():
        raise PkiError(f"no PKI in {folder} (run init_pki / `motcua pki init` first)")
    return LocalPki(folder)


def init_pki(
    folder: Path | str,
    officers: Iterable[OfficerSpec] = (),
    *,
    base_url: str = DEFAULT_BASE_URL,
    organisation: str = "motcua",
    ca_key_type: str = "ec-p256",
) -> LocalPki:
    """Build the PKI in `folder`, or complete it: the CAs, TSA, OCSP responder and CRLs
    are made only if missing, and each officer only if its slug has no PKCS#12 file
    yet. Running it twice changes nothing."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / "pki.json").exists():
        _create(folder, base_url, organisation, ca_key_type)
    pki = load_pki(folder)
    pki.crls()
    for spec in officers:
        slug = spec.slug or slugify(spec.name)
        if (folder / "officers" / f"{slug}.p12").exists():
            continue
        pki.issue_officer(
            spec.name,
            spec.organisation,
            spec.passphrase,
            title=spec.title,
            unit=spec.unit,
            locality=spec.locality,
            province=spec.province,
            email=spec.email,
            personal_id=spec.personal_id,
            slug=slug,
            key_type=spec.key_type,
        )
    return pki
