"""Send a message at most once per job: a row keyed by the job's idempotency key
and the channel is written as `sending` (committed) before the message
leaves, and `sent` (committed) after the channel accepted it.

- A retried job whose message is recorded `sent` sends nothing and returns the
  recorded receipt.
- The crash window: if the process dies after the server accepted the message
  but before `sent` was committed, the row still says `sending` and the retry
  sends again. We chose at-least-once over at-most-once there (a lost notice
  is worse than a repeated one), and the copy carries the same Message-ID so
  that mail programs can tell it is the same message.
- A recipient refused for good is recorded `refused` and never tried again.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from engine.db import transaction
from engine.models import SentMessage, utcnow
from engine.procedures.operators import RetryableError

from .channels import Channel, Message, RecipientRefused


def _row(session: Session, key: str, channel: str) -> SentMessage | None:
    return session.scalar(select(SentMessage).where(SentMessage.idempotency_key == key,
                                                    SentMessage.channel == channel))


def send_once(sessions: sessionmaker[Session] | None, channel: Channel, message: Message, *,
              key: str, template: str, dossier_id: int | None) -> dict[str, Any]:
    """Send `message` through `channel` unless this key already sent it.
    Returns the receipt as a dict with `status` (sent | refused) and
    `duplicate` (True when nothing was sent now)."""
    if sessions is None:  # no database at hand (a handler called on its own)
        return _send(channel, message)
    with transaction(sessions) as session:
        row = _row(session, key, channel.name)
        if row is not None and row.status in ("sent", "refused"):
            return {**(row.receipt or {}), "status": row.status, "duplicate": True,
                    "message_id": row.message_id}
        if row is None:
            session.add(SentMessage(
                idempotency_key=key, channel=channel.name, dossier_id=dossier_id,
                template=template, recipients=list(message.to), subject=message.subject[:300],
                message_id=message.message_id, status="sending", attempts=0, created_at=utcnow()))
            try:
                session.flush()
            except IntegrityError as exc:  # another worker holds the same job's message
                raise RetryableError(f"message {key} is being sent by another worker") from exc
    try:
        receipt = _send(channel, message)
    except RetryableError:
        _finish(sessions, key, channel.name, "sending", None)
        raise
    _finish(sessions, key, channel.name, receipt["status"], receipt)
    return {**receipt, "duplicate": False}


def _send(channel: Channel, message: Message) -> dict[str, Any]:
    try:
        receipt = channel.send(message)
    except RecipientRefused as refused:
        return {"channel": channel.name, "accepted": [], "refused": refused.refused,
                "status": "refused", "message_id": message.message_id}
    return {**receipt.as_dict(), "status": "sent", "message_id": message.message_id}


def _finish(sessions: sessionmaker[Session], key: str, channel: str, status: str,
            receipt: dict[str, Any] | None) -> None:
    with transaction(sessions) as session:
        row = _row(session, key, channel)
        if row is None:
            return
        row.attempts += 1
        row.status = status
        if receipt is not None:
            row.receipt = receipt
            row.sent_at = utcnow() if status == "sent" else None
