from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, JSONType, UTCDateTime, utcnow


class MessageWait(Base):
    """A BPMN message or signal a dossier's workflow waits for (a catch event, receive
    task, boundary event or event-based gateway branch). `reference` is what a message's
    sender may correlate on besides the dossier's code: the value the element names with
    its `correlationKey` property, read from the dossier's data when the wait began. A
    signal goes to every dossier waiting for it."""

    __tablename__ = "message_waits"
    __table_args__ = (Index("ix_message_waits_name", "name", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    workflow_task_id: Mapped[str] = mapped_column(String(36))
    element_id: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16), default="message")  # message | signal
    name: Mapped[str] = mapped_column(String(255))
    reference: Mapped[str | None] = mapped_column(String(255), index=True)
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    # waiting | received | cancelled
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Message(Base):
    """A message that reached motcua (a partner agency's system, a citizen, another
    dossier's throw event). Delivered to the one dossier waiting for it, or kept
    (`uncorrelated`: no dossier waits; `ambiguous`: several do) for an administrator."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255), index=True)
    correlation: Mapped[dict[str, Any]] = mapped_column(JSONType)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    source: Mapped[str] = mapped_column(String(160))
    # a message another dossier threw: the job that carries it, so a retry is one message
    key: Mapped[str | None] = mapped_column(String(160), unique=True)
    status: Mapped[str] = mapped_column(String(16))  # delivered | uncorrelated | ambiguous
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id"), index=True)
    note: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
