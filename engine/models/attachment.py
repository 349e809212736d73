from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, JSONType, UTCDateTime, utcnow


class Attachment(Base):
    """A file a person uploaded, stored by sha256; belongs to a draft, then its dossier."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id"), index=True)
    draft_id: Mapped[int | None] = mapped_column(ForeignKey("drafts.id"), index=True)
    document_code: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(16), default="application")  # application|supplement
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[str] = mapped_column(String(128))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # a PDF's signatures as checked on upload (signing.signed_files.FileVerdict.as_dict);
    # None for an image, or a file stored before files were checked
    signature_check: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    # attached from the applicant's document store: what the item was and, for an issued
    # result, the check made at attach time (engine.documents.store.reuse)
    reused: Mapped[dict[str, Any] | None] = mapped_column(JSONType)


class Draft(Base):
    """An application being prepared; submitting it creates exactly one dossier."""

    __tablename__ = "drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(128), index=True)
    procedure_code: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16), default="online")
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id"))


class Rating(Base):
    """The applicant's satisfaction once the result is returned."""

    __tablename__ = "ratings"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), unique=True)
    score: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
