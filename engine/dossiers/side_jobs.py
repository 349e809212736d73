"""Side jobs: outbox jobs that no workflow task waits for (models.JobKind): a notice
to the applicant, a deadline reminder to officers, an update for the national
portal, the refund of a late payment. They are queued in the transaction of the
change that causes them and run by the worker like any job; their result is
recorded instead of being fed to the workflow, and a notice or a reminder also
goes into the dossier's history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from ..audit import events
from ..models import Dossier, Job, JobKind
from ..procedures import operators

NOTICE_OPERATOR = "notify.send"
MAX_ATTEMPTS = 8
# The ones that tell a person something, logged as `notice_sent` when done.
TELLING = (JobKind.NOTICE, JobKind.REMINDER)


def is_side(job: Job) -> bool:
    return job.kind != JobKind.SERVICE


def queue(session: Session, dossier: Dossier, kind: JobKind, operator: str, key: str,
          params: dict[str, Any], at: datetime, data: dict[str, Any] | None = None,
          max_attempts: int = MAX_ATTEMPTS) -> Job:
    """Queue a side job for `dossier`. `key` ("<what>/<which>", e.g. "reminder/<task
    id>") names it among the dossier's jobs: its idempotency key is "<code>/<key>",
    so queueing it a second time fails instead of sending twice, and "<what>" is its
    element id. The caller holds the dossier's lock."""
    if kind == JobKind.SERVICE:
        raise ValueError("a service job is queued by the runner for its workflow task")
    job = Job(dossier_id=dossier.id, kind=kind.value, workflow_task_id="",
              element_id=key.rpartition("/")[0] or key, operator=operator,
              payload={"params": params, "data": data or {}},
              idempotency_key=f"{dossier.code}/{key}", status="pending", attempts=0,
              max_attempts=max_attempts, next_attempt_at=at, created_at=at)
    session.add(job)
    session.flush()
    return job


def queue_notice(session: Session, dossier: Dossier, template: str, at: datetime,
                 data: dict[str, Any] | None = None, **params: Any) -> Job:
    """A notice to the applicant outside the BPMN (a status change, a late payment
    refunded), numbered by the dossier's last event."""
    return queue(session, dossier, JobKind.NOTICE, NOTICE_OPERATOR,
                 f"notice/{template}/{dossier.last_event_seq}",
                 {"template": template, "recipient": "applicant", **params}, at, data)


def complete(session: Session, dossier: Dossier, job: Job, result: dict[str, Any],
             at: datetime) -> None:
    """Record a side job's result; a second completion changes nothing. The
    operator's recorder (a refund's) keeps its own records and events; a portal
    update keeps its own ledger. The caller holds the dossier's lock and has
    refreshed the job."""
    if job.status not in ("running", "pending"):
        return
    job.status, job.result, job.finished_at = "done", result, at
    if job.kind in TELLING:
        events.append(session, dossier, "notice_sent",
                      {"job_id": job.id, "kind": str(job.kind),
                       "template": job.payload["params"].get("template"), "result": result},
                      f"operator:{job.operator}", at)
    recorder = operators.recorder_for(job.operator)
    if recorder is not None:
        recorder(session, job, "completed", result)
    session.flush()
