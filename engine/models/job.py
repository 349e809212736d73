from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, JSONType, UTCDateTime, utcnow


class JobKind(StrEnum):
    """What a job is for. A `service` job is a workflow service task: its result is
    fed back to the workflow. Every other kind is a side job (engine.dossiers.side_jobs)
    that no workflow task waits for, whose result is only recorded: a `notice` to the
    applicant, a deadline `reminder` to officers, a `portal_update` for the national
    portal, the `refund` of a late payment, a `message` a dossier threw for another."""

    SERVICE = "service"
    NOTICE = "notice"
    REMINDER = "reminder"
    PORTAL_UPDATE = "portal_update"
    REFUND = "refund"
    MESSAGE = "message"


class Job(Base):
    """Outbox: work for the worker (see JobKind), written in the same transaction as
    the state that reached it. A side job belongs to no workflow task: its
    workflow_task_id is empty."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_claim", "status", "next_attempt_at"),
                      Index("ix_jobs_finished_at", "finished_at"))  # the monitoring page

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default=JobKind.SERVICE.value,
                                      server_default=JobKind.SERVICE.value)
    workflow_task_id: Mapped[str] = mapped_column(String(36))
    element_id: Mapped[str] = mapped_column(String(128))
    operator: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    # pending | running | done | incident | cancelled
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Incident(Base):
    """A dossier that could not take an input by itself: a job that could not finish
    (`source` job), or an input its workflow failed on (a timer, a task completion, a
    message: no job). An administrator retries or resolves it."""

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"), index=True)
    timer_id: Mapped[int | None] = mapped_column(ForeignKey("timers.id"))
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    source: Mapped[str] = mapped_column(String(16), default="job", server_default="job")
    # "job", or the input the dossier failed to take ("timer_fired", "task_completed", ...)
    element_id: Mapped[str | None] = mapped_column(String(128))
    operator: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    detail: Mapped[str | None] = mapped_column(Text)  # the traceback, for administrators
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(128))
    resolution: Mapped[str | None] = mapped_column(String(32))  # retried | resolved


class Timer(Base):
    """A BPMN timer the workflow waits on; the worker fires it when due."""

    __tablename__ = "timers"
    __table_args__ = (Index("ix_timers_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    workflow_task_id: Mapped[str] = mapped_column(String(36), unique=True)
    element_id: Mapped[str] = mapped_column(String(128))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    # pending | fired | cancelled | incident (firing it failed; see its incident)
