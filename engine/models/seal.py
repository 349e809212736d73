from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime


class AuditSeal(Base):
    """A day's seal over the event logs: the Merkle root of the chain head of every
    dossier whose log grew since the last seal, with a timestamp authority's token
    over that root. Someone able to rewrite the database cannot make a token for an
    old day, so a log rewritten after it was sealed no longer matches."""

    __tablename__ = "audit_seals"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)  # one per office day, whichever worker
    sealed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    leaves: Mapped[int] = mapped_column(Integer)
    root: Mapped[str] = mapped_column(String(64))
    token: Mapped[bytes] = mapped_column(LargeBinary)  # DER RFC 3161 TimeStampToken over root
    tsa: Mapped[str] = mapped_column(String(300))
    # the account log's head when it grew since the previous seal: its last row's id and
    # hash, the tree's last leaf (code "account-log")
    account_seq: Mapped[int | None] = mapped_column(Integer)
    account_head: Mapped[str | None] = mapped_column(String(64))


class SealLeaf(Base):
    """One dossier's chain head as a seal took it."""

    __tablename__ = "seal_leaves"

    id: Mapped[int] = mapped_column(primary_key=True)
    seal_id: Mapped[int] = mapped_column(ForeignKey("audit_seals.id"), index=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    dossier_code: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(Integer)
    head: Mapped[str] = mapped_column(String(64))
