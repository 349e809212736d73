from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, JSONType, UTCDateTime


class Event(Base):
    """Append-only, hash-chained per dossier: hash = sha256(prev_hash + canonical JSON)."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("dossier_id", "seq"),
        # who opened which dossier when: the leaders' "tasks not opened" asks it per task
        Index("ix_events_viewed", "dossier_id", "actor", "at",
              postgresql_where=text("type = 'viewed'"), sqlite_where=text("type = 'viewed'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(128))
    type: Mapped[str] = mapped_column(String(48), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
