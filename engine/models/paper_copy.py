from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime


class PaperCopy(Base):
    """Official paper copies (bản giấy) printed at the desk from a dossier's signed
    electronic result: who printed how many, for whom, when, and the fee they cost."""

    __tablename__ = "paper_copies"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    document_sha256: Mapped[str] = mapped_column(String(64))  # the signed result printed
    document_number: Mapped[str | None] = mapped_column(String(100))  # "Số:" of the result
    copies: Mapped[int] = mapped_column(Integer)
    recipient: Mapped[str] = mapped_column(String(200))  # for whom
    printed_by: Mapped[str] = mapped_column(String(128))
    printed_by_name: Mapped[str] = mapped_column(String(200))
    printed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    fee_per_copy: Mapped[int] = mapped_column(Integer, default=0)  # VND
    fee_total: Mapped[int] = mapped_column(Integer, default=0)  # VND
