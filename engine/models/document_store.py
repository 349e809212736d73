from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, JSONType, UTCDateTime, utcnow


class StoredDocument(Base):
    """A file in a citizen's document store (kho dữ liệu): a result an agency issued to
    them (origin 'issued') or a file they uploaded with an application ('uploaded').
    The bytes are the blob named `sha256`; reusing the item attaches that same blob."""

    __tablename__ = "stored_documents"
    __table_args__ = (UniqueConstraint("owner", "origin", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(128), index=True)
    origin: Mapped[str] = mapped_column(String(16))  # issued | uploaded
    kind: Mapped[str | None] = mapped_column(String(64))  # the document kind key, when known
    name: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id"), index=True)
    number: Mapped[str | None] = mapped_column(String(100))  # số văn bản of an issued result
    # an issued result's signature as recorded when it was signed: signer_fingerprint,
    # signer_name, signed_at, and the issuing agency's name
    signature: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
