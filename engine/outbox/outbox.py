"""Outbox jobs: claim, complete, fail, and incidents when a job cannot finish."""

from __future__ import annotations

import random
import traceback
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from ..audit import events
from ..db import is_postgres, transaction
from ..dossiers import side_jobs
from ..dossiers.runner import complete_service, lock_dossier, service_error
from ..errors import Conflict, NotFound
from ..models import Dossier, Incident, Job, Timer, utcnow
from ..procedures import operators

LEASE = timedelta(minutes=5)
BACKOFF_BASE = timedelta(seconds=10)
BACKOFF_CAP = timedelta(hours=1)


def claim_jobs(session: Session, worker: str, limit: int = 10, now: datetime | None = None,
               lease: timedelta = LEASE) -> list[Job]:
    """Take up to `limit` due jobs for this worker. A job whose worker vanished
    (its lease, renewed while the job runs, expired) is due again. PostgreSQL
    skips rows other workers hold (FOR UPDATE SKIP LOCKED); on SQLite the
    transaction began with BEGIN IMMEDIATE, so one claimer at a time reads and
    marks the rows, and claimed_by/claimed_at is the lease."""
    now = now or utcnow()
    query = (
        select(Job)
        .where(or_(
            (Job.status == "pending") & (Job.next_attempt_at <= now),
            (Job.status == "running") & (Job.claimed_at < now - lease),
        ))
        .order_by(Job.next_attempt_at, Job.id)
        .limit(limit)
    )
    if is_postgres(session):
        query = query.with_for_update(skip_locked=True)
    jobs = list(session.scalars(query))
    for job in jobs:
        job.status, job.claimed_by, job.claimed_at = "running", worker, now
        job.attempts += 1
    session.flush()
    return jobs


def complete_job(session: Session, job_id: int, result: dict[str, Any],
                 now: datetime | None = None) -> Job:
    """Record a job's result and feed it to the workflow, in this transaction.
    A side job (no workflow task waits for it) is only recorded."""
    job = _get(session, job_id)
    if side_jobs.is_side(job):
        dossier = lock_dossier(session, job.dossier_id)
        session.refresh(job)
        side_jobs.complete(session, dossier, job, result, now or utcnow())
        return job
    complete_service(session, job, result, now)
    _record(session, job, "completed", result)
    return job


def end_with_error(session: Session, job_id: int, code: str, message: str,
                   now: datetime | None = None) -> Job:
    """A job whose handler answered with a business error: thrown at its task, in this
    transaction (see runner.service_error)."""
    job = _get(session, job_id)
    service_error(session, job, code, message, now)
    _record(session, job, "business_error", {"code": code, "message": message})
    return job


def fail_job(session: Session, job_id: int, error: str, *, retryable: bool = True,
             now: datetime | None = None, detail: str | None = None,
             element_id: str | None = None) -> Job:
    """Record a failed try: retry later with backoff, or raise an incident (with the
    traceback as `detail`, and the element the workflow failed at if not the job's)."""
    now = now or utcnow()
    job = _get(session, job_id)
    lock_dossier(session, job.dossier_id)
    session.refresh(job)
    if job.status not in ("running", "pending"):
        return job
    job.last_error = error[:4000]
    if retryable and job.attempts < job.max_attempts:
        job.status, job.claimed_by, job.claimed_at = "pending", None, None
        job.next_attempt_at = now + backoff(job.attempts)
    else:
        raise_incident(session, job, error, now, detail=detail, element_id=element_id)
    session.flush()
    return job


def backoff(attempts: int) -> timedelta:
    """Exponential backoff with full jitter."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * (2 ** max(attempts - 1, 0)))
    return timedelta(seconds=random.uniform(0.5, 1.0) * ceiling.total_seconds())


def raise_incident(session: Session, job: Job, reason: str, now: datetime | None = None, *,
                   detail: str | None = None, element_id: str | None = None) -> Incident:
    now = now or utcnow()
    job.status, job.finished_at, job.last_error = "incident", now, reason[:4000]
    return _incident(session, job.dossier_id, "job", reason, now, job=job, detail=detail,
                     element_id=element_id or job.element_id)


def record_failure(factory: sessionmaker[Session], dossier_id: int, failure: BaseException,
                   source: str, *, now: datetime | None = None, element_id: str | None = None,
                   timer_id: int | None = None) -> Incident | None:
    """After an input failed and was rolled back: an incident on the dossier, in a
    transaction of its own. None when the dossier itself was rolled back (a submission)."""
    element_id = getattr(failure, "element_id", None) or element_id
    detail = getattr(failure, "detail", None) or "".join(
        traceback.format_exception(type(failure), failure, failure.__traceback__))
    with transaction(factory) as session:
        if session.get(Dossier, dossier_id) is None:
            return None
        timer = session.get(Timer, timer_id) if timer_id is not None else None
        if timer is not None:
            timer.status = "incident"
        return _incident(session, dossier_id, source, f"{type(failure).__name__}: {failure}",
                         now or utcnow(), detail=detail, element_id=element_id, timer=timer)


def _incident(session: Session, dossier_id: int, source: str, reason: str, now: datetime, *,
              detail: str | None, element_id: str | None, job: Job | None = None,
              timer: Timer | None = None) -> Incident:
    dossier = lock_dossier(session, dossier_id)
    incident = Incident(job_id=job.id if job else None, timer_id=timer.id if timer else None,
                        dossier_id=dossier_id, source=source, element_id=element_id,
                        operator=job.operator if job else "", reason=reason[:4000],
                        detail=detail[:20000] if detail else None, created_at=now)
    session.add(incident)
    session.flush()
    events.append(session, dossier, "incident_raised",
                  {"source": source, "job_id": job.id if job else None,
                   "operator": incident.operator, "element_id": element_id,
                   "attempts": job.attempts if job else 0, "reason": reason[:500]}, "engine", now)
    return incident


def open_incidents(session: Session) -> list[Incident]:
    return list(session.scalars(
        select(Incident).where(Incident.resolved_at.is_(None)).order_by(Incident.id)))


def retry_incident(session: Session, incident_id: int, actor: str,
                   now: datetime | None = None) -> Job | Timer | None:
    """Try the incident's input again: its job is queued with a fresh count of tries,
    its timer is due again. An input a person gave (a task, a message) cannot be given
    again by anyone else: that incident is only marked resolved; None is returned."""
    now = now or utcnow()
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFound("incident not found", incident=incident_id)
    if incident.resolved_at is not None:
        raise Conflict(f"incident already {incident.resolution} by {incident.resolved_by}")
    dossier = lock_dossier(session, incident.dossier_id)
    again: Job | Timer | None = None
    if incident.job_id is not None:
        job = again = _get(session, incident.job_id)
        job.status, job.attempts, job.next_attempt_at = "pending", 0, now
        job.claimed_by = job.claimed_at = job.finished_at = None
    elif incident.timer_id is not None:
        timer = again = session.get(Timer, incident.timer_id)
        assert timer is not None
        timer.status = "pending"
    incident.resolved_at, incident.resolved_by = now, actor
    incident.resolution = "retried" if again is not None else "resolved"
    events.append(session, dossier, "incident_retried",
                  {"incident": incident.id, "job_id": incident.job_id,
                   "timer_id": incident.timer_id}, actor, now)
    session.flush()
    return again


class NotWaiting(Conflict):
    """resume_job on a job that is not waiting for a callback."""


def wait_job(session: Session, job_id: int, reason: str, details: dict[str, Any] | None = None,
             now: datetime | None = None) -> Job:
    """Park a running job until an outside party answers (`AwaitingCallback`): no
    retry, no incident, and the lease sweep never takes it back."""
    now = now or utcnow()
    job = _get(session, job_id)
    dossier = lock_dossier(session, job.dossier_id)
    session.refresh(job)
    if job.status not in ("running", "pending"):
        return job
    job.status, job.claimed_by, job.claimed_at = "waiting", None, None
    job.last_error = None
    job.payload = {**job.payload, "waiting": {"reason": reason, "since": now.isoformat(),
                                              **(details or {})}}
    events.append(session, dossier, "job_waiting",
                  {"job_id": job.id, "operator": job.operator, "element_id": job.element_id,
                   "reason": reason}, "engine", now)
    _record(session, job, "waiting", details or {})
    session.flush()
    return job


def resume_job(session: Session, job_id: int, result: dict[str, Any],
               now: datetime | None = None) -> Job:
    """Complete a waiting job with the outside party's answer, exactly like a
    handler result: the workflow advances in this transaction."""
    job = _get(session, job_id)
    lock_dossier(session, job.dossier_id)
    session.refresh(job)
    if job.status != "waiting":
        raise NotWaiting(f"job is not waiting for a callback (it is {job.status})",
                         job=job.id, operator=job.operator, status=job.status)
    return complete_job(session, job_id, result, now)


def _record(session: Session, job: Job, kind: str, data: dict[str, Any]) -> None:
    recorder = operators.recorder_for(job.operator)
    if recorder is not None:
        recorder(session, job, kind, data)


def _get(session: Session, job_id: int) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound("job not found", job=job_id)
    return job
