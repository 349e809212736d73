"""An agency's own signing key (chữ ký số của cơ quan, tổ chức). Decree 30/2020 has an
issued electronic document carry two signatures: the competent person's, then the
organisation's, whose stamp names the organisation and the signing time.

No person is present when the organisation signs a result, so the key's passphrase is
random and kept sealed under the server's key-encryption key (engine.signing_grants)
beside the PKCS#12 file: `<pki>/officers/coquan-<agency>.p12` and `.sealed`. A
production agency keeps this key on an HSM instead."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from cryptography.fernet import InvalidToken

from engine import config
from engine.signing_grants import seal, unseal
from signing import KeyPairSigner, load_pkcs12, load_pki

from .key_files import key_file


class OrganisationKeyMissing(LookupError):
    """The agency has no key, or its passphrase cannot be opened here."""


def slug(agency: str) -> str:
    return f"coquan-{agency.lower()}"


def key_path(agency: str) -> Path:
    return key_file(slug(agency))


def _sealed_path(agency: str) -> Path:
    return key_path(agency).with_suffix(".sealed")


def has_key(agency: str) -> bool:
    return key_path(agency).exists() and _sealed_path(agency).exists()


def issue(agency: str, name: str) -> Path:
    """Issue `agency` (its code, e.g. UBND-PHK) a certificate in its full `name`, once."""
    if has_key(agency):
        return key_path(agency)
    passphrase = secrets.token_urlsafe(24)
    # a key file without its sealed passphrase (cut off mid-issue) is replaced
    load_pki(config.pki_dir()).issue_officer(name, name, passphrase, slug=slug(agency),
                                             key_type="ec-p256",
                                             replace=key_path(agency).exists())
    fd = os.open(_sealed_path(agency), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(seal(passphrase))
    return key_path(agency)


def open_signer(agency: str) -> KeyPairSigner:
    if not has_key(agency):
        raise OrganisationKeyMissing(
            f"{agency} has no organisation signing key (motcua pki organisation {agency} …)")
    try:
        passphrase = unseal(_sealed_path(agency).read_bytes())
    except InvalidToken as exc:
        raise OrganisationKeyMissing(
            f"{agency}'s key passphrase is sealed under another server key") from exc
    return load_pkcs12(key_path(agency), passphrase)
