"""Notices: outbox jobs that no workflow task waits for (a deadline reminder to
an officer, the applicant's letter after an apology slip). They are queued in
the transaction of the change that causes them, run by the worker like any
job, and their outcome is recorded in the dossier's event log instead of being
fed to the workflow."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from ..audit import events
from ..models import Dossier, Job, utcnow
from .runner import DEFAULT_MAX_ATTEMPTS, lock_dossier

NOTICE_TASK = ""  # the workflow_task_id of a job that belongs to no workflow task


def is_notice(job: Job) -> bool:
    return job.workflow_task_id == NOTICE_TASK


def queue_notice(session: Session, dossier: Dossier, kind: str, key: str, operator: str,
                 params: dict[str, Any], at: datetime) -> Job:
    """Queue a notice job for `dossier`; `key` makes it unique (a second queue
    with the same key fails on the idempotency key instead of sending twice)."""
    job = Job(dossier_id=dossier.id, workflow_task_id=NOTICE_TASK, element_id=kind,
              operator=operator, payload={"params": params, "data": {}},
              idempotency_key=f"{dossier.code}/{kind}/{key}", status="pending", attempts=0,
              max_attempts=DEFAULT_MAX_ATTEMPTS, next_attempt_at=at, created_at=at)
    session.add(job)
    session.flush()
    return job


def complete_notice(session: Session, job: Job, result: dict[str, Any],
                    at: datetime | None = None) -> None:
    """Mark the notice done and log it on its dossier; a second completion changes nothing."""
    dossier = lock_dossier(session, job.dossier_id)
    session.refresh(job)
    if job.status in ("done", "cancelled"):
        return
    at = at or utcnow()
    job.status, job.result, job.finished_at = "done", result, at
    events.append(session, dossier, "notice_sent",
                  {"job_id": job.id, "kind": job.element_id, "operator": job.operator,
                   "template": job.payload.get("params", {}).get("template"),
                   "attempt": job.attempts, "result": result}, f"operator:{job.operator}", at)
    session.flush()
