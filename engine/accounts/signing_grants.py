"""Consent to sign. When an officer approves with "sign and approve", the web layer checks
the passphrase against the officer's key, then `grant` seals it (Fernet: AES-128-CBC with
HMAC-SHA256) under a key-encryption key that lives outside the database; result.sign
`take`s it once. The passphrase is never stored in plain text, and an unused grant
expires."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import config
from ..models import Dossier, SigningGrant, utcnow

GRANT_LIFETIME = timedelta(hours=24)


class GrantMissing(LookupError):
    """No unused, unexpired consent to sign for this dossier and officer."""


def _kek_path() -> Path:
    return config.instance_dir() / "signing_kek"


def _fernet() -> Fernet:
    key = config.current().signing_kek
    if not key:
        path = _kek_path()
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(Fernet.generate_key())
        key = path.read_text().strip()
    return Fernet(key.encode() if isinstance(key, str) else key)


def seal(secret: str) -> bytes:
    """`secret` encrypted under the key-encryption key."""
    return _fernet().encrypt(secret.encode("utf-8"))


def unseal(token: bytes) -> str:
    """The secret `seal` encrypted; raises cryptography's InvalidToken under another key."""
    return _fernet().decrypt(token).decode("utf-8")


def grant(session: Session, dossier: Dossier, username: str, task_element: str,
          passphrase: str, now: datetime | None = None) -> SigningGrant:
    """Record `username`'s consent to sign `dossier`'s result; earlier unused grants of
    the same officer for the dossier are withdrawn."""
    now = now or utcnow()
    for old in session.scalars(select(SigningGrant).where(
            SigningGrant.dossier_id == dossier.id, SigningGrant.username == username,
            SigningGrant.used_at.is_(None))):
        old.used_at, old.sealed_passphrase = now, b""
    row = SigningGrant(dossier_id=dossier.id, username=username, task_element=task_element,
                       sealed_passphrase=seal(passphrase),
                       created_at=now, expires_at=now + GRANT_LIFETIME)
    session.add(row)
    session.flush()
    return row


def open_grant(session: Session, dossier_id: int, username: str, job_key: str,
               now: datetime | None = None) -> tuple[str | None, dict[str, Any] | None]:
    """(passphrase, None) from the officer's live grant for the dossier, or (None, result)
    when job `job_key` already signed with it (a retried job returns the same result)."""
    now = now or utcnow()
    used = session.scalars(select(SigningGrant).where(
        SigningGrant.dossier_id == dossier_id, SigningGrant.used_by == job_key)).first()
    if used is not None and used.result is not None:
        return None, used.result
    row = session.scalars(select(SigningGrant).where(
        SigningGrant.dossier_id == dossier_id, SigningGrant.username == username,
        SigningGrant.used_at.is_(None), SigningGrant.expires_at > now,
    ).order_by(SigningGrant.id.desc())).first()
    if row is None:
        raise GrantMissing(f"{username} has not given consent to sign this dossier's result "
                           "(or it expired)")
    try:
        return unseal(row.sealed_passphrase), None
    except InvalidToken as exc:
        raise GrantMissing("the consent cannot be opened with this server's key") from exc


def close_grant(session: Session, dossier_id: int, username: str, job_key: str,
                result: dict[str, Any], now: datetime | None = None) -> None:
    """The signature is made: forget the sealed passphrase, remember the result."""
    now = now or utcnow()
    row = session.scalars(select(SigningGrant).where(
        SigningGrant.dossier_id == dossier_id, SigningGrant.username == username,
        SigningGrant.used_at.is_(None)).order_by(SigningGrant.id.desc())).first()
    if row is not None:
        row.used_at, row.used_by, row.result, row.sealed_passphrase = now, job_key, result, b""
