"""Run due outbox jobs and timers. Handlers run outside any transaction; each
result goes back to the workflow as an input in its own transaction."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from . import operators
from .db import transaction
from .errors import MotcuaError
from .models import Dossier, Job, Timer, utcnow
from .operators import AwaitingCallback, JobContext, RetryableError
from .outbox import claim_jobs, complete_job, fail_job, raise_incident, wait_job
from .procedures import load_version
from .runner import fire_timer

log = logging.getLogger("motcua.worker")


@dataclass
class RunReport:
    jobs_done: int = 0
    jobs_failed: int = 0
    incidents: int = 0
    timers_fired: int = 0

    @property
    def total(self) -> int:
        return self.jobs_done + self.jobs_failed + self.incidents + self.timers_fired

    def __str__(self) -> str:
        return (f"jobs done {self.jobs_done}, failed {self.jobs_failed}, "
                f"incidents {self.incidents}, timers fired {self.timers_fired}")


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _context(session: Session, job: Job) -> JobContext:
    dossier = session.get(Dossier, job.dossier_id)
    assert dossier is not None
    procedure = load_version(session, dossier.procedure_version_id)
    return JobContext(
        job_id=job.id, operator=job.operator, idempotency_key=job.idempotency_key,
        params=dict(job.payload.get("params", {})), dossier_code=dossier.code,
        procedure_code=procedure.code, attempt=job.attempts, data=dict(job.payload.get("data", {})),
        dossier={
            "code": dossier.code, "status": dossier.status, "channel": dossier.channel,
            "applicant_name": dossier.applicant_name, "applicant_user": dossier.applicant_user,
            "application": dossier.application, "fee_amount": dossier.fee_amount,
            "submitted_at": dossier.submitted_at, "received_at": dossier.received_at,
            "appointment_date": dossier.appointment_date,
        },
        settings=procedure.settings, files=procedure.files,
    )


def run_job(factory: sessionmaker[Session], ctx: JobContext,
            clock: Callable[[], datetime] = utcnow) -> str:
    """Run one claimed job's handler and record the outcome:
    done|failed|incident|waiting."""
    handler = operators.handler_for(ctx.operator)
    if handler is None:
        with transaction(factory) as session:
            job = session.get(Job, ctx.job_id)
            assert job is not None
            raise_incident(session, job, f"no handler registered for operator {ctx.operator!r}", clock())
        return "incident"
    try:
        result = handler(ctx)
    except AwaitingCallback as waiting:
        with transaction(factory) as session:
            wait_job(session, ctx.job_id, waiting.reason, waiting.details, clock())
        return "waiting"
    except RetryableError as exc:
        with transaction(factory) as session:
            job = fail_job(session, ctx.job_id, f"{type(exc).__name__}: {exc}", now=clock())
        return "incident" if job.status == "incident" else "failed"
    except Exception as exc:  # a handler bug: retrying will not help
        log.exception("job %s (%s) failed", ctx.job_id, ctx.operator)
        with transaction(factory) as session:
            fail_job(session, ctx.job_id, f"{type(exc).__name__}: {exc}", retryable=False, now=clock())
        return "incident"
    try:
        with transaction(factory) as session:
            complete_job(session, ctx.job_id, result, clock())
    except MotcuaError as exc:
        with transaction(factory) as session:
            fail_job(session, ctx.job_id, f"result refused: {exc}", retryable=False, now=clock())
        return "incident"
    return "done"


def run_once(factory: sessionmaker[Session], worker: str | None = None, batch: int = 20,
             clock: Callable[[], datetime] = utcnow) -> RunReport:
    """Fire due timers, then run every due job once; return what was done."""
    worker = worker or worker_name()
    report = RunReport()
    with transaction(factory) as session:
        due = list(session.scalars(select(Timer.id).where(
            Timer.status == "pending", Timer.due_at <= clock()).order_by(Timer.due_at)))
    for timer_id in due:
        with transaction(factory) as session:
            timer = session.get(Timer, timer_id)
            if timer is not None and timer.status == "pending":
                fire_timer(session, timer, clock())
                report.timers_fired += 1
    while True:
        with transaction(factory) as session:
            contexts = [_context(session, job) for job in claim_jobs(session, worker, batch, clock())]
        if not contexts:
            break
        for ctx in contexts:
            outcome = run_job(factory, ctx, clock)
            if outcome == "done":
                report.jobs_done += 1
            elif outcome == "failed":
                report.jobs_failed += 1
            else:
                report.incidents += 1
    return report
