"""An agency's own signing key (chữ ký số của cơ quan, tổ chức). Decree 30/2020 has an
issued electronic document carry two signatures: the competent person's, then the
organisation's, whose stamp names the organisation and the signing time.

No person is present when the organisation signs a result, so the key's passphrase is
random and kept sealed under the server's key-encryption key (engine.accounts.signing_grants)
beside the PKCS#12 file: `<pki>/officers/coquan-<agency>.p12` and `.sealed`.

A production agency keeps its key on a PKCS#11 token or HSM instead (`use_token`): then
`<pki>/officers/coquan-<agency>.pkcs11.json` names the module, token and key, with the
user PIN sealed the same way, and the key never leaves the token."""

from __future__ import annotations

import base64
import json
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cryptography.fernet import InvalidToken
from pyhanko.sign.signers import Signer

from engine import config
from engine.accounts.signing_grants import seal, unseal
from signing import load_pkcs12, load_pki, open_pkcs11_signer

from .key_files import key_file


class OrganisationKeyMissing(LookupError):
    """The agency has no key, or its passphrase cannot be opened here."""


def slug(agency: str) -> str:
    return f"coquan-{agency.lower()}"


def officer_key(username: str, agency: str) -> Path:
    """The key with which `username` signs `agency`'s results: an officer who serves
    several agencies holds a certificate for each, `<username>@<agency>.p12`; otherwise
    their one key, `<username>.p12`."""
    own = key_file(f"{username}@{agency.lower()}")
    return own if own.exists() else key_file(username)


def key_path(agency: str) -> Path:
    return key_file(slug(agency))


def _sealed_path(agency: str) -> Path:
    return key_path(agency).with_suffix(".sealed")


def token_path(agency: str) -> Path:
    return key_path(agency).with_suffix(".pkcs11.json")


def has_key(agency: str) -> bool:
    return token_path(agency).exists() or (
        key_path(agency).exists() and _sealed_path(agency).exists())


def use_token(agency: str, module: str, token_label: str, key_label: str, pin: str) -> Path:
    """Sign as `agency` with the key `key_label` on the PKCS#11 token `token_label`
    (library `module`) from now on; the PIN is kept sealed, never in clear."""
    record = {"module": module, "token": token_label, "key": key_label,
              "pin": base64.b64encode(seal(pin)).decode()}
    path = token_path(agency)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(record, out)
    return path


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


@contextmanager
def open_signer(agency: str) -> Iterator[Signer]:
    """The agency's signer for the `with` block: on its token when it has one (the
    session closes afterwards), else from its PKCS#12 file."""
    if not has_key(agency):
        raise OrganisationKeyMissing(
            f"{agency} has no organisation signing key (motcua pki organisation {agency} …)")
    token = token_path(agency)
    if not token.exists():
        yield load_pkcs12(key_path(agency), _unsealed(agency, _sealed_path(agency).read_bytes()))
        return
    record = json.loads(token.read_text(encoding="utf-8"))
    with open_pkcs11_signer(record["module"],
                            pin=_unsealed(agency, base64.b64decode(record["pin"])),
                            token_label=record["token"], key_label=record["key"],
                            chain=load_pki(config.pki_dir()).chain) as signer:
        yield signer


def _unsealed(agency: str, sealed: bytes) -> str:
    try:
        return unseal(sealed)
    except InvalidToken as exc:
        raise OrganisationKeyMissing(
            f"{agency}'s key secret is sealed under another server key") from exc
