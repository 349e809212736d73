"""The demo's own tables: the mailbox of its embedded SMTP server and the stand-in
national portal's receipts. They are not in the production schema (no migration makes
them): the demo, or an app in demo mode, creates them when they are missing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Integer, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from engine.models.base import NAMING, JSONType, UTCDateTime, utcnow


class DemoBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class DemoMail(DemoBase):
    """A message the demo's embedded SMTP server received (the raw message is a blob)."""

    __tablename__ = "demo_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    mail_from: Mapped[str] = mapped_column(String(300))
    recipients: Mapped[list[str]] = mapped_column(JSONType)
    subject: Mapped[str] = mapped_column(String(500))
    message_id: Mapped[str | None] = mapped_column(String(300))
    dossier_code: Mapped[str | None] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))


class DemoPortalReceipt(DemoBase):
    """A status update the demo's stand-in national portal received."""

    __tablename__ = "demo_portal_receipts"

    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    dossier_code: Mapped[str] = mapped_column(String(64), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    status_code: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict[str, Any]] = mapped_column(JSONType)


def create(engine: Engine) -> None:
    """Create the demo's tables where they are missing."""
    DemoBase.metadata.create_all(engine)
