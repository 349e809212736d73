"""Messages from outside a dossier (a partner agency's system, a citizen, another
dossier's throw event): correlated to the one dossier waiting for them and given to it
as an input, or kept for an administrator. A message is never lost. Signals go to
every dossier waiting for them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..errors import Conflict, InvalidInput, NotFound
from ..models import Dossier, Message, MessageWait, utcnow
from .runner import receive_event

# what a sender may correlate on: the dossier's code, or the reference the waiting
# element names (its `correlationKey` property)
CORRELATION_KEYS = ("dossier_code", "reference")


def check(name: Any, correlation: Any, payload: Any) -> dict[str, list[str]]:
    """Why a message cannot be taken, by field (empty when it can)."""
    errors: dict[str, list[str]] = {}
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= 255:
        errors["name"] = ["the message's name: 1–255 characters"]
    if (not isinstance(correlation, dict) or not correlation
            or set(correlation) - set(CORRELATION_KEYS)
            or not all(isinstance(v, str) and 0 < len(v.strip()) <= 255
                       for v in correlation.values())):
        errors["correlation"] = [f"an object with {' and/or '.join(CORRELATION_KEYS)} "
                                 "(non-empty strings)"]
    if not isinstance(payload, dict):
        errors["payload"] = ["an object"]
    return errors


def receive(session: Session, name: str, correlation: dict[str, str], payload: dict[str, Any],
            *, source: str, at: datetime | None = None, key: str | None = None) -> Message:
    """Take a message: deliver it to the dossier waiting for it, or keep it. A message
    with a `key` already taken is that message (a retried send changes nothing)."""
    errors = check(name, correlation, payload)
    if errors:
        raise InvalidInput("the message is not valid", errors)
    if key is not None and (known := session.scalar(select(Message).where(Message.key == key))):
        return known
    at = at or utcnow()
    message = Message(name=name.strip(), correlation=correlation, payload=payload,
                      source=source[:160], key=key, status="uncorrelated", received_at=at)
    session.add(message)
    session.flush()
    _deliver(session, message, at)
    return message


def correlation_of(payload: dict[str, Any]) -> dict[str, str]:
    """The keys a thrown message names its dossier by, taken from its payload."""
    return {key: str(payload[key]) for key in CORRELATION_KEYS if payload.get(key)}


def redeliver(session: Session, message_id: int, at: datetime | None = None) -> Message:
    """Try a kept message again (a dossier may have started waiting for it since)."""
    message = session.get(Message, message_id)
    if message is None:
        raise NotFound("message not found", message_id=message_id)
    if message.status == "delivered":
        raise Conflict("the message was already delivered", message_id=message_id)
    _deliver(session, message, at or utcnow())
    return message


def kept(session: Session) -> list[Message]:
    """Messages no single dossier was waiting for, newest first."""
    return list(session.scalars(select(Message).where(Message.status != "delivered")
                                .order_by(Message.id.desc())))


def broadcast_signal(session: Session, name: str, payload: dict[str, Any], *, source: str,
                     at: datetime | None = None) -> list[str]:
    """Give the signal to every dossier waiting for it, one input each; the codes of
    the dossiers that took it."""
    errors = check(name, {"dossier_code": "-"}, payload)
    if errors:
        raise InvalidInput("the signal is not valid", errors)
    at = at or utcnow()
    waits = list(session.scalars(
        select(MessageWait).where(MessageWait.kind == "signal", MessageWait.name == name.strip(),
                                  MessageWait.status == "waiting").order_by(MessageWait.id)))
    reached: dict[int, str] = {}
    for wait in waits:
        if wait.dossier_id not in reached:  # waiting at several places, it takes it once
            reached[wait.dossier_id] = receive_event(session, wait, payload, source, None,
                                                     at).code
    return list(reached.values())


def _deliver(session: Session, message: Message, at: datetime) -> None:
    waits = _waiting_for(session, message.name, message.correlation)
    dossiers = {wait.dossier_id for wait in waits}
    if len(dossiers) != 1:
        message.status = "ambiguous" if dossiers else "uncorrelated"
        message.note = (f"{len(dossiers)} dossiers wait for it" if dossiers
                        else "no dossier waits for this message with these keys")
        return
    try:
        with session.begin_nested():
            dossier = receive_event(session, waits[0], message.payload, message.source,
                                    message.id, at)
    except Conflict as late:  # a timer of the dossier went first
        message.status = "uncorrelated"
        message.note = f"the dossier no longer waited for it when it arrived: {late.message}"
        return
    message.status, message.dossier_id, message.delivered_at = "delivered", dossier.id, at
    message.note = None


def _waiting_for(session: Session, name: str, correlation: dict[str, str]) -> list[MessageWait]:
    query = (select(MessageWait).join(Dossier, Dossier.id == MessageWait.dossier_id)
             .where(MessageWait.kind == "message", MessageWait.name == name,
                    MessageWait.status == "waiting")
             .order_by(MessageWait.id))
    code = correlation.get("dossier_code")
    if code:
        query = query.where(func.upper(Dossier.code) == code.strip().upper())
    reference = correlation.get("reference")
    if reference:
        query = query.where(MessageWait.reference == reference.strip())
    return list(session.scalars(query))
