"""Messages from outside a dossier (a partner agency's system, a citizen, another
dossier's throw event): correlated to the one dossier waiting for them and given to it
as an input, or kept for an administrator. A message is never lost. A message that
names no dossier and starts a procedure (a message start event) files a new dossier.
Signals go to every dossier waiting for them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import Conflict, InvalidInput, NotFound
from ..models import Dossier, Message, MessageWait, ProcedureVersion, utcnow
from ..procedures import forms
from ..procedures.procedures import load_version, version_starting_on
from .runner import PARTNER_CHANNEL, receive_event, submit

# what a sender may correlate on: the dossier's code, or the reference the waiting
# element names (its `correlationKey` property)
CORRELATION_KEYS = ("dossier_code", "reference")
# the note of a message that filed a new dossier
STARTED = "started a new dossier"
# where a starting message carries the application (checked against the start form)
APPLICATION = "application"


class ApplicationRefused(InvalidInput):
    """A starting message whose application does not satisfy the procedure's start form:
    nothing is created."""

    http_status = 422


def check(name: Any, correlation: Any, payload: Any) -> dict[str, list[str]]:
    """Why a message cannot be taken, by field (empty when it can)."""
    errors: dict[str, list[str]] = {}
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= 255:
        errors["name"] = ["the message's name: 1–255 characters"]
    if correlation is None:
        correlation = {}  # none: the message may start a dossier
    if (not isinstance(correlation, dict)
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
    """Take a message: deliver it to the dossier waiting for it, or keep it; one with no
    correlation keys files a new dossier of the procedure it starts (start_dossier). A
    message with a `key` already taken is that message (a retried send changes nothing,
    and never files a second dossier)."""
    errors = check(name, correlation, payload)
    if errors:
        raise InvalidInput("the message is not valid", errors)
    if key is not None and (known := _known(session, key)):
        return known
    at = at or utcnow()
    version = None
    if not correlation:
        version = version_starting_on(session, name.strip())
        if version is None:
            raise InvalidInput("the message is not valid", {"correlation": [
                f"no procedure starts on the message {name.strip()!r}: name the dossier by "
                f"{' and/or '.join(CORRELATION_KEYS)}"]})
        _check_application(session, version, payload, key)
    message = Message(name=name.strip(), correlation=correlation, payload=payload,
                      source=source[:160], key=key, status="uncorrelated", received_at=at)
    try:
        with session.begin_nested():
            session.add(message)
            session.flush()
    except IntegrityError:  # the same key, sent twice at once: the first one stands
        if key is not None and (known := _known(session, key)):
            return known
        raise
    if version is None:
        _deliver(session, message, at)
    else:
        start_dossier(session, message, version, at)
    return message


def _known(session: Session, key: str) -> Message | None:
    return session.scalar(select(Message).where(Message.key == key))


def _check_application(session: Session, version: ProcedureVersion, payload: dict[str, Any],
                       key: str | None) -> None:
    """The payload of a starting message carries the application as the procedure's
    start form asks, and a key that makes sending it again harmless."""
    if key is None:
        raise ApplicationRefused("a message that files a dossier needs a key", {"key": [
            "the sender's identifier of the message (sending it again files no second "
            "dossier)"]})
    application = payload.get(APPLICATION)
    if not isinstance(application, dict):
        raise ApplicationRefused("the message carries no application", {
            f"payload.{APPLICATION}": ["an object: the application, as the procedure's start "
                                       "form asks"]})
    procedure = load_version(session, version.id)
    try:
        forms.check(procedure.form_validator(procedure.settings["start_form"]), application)
    except InvalidInput as refused:
        raise ApplicationRefused(
            f"the application does not satisfy the start form of {procedure.code}",
            {f"payload.{APPLICATION}.{field}": reasons
             for field, reasons in refused.errors.items()}, procedure=procedure.code) from None


def start_dossier(session: Session, message: Message, version: ProcedureVersion,
                  at: datetime) -> Dossier:
    """File a new dossier on `version` for a message that starts it: the application it
    carries is submitted on the `partner` channel by its sender, then the message is
    given to the start event that waits for it (two inputs, recorded and replayed)."""
    dossier = submit(session, version.procedure.code, dict(message.payload[APPLICATION]),
                     actor=message.source, channel=PARTNER_CHANNEL, version_id=version.id,
                     at=at, start_message=message.name)
    wait = session.scalar(select(MessageWait).where(
        MessageWait.dossier_id == dossier.id, MessageWait.kind == "message",
        MessageWait.name == message.name, MessageWait.status == "waiting"))
    if wait is None:
        raise Conflict("the new dossier does not wait for the message that starts it",
                       dossier=dossier.code, event_name=message.name)
    receive_event(session, wait, message.payload, message.source, message.id, at)
    message.status, message.dossier_id, message.delivered_at = "delivered", dossier.id, at
    message.note = STARTED
    return dossier


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
                     at: datetime | None = None, key: str | None = None,
                     thrower: str | None = None) -> list[str]:
    """Give the signal to every dossier waiting for it, one input each; the codes of
    the dossiers that took it. A signal a dossier threw (`thrower`, its code) skips it,
    whose own waits caught it when it was thrown; with a `key` already taken (a retried
    side job) it reaches nobody again."""
    errors = check(name, {"dossier_code": "-"}, payload)
    if errors:
        raise InvalidInput("the signal is not valid", errors)
    at = at or utcnow()
    if key is not None:
        if _known(session, key):
            return []
        # the record that makes a retried broadcast harmless (delivered: never "kept")
        session.add(Message(name=name.strip(), correlation={}, payload=payload,
                            source=source[:160], key=key, status="delivered", received_at=at,
                            delivered_at=at, note="signal"))
        session.flush()
    waits = list(session.scalars(
        select(MessageWait).where(MessageWait.kind == "signal", MessageWait.name == name.strip(),
                                  MessageWait.status == "waiting").order_by(MessageWait.id)))
    skip = session.scalar(select(Dossier.id).where(Dossier.code == thrower)) if thrower else None
    reached: dict[int, str] = {}
    for wait in waits:
        # waiting at several places, it takes it once
        if wait.dossier_id not in reached and wait.dossier_id != skip:
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


# -- the applicant's own messages ----------------------------------------------------

WITHDRAWAL = "rut_ho_so"  # the message a diagram names to let the applicant withdraw
REASON_LIMIT = 1000


def awaits_message(session: Session, dossier: Dossier, name: str) -> bool:
    """Whether the dossier's workflow waits for the message `name` now."""
    return session.scalar(select(MessageWait.id).where(
        MessageWait.dossier_id == dossier.id, MessageWait.kind == "message",
        MessageWait.name == name, MessageWait.status == "waiting").limit(1)) is not None


def withdraw(session: Session, dossier: Dossier, reason: Any, *, actor: str,
             at: datetime | None = None) -> Message:
    """The applicant asks to withdraw the dossier: the message `rut_ho_so` with their
    reason (`ly_do`), given to the dossier like any message; its diagram decides what
    follows. Refused when the dossier does not wait for it."""
    text = reason.strip() if isinstance(reason, str) else ""
    if not 1 <= len(text) <= REASON_LIMIT:
        raise InvalidInput("the withdrawal needs a reason", {"reason": [
            f"the reason for withdrawing: 1–{REASON_LIMIT} characters"]})
    if not awaits_message(session, dossier, WITHDRAWAL):
        raise Conflict("the dossier cannot be withdrawn at this stage", dossier=dossier.code)
    message = receive(session, WITHDRAWAL, {"dossier_code": dossier.code}, {"ly_do": text},
                      source=actor, at=at)
    if message.status != "delivered":
        raise Conflict("the dossier cannot be withdrawn at this stage", dossier=dossier.code)
    return message
