from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, JSONType, UTCDateTime, utcnow
from .procedure import ProcedureVersion


class Dossier(Base):
    __tablename__ = "dossiers"
    __table_args__ = (
        Index("ix_dossiers_status_due", "status", "appointment_date"),
        # the leaders' dashboard and the monthly report count by these (migration 0019)
        Index("ix_dossiers_received_at", "received_at"),
        Index("ix_dossiers_finished_at", "finished_at"),
        Index("ix_dossiers_applicant", "applicant_user", "submitted_at", "id"),  # my dossiers
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    procedure_version_id: Mapped[int] = mapped_column(ForeignKey("procedure_versions.id"))
    status: Mapped[str] = mapped_column(String(32), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    agency: Mapped[str] = mapped_column(String(64))
    applicant_name: Mapped[str | None] = mapped_column(String(200))
    applicant_id_number: Mapped[str | None] = mapped_column(String(32), index=True)
    applicant_phone: Mapped[str | None] = mapped_column(String(32))
    applicant_user: Mapped[str | None] = mapped_column(String(128))
    application: Mapped[dict[str, Any]] = mapped_column(JSONType)
    fee_amount: Mapped[int] = mapped_column(Integer, default=0)

    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    appointment_date: Mapped[date | None] = mapped_column(Date)
    paused_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_working_days: Mapped[int] = mapped_column(Integer, default=0)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # SpiffWorkflow's serialization (without the process spec, which belongs
    # to the version) and the serializer version that wrote it.
    state: Mapped[str] = mapped_column(Text)
    serializer_version: Mapped[str] = mapped_column(String(16))
    # Optimistic concurrency: every write bumps it; a stale writer fails.
    revision: Mapped[int] = mapped_column(Integer, default=1)
    last_event_seq: Mapped[int] = mapped_column(Integer, default=0)
    last_event_hash: Mapped[str] = mapped_column(String(64), default="")

    procedure_version: Mapped[ProcedureVersion] = relationship()

    __mapper_args__ = {"version_id_col": revision}

    def is_overdue(self, today: date) -> bool:
        """Overdue is a flag, not a status: past the appointment date and not finished."""
        return (
            self.appointment_date is not None
            and self.finished_at is None
            and self.paused_since is None
            and today > self.appointment_date
        )


class DossierCodeCounter(Base):
    """Daily sequence per receiving agency, for `<agency>-<yymmdd>-<nnnn>`."""

    __tablename__ = "dossier_code_counters"
    __table_args__ = (UniqueConstraint("agency", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency: Mapped[str] = mapped_column(String(64))
    day: Mapped[date] = mapped_column(Date)
    last: Mapped[int] = mapped_column(Integer, default=0)
