from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, JSONType, UTCDateTime


class SlaReminder(Base):
    """A deadline reminder sent for one human task. The unique task id is what
    makes a reminder go out once, whichever worker scans first."""

    __tablename__ = "sla_reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    human_task_id: Mapped[int] = mapped_column(ForeignKey("human_tasks.id"), unique=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"))
    recipient: Mapped[str] = mapped_column(String(16))  # assignee | role
    recipients: Mapped[list[Any]] = mapped_column(JSONType)
    due_date: Mapped[date] = mapped_column(Date)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
