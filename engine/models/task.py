from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime


class HumanTask(Base):
    """Projection of a waiting user task, kept in step with the workflow for inbox queries.
    Completed rows stay: they are the process control sheet's hand-offs."""

    __tablename__ = "human_tasks"
    __table_args__ = (
        Index("ix_human_tasks_inbox", "state", "role", "department", "due_date"),
        # the inbox sorted by when tasks arrived (bench/inbox.py: 135 ms → 16 ms on SQLite)
        Index("ix_human_tasks_inbox_created", "state", "role", "department", "created_at"),
        Index("ix_human_tasks_assignee", "state", "assignee"),
        # steps completed in a period, per department and officer (migration 0022)
        Index("ix_human_tasks_completed", "state", "completed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    workflow_task_id: Mapped[str] = mapped_column(String(36), unique=True)
    element_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(300))
    lane: Mapped[str | None] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(32))
    department: Mapped[str] = mapped_column(String(64))
    form: Mapped[str | None] = mapped_column(String(128))
    assignee: Mapped[str | None] = mapped_column(String(128))
    state: Mapped[str] = mapped_column(String(16), default="open")  # open|completed|cancelled
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_date: Mapped[date | None] = mapped_column(Date)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by: Mapped[str | None] = mapped_column(String(128))
    on_behalf_of: Mapped[str | None] = mapped_column(String(128))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    timeliness: Mapped[str | None] = mapped_column(String(16))  # early|on_time|late
