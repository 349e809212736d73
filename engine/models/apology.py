from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime


class ApologySlip(Base):
    """Phiếu xin lỗi và hẹn lại ngày trả kết quả: why the dossier is late and
    the new appointment date an officer promised."""

    __tablename__ = "apology_slips"
    __table_args__ = (UniqueConstraint("dossier_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, ... per dossier
    reason: Mapped[str] = mapped_column(Text)
    previous_appointment: Mapped[date | None] = mapped_column(Date)
    new_appointment: Mapped[date] = mapped_column(Date)
    issued_by: Mapped[str] = mapped_column(String(128))
    issued_by_name: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"))


class LateMark(Base):
    """An officer's finding that a dossier will miss its appointment date before
    it has: the dossier counts as overdue until an apology slip answers it."""

    __tablename__ = "late_marks"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    marked_by: Mapped[str] = mapped_column(String(128))
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    slip_id: Mapped[int | None] = mapped_column(ForeignKey("apology_slips.id"))
