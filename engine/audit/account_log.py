"""The account log: every change to who may act (accounts, roles, deactivation, API
tokens, delegations), with who made it, in one append-only hash chain. The event log
of a dossier says who signed; this says why that person could."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from ..db import is_postgres
from ..models import AccountEvent, utcnow
from .events import GENESIS, canonical_json

# appends take this PostgreSQL advisory lock so the chain never forks; SQLite's
# BEGIN IMMEDIATE already lets one writer in at a time
CHAIN_LOCK = 72_430_001


def _digest(prev: str, at: datetime, actor: str, action: str, target: str,
            details: dict[str, Any]) -> str:
    body = canonical_json({"at": at.isoformat(), "actor": actor, "action": action,
                           "target": target, "details": details})
    return hashlib.sha256((prev + body).encode()).hexdigest()


def record(session: Session, action: str, target: str, details: dict[str, Any],
           actor: str | None, at: datetime | None = None) -> AccountEvent:
    if is_postgres(session):
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK})
    prev = session.scalar(select(AccountEvent.hash).order_by(AccountEvent.id.desc()).limit(1))
    at = at or utcnow()
    actor = actor or "system"
    details = json.loads(canonical_json(details))  # what is hashed is what is stored
    row = AccountEvent(at=at, actor=actor, action=action, target=target, details=details,
                       prev_hash=prev or GENESIS,
                       hash=_digest(prev or GENESIS, at, actor, action, target, details))
    session.add(row)
    session.flush()
    return row


def entries(session: Session, target: str | None = None, limit: int = 200,
            offset: int = 0) -> list[AccountEvent]:
    query = select(AccountEvent).order_by(AccountEvent.id.desc()).limit(limit).offset(offset)
    if target:
        query = query.where(AccountEvent.target == target)
    return list(session.scalars(query))


@dataclass(frozen=True)
class LogCheck:
    ok: bool
    events: int
    first_bad_id: int | None = None
    reason: str | None = None


def verify_log(session: Session) -> LogCheck:
    """Recompute the chain; name the first row edited or out of the chain."""
    prev, count = GENESIS, 0
    for row in session.scalars(select(AccountEvent).order_by(AccountEvent.id)):
        count += 1
        if row.prev_hash != prev:
            return LogCheck(False, count, row.id, "does not link to the row before it "
                                                  "(a row removed or inserted)")
        if _digest(prev, row.at, row.actor, row.action, row.target, row.details) != row.hash:
            return LogCheck(False, count, row.id, "its content was edited")
        prev = row.hash
    return LogCheck(True, count)
