"""Run due outbox jobs and timers. Handlers run outside any transaction; each
result goes back to the workflow as an input in its own transaction."""

from __future__ import annotations

import logging
import os
import socket
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from .. import metrics
from ..db import transaction
from ..models import Dossier, HumanTask, Job, utcnow
from ..procedures import operators
from ..procedures.operators import AwaitingCallback, BusinessError, JobContext, RetryableError
from ..procedures.procedures import load_version
from .claims import fire_due_timers, release_jobs
from .outbox import (
    LEASE,
    claim_jobs,
    complete_job,
    end_with_error,
    fail_job,
    raise_incident,
    wait_job,
)

log = logging.getLogger("motcua.worker")


@dataclass
class RunReport:
    jobs_done: int = 0
    jobs_failed: int = 0
    incidents: int = 0
    timers_fired: int = 0
    jobs_waiting: int = 0  # now waiting for an outside party (a payment)

    @property
    def total(self) -> int:
        return (self.jobs_done + self.jobs_failed + self.incidents + self.timers_fired
                + self.jobs_waiting)

    def __str__(self) -> str:
        return (f"jobs done {self.jobs_done}, failed {self.jobs_failed}, "
                f"waiting {self.jobs_waiting}, incidents {self.incidents}, "
                f"timers fired {self.timers_fired}")


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _context(session: Session, job: Job, factory: sessionmaker[Session] | None = None) -> JobContext:
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
        settings=procedure.settings, files=procedure.files, sessions=factory,
        completions=_completions(session, dossier.id),
    )


def _completions(session: Session, dossier_id: int) -> dict[str, dict[str, Any]]:
    rows = session.scalars(select(HumanTask).where(
        HumanTask.dossier_id == dossier_id, HumanTask.state == "completed",
    ).order_by(HumanTask.completed_at, HumanTask.id))
    return {row.element_id: {"by": row.completed_by, "on_behalf_of": row.on_behalf_of,
                             "at": row.completed_at} for row in rows}


def _contexts(factory: sessionmaker[Session], job_ids: list[int],
              clock: Callable[[], datetime]) -> list[JobContext]:
    """What each claimed job's handler needs; a job whose dossier cannot even be read
    for it (a broken version, a bug) fails alone."""
    contexts = []
    for job_id in job_ids:
        try:
            with transaction(factory) as session:
                job = session.get(Job, job_id)
                assert job is not None
                contexts.append(_context(session, job, factory))
        except Exception as exc:
            log.exception("job %s: cannot prepare its handler's context", job_id)
            with transaction(factory) as session:
                fail_job(session, job_id, f"cannot prepare the job: {type(exc).__name__}: {exc}",
                         retryable=False, now=clock(), detail=_trace(exc))
    return contexts


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
    except BusinessError as refusal:
        return _end_with_error(factory, ctx, refusal, clock)
    except Exception as exc:  # a failed try, retried with back-off
        if not isinstance(exc, RetryableError):
            log.exception("job %s (%s) failed", ctx.job_id, ctx.operator)
        with transaction(factory) as session:
            job = fail_job(session, ctx.job_id, f"{type(exc).__name__}: {exc}", now=clock(),
                           detail=_trace(exc))
        return "incident" if job.status == "incident" else "failed"
    try:
        with transaction(factory) as session:
            complete_job(session, ctx.job_id, result, clock())
    except Exception as exc:  # the dossier could not take the result
        # The same result would fail the same way: an incident at once, for this dossier only.
        log.warning("job %s (%s): result refused by %s: %s", ctx.job_id, ctx.operator,
                    ctx.dossier_code, exc)
        with transaction(factory) as session:
            fail_job(session, ctx.job_id, f"result refused: {exc}", retryable=False,
                     now=clock(), detail=_trace(exc), element_id=getattr(exc, "element_id", None))
        return "incident"
    return "done"


def _end_with_error(factory: sessionmaker[Session], ctx: JobContext, refusal: BusinessError,
                    clock: Callable[[], datetime]) -> str:
    """The business error goes to the diagram's error boundary; with none, an incident."""
    try:
        with transaction(factory) as session:
            end_with_error(session, ctx.job_id, refusal.code, refusal.message, clock())
    except Exception as exc:
        with transaction(factory) as session:
            fail_job(session, ctx.job_id, f"{exc}", retryable=False, now=clock(),
                     detail=_trace(exc), element_id=getattr(exc, "element_id", None))
        return "incident"
    return "done"


def _trace(exc: BaseException) -> str:
    detail = getattr(exc, "detail", None)
    return detail if isinstance(detail, str) else "".join(
        traceback.format_exception(type(exc), exc, exc.__traceback__))


def run_once(factory: sessionmaker[Session], worker: str | None = None, batch: int = 20,
             clock: Callable[[], datetime] = utcnow, *, lease: timedelta = LEASE,
             stop: Callable[[], bool] | None = None, hand: set[int] | None = None) -> RunReport:
    """Fire due timers, then run every due job once; return what was done.

    `stop` is asked before each claim and each job: once it says yes, nothing
    more is claimed and claimed jobs not yet started go back to the queue.
    `hand` (if given) holds the ids of the jobs claimed and not yet finished,
    for the caller to renew their lease or release them."""
    worker = worker or worker_name()
    stop = stop or (lambda: False)
    hand = hand if hand is not None else set()
    report = RunReport()
    report.timers_fired = fire_due_timers(factory, clock, stop)
    while not stop():
        with transaction(factory) as session:
            claimed = claim_jobs(session, worker, batch, clock(), lease)
            ids = [job.id for job in claimed]
            hand.update(ids)
        if not ids:
            break
        contexts = _contexts(factory, ids, clock)
        report.incidents += len(ids) - len(contexts)
        hand.intersection_update(ctx.job_id for ctx in contexts)
        for i, ctx in enumerate(contexts):
            if stop():
                rest = [c.job_id for c in contexts[i:]]
                release_jobs(factory, worker, rest, started=False)
                hand.difference_update(rest)
                log.info("released %d claimed job(s) not started: %s", len(rest), rest)
                break
            began = time.monotonic()
            outcome = run_job(factory, ctx, clock)
            hand.discard(ctx.job_id)
            took = time.monotonic() - began
            log.info("job %s %s %s attempt %s: %s in %.3fs", ctx.job_id, ctx.operator,
                     ctx.dossier_code, ctx.attempt, outcome, took,
                     extra={"motcua": {"job": ctx.job_id, "operator": ctx.operator,
                                       "dossier": ctx.dossier_code, "attempt": ctx.attempt,
                                       "outcome": outcome, "duration_ms": round(took * 1000, 1),
                                       "worker": worker}})
            metrics.job_finished(ctx.operator, outcome, took)
            if outcome == "done":
                report.jobs_done += 1
            elif outcome == "failed":
                report.jobs_failed += 1
            elif outcome == "waiting":
                report.jobs_waiting += 1
            else:
                report.incidents += 1
    return report
