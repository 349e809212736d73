"""Officers' signing keys in the local PKI (`motcua pki init`, `motcua pki issue`), and
the check behind "sign and approve": the passphrase must open the officer's key."""

from __future__ import annotations

import re
from pathlib import Path

from cryptography import x509
from cryptography.x509.oid import NameOID

from connectors.key_files import key_file
from connectors.organisation_keys import officer_key
from engine import config
from engine.models import User
from signing import LocalPki, init_pki, load_pkcs12, load_pki
from signing.certs import name_part


class NoSigningKey(LookupError):
    """The officer has no key file in the PKI."""


def key_path(username: str) -> Path:
    return key_file(username)


def key_slug(username: str, agency: str | None = None) -> str:
    """Whose key file: the officer's own, or theirs for one more agency they sign for."""
    return f"{username}@{agency.lower()}" if agency else username


def has_key(username: str, agency: str | None = None) -> bool:
    return key_path(key_slug(username, agency)).exists()


def init(organisation: str = "motcua") -> LocalPki:
    """Create (or complete) the development PKI; its services are served at /pki."""
    return init_pki(config.pki_dir(), base_url=f"{config.public_url()}/pki",
                    organisation=organisation)


def display_name(user: User) -> str:
    """The name for a certificate: the full name without a '(role)' note."""
    return re.sub(r"\s*\([^)]*\)\s*$", "", user.full_name).strip() or user.username


def issue(user: User, passphrase: str, organisation: str, title: str | None = None,
          agency: str | None = None) -> Path:
    """Issue `user` a certificate of `organisation` and an encrypted PKCS#12 key (once: an
    existing key stays). With `agency` (its code), the key with which the officer signs
    that agency's results when they serve more than one."""
    slug = key_slug(user.username, agency)
    if not key_path(slug).exists():
        pki = load_pki(config.pki_dir())
        pki.issue_officer(display_name(user), organisation, passphrase, slug=slug,
                          title=title, email=user.email)
    return key_path(slug)


def unlock(username: str, passphrase: str, agency: str) -> x509.Certificate:
    """The certificate with which the officer signs `agency`'s results (its code) if
    `passphrase` opens the key; raises NoSigningKey or signing.WrongPassphrase."""
    path = officer_key(username, agency)
    if not path.exists():
        raise NoSigningKey(username)
    return load_pkcs12(path, passphrase).certificate


def organisation(cert: x509.Certificate) -> str | None:
    """The organisation (O) a certificate is issued to."""
    return name_part(cert.subject, NameOID.ORGANIZATION_NAME)


def revoked(cert: x509.Certificate) -> bool:
    """Whether the local PKI has revoked `cert`."""
    return load_pki(config.pki_dir()).revocation_of(cert) is not None
