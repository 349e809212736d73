from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime


class DutyLease(Base):
    """Who runs a cluster-once duty (the SLA reminder scan, reconciliation, the audit
    seal) and until when: a worker runs a duty only after taking its lease, which no
    other worker can take before `until`. `last_run_at` is when it last ended well."""

    __tablename__ = "duty_leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(160))
    until: Mapped[datetime] = mapped_column(UTCDateTime)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
