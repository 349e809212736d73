from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, JSONType, UTCDateTime


class AccountEvent(Base):
    """Something done to an account that decides who may act: an account made, roles
    changed, deactivated or reactivated, unlocked, an API token issued or revoked, a
    delegation given or ended. Append-only; each row carries the hash of its content
    and of the row before it, so an edited or removed row is found."""

    __tablename__ = "account_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(128))  # who did it ("system" for the CLI)
    action: Mapped[str] = mapped_column(String(48), index=True)
    target: Mapped[str] = mapped_column(String(128), index=True)  # the username concerned
    details: Mapped[dict[str, Any]] = mapped_column(JSONType)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
