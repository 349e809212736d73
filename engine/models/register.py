from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime


class RegisterCounter(Base):
    """The last number given in one register (sổ) of one agency in one year."""

    __tablename__ = "register_counters"
    __table_args__ = (UniqueConstraint("agency", "register", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency: Mapped[str] = mapped_column(String(64))
    register: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    last: Mapped[int] = mapped_column(Integer, default=0)


class RegisterEntry(Base):
    """A number given to a dossier's result document. A dossier holds at most one
    number per register, so a retried or repeated rendering keeps it."""

    __tablename__ = "register_entries"
    __table_args__ = (
        UniqueConstraint("agency", "register", "year", "number"),
        UniqueConstraint("dossier_id", "register"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency: Mapped[str] = mapped_column(String(64))
    register: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(100))  # as printed after "Số:"
    book: Mapped[str | None] = mapped_column(String(100))  # "Quyển số", when the register has books
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    procedure_code: Mapped[str] = mapped_column(String(64))
    issued_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
