"""An officer's consent to one signature: the key's passphrase, encrypted with the
server's key-encryption key, valid for a short time and taken once by result.sign."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, JSONType, UTCDateTime, utcnow


class SigningGrant(Base):
    __tablename__ = "signing_grants"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    username: Mapped[str] = mapped_column(String(128))
    task_element: Mapped[str] = mapped_column(String(128))
    sealed_passphrase: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the job that used it and what it produced: a retried job gets the same signature back
    used_by: Mapped[str | None] = mapped_column(String(128))
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
