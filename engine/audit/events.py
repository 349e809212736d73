"""The per-dossier event log: append-only, each event hashed over its
predecessor's hash and its own canonical JSON."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ..models import Dossier, Event
from .event_types import INPUT_TYPES as INPUT_TYPES  # replay reads them here
from .event_types import MACHINE_TYPES as MACHINE_TYPES

GENESIS = "0" * 64


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def event_body(dossier_code: str, seq: int, at: datetime, actor: str, type_: str,
               payload: dict[str, Any]) -> str:
    """What an event's hash covers, after its predecessor's hash."""
    return canonical_json({
        "dossier": dossier_code, "seq": seq, "at": at.isoformat(), "actor": actor,
        "type": type_, "payload": payload,
    })


def event_hash(prev_hash: str, dossier_code: str, seq: int, at: datetime, actor: str,
               type_: str, payload: dict[str, Any]) -> str:
    body = event_body(dossier_code, seq, at, actor, type_, payload)
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def append(session: Session, dossier: Dossier, type_: str, payload: dict[str, Any],
           actor: str, at: datetime) -> None:
    """Append one event; the caller holds the dossier's lock."""
    append_many(session, dossier, [(type_, payload, actor, at)])


def append_many(session: Session, dossier: Dossier,
                items: list[tuple[str, dict[str, Any], str, datetime]]) -> None:
    """Append events in order with one INSERT; the caller holds the dossier's lock."""
    rows = []
    seq, prev = dossier.last_event_seq, dossier.last_event_hash or GENESIS
    for type_, payload, actor, at in items:
        payload = json.loads(canonical_json(payload))  # what is hashed is what is stored
        seq += 1
        digest = event_hash(prev, dossier.code, seq, at, actor, type_, payload)
        rows.append({"dossier_id": dossier.id, "seq": seq, "at": at, "actor": actor,
                     "type": type_, "payload": payload, "prev_hash": prev, "hash": digest})
        prev = digest
    if rows:
        session.execute(insert(Event), rows)
        dossier.last_event_seq, dossier.last_event_hash = seq, prev


def history(session: Session, dossier_id: int) -> list[Event]:
    return list(session.scalars(select(Event).where(Event.dossier_id == dossier_id).order_by(Event.seq)))


@dataclass(frozen=True)
class ChainReport:
    dossier_code: str
    events: int
    ok: bool
    first_bad_seq: int | None = None
    reason: str | None = None

    def __str__(self) -> str:
        if self.ok:
            return f"{self.dossier_code}: chain intact ({self.events} events)"
        return f"{self.dossier_code}: BROKEN at event {self.first_bad_seq}: {self.reason}"


def verify_chain(session: Session, dossier: Dossier) -> ChainReport:
    """Recompute every hash; name the first event that is edited, missing or out of order."""
    events = history(session, dossier.id)
    prev = GENESIS
    for expected_seq, event in enumerate(events, start=1):
        if event.seq != expected_seq:
            return ChainReport(dossier.code, len(events), False, expected_seq,
                               f"event {expected_seq} is missing (found {event.seq} next)")
        if event.prev_hash != prev:
            return ChainReport(dossier.code, len(events), False, event.seq,
                               "does not link to the previous event's hash")
        digest = event_hash(prev, dossier.code, event.seq, event.at, event.actor, event.type,
                            event.payload)
        if digest != event.hash:
            return ChainReport(dossier.code, len(events), False, event.seq,
                               "content does not match its hash (edited)")
        prev = event.hash
    if len(events) != dossier.last_event_seq or prev != (dossier.last_event_hash or GENESIS):
        return ChainReport(dossier.code, len(events), False, len(events) + 1,
                           f"log ends at event {len(events)} but the dossier records "
                           f"{dossier.last_event_seq} (events removed)")
    return ChainReport(dossier.code, len(events), True)
