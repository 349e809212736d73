"""Claiming work so that several workers never do the same thing twice.

Jobs are claimed by outbox.claim_jobs and held under a lease that the worker
renews while the handler runs. Due timers are claimed and fired in one
transaction: on PostgreSQL the timer's dossier row is taken with
FOR UPDATE SKIP LOCKED (a dossier someone else holds is left for the next
poll); on SQLite the transaction starts with BEGIN IMMEDIATE, so only one
process reads and fires at a time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from ..db import is_postgres, transaction
from ..dossiers.runner import fire_timer
from ..errors import Conflict
from ..models import Dossier, Job, Timer, utcnow
from .outbox import record_failure

log = logging.getLogger("motcua.worker")


def _next_due_timer(session: Session, now: datetime, skip: set[int]) -> Timer | None:
    query = (select(Timer).join(Dossier, Dossier.id == Timer.dossier_id)
             .where(Timer.status == "pending", Timer.due_at <= now)
             .order_by(Timer.due_at, Timer.id).limit(1))
    if skip:
        query = query.where(Timer.id.not_in(skip))
    if is_postgres(session):
        query = query.with_for_update(of=Dossier, skip_locked=True)
    return session.scalar(query)


def fire_due_timers(factory: sessionmaker[Session], clock: Callable[[], datetime] = utcnow,
                    stop: Callable[[], bool] = lambda: False, limit: int = 1000) -> int:
    """Fire due timers one input (one transaction) each; return how many fired.
    A timer the workflow is no longer ready for is logged and left for the next poll;
    a timer whose dossier fails to take it becomes an incident on that dossier."""
    fired = 0
    failed: set[int] = set()
    while fired < limit and not stop():
        timer_id = dossier_id = None
        element_id: str | None = None
        now = clock()
        try:
            with transaction(factory) as session:
                timer = _next_due_timer(session, now, failed)
                if timer is None:
                    return fired
                timer_id, dossier_id, element_id = timer.id, timer.dossier_id, timer.element_id
                fire_timer(session, timer, now)
        except Conflict as exc:
            if timer_id is None:
                raise
            failed.add(timer_id)
            log.warning("timer %s not fired: %s", timer_id, exc)
            continue
        except Exception as exc:
            if timer_id is None or dossier_id is None:
                raise
            # the dossier failed to take it: an incident; the timer waits for a retry
            failed.add(timer_id)
            log.warning("timer %s of dossier %s failed: %s", timer_id, dossier_id, exc)
            record_failure(factory, dossier_id, exc, "timer_fired", timer_id=timer_id,
                           element_id=element_id, now=now)
            continue
        fired += 1
        log.info("timer %s fired", timer_id)
    return fired


def renew_lease(factory: sessionmaker[Session], worker: str, job_ids: Iterable[int],
                now: datetime | None = None) -> int:
    """Push the lease of jobs this worker still holds; return how many it renewed."""
    ids = list(job_ids)
    if not ids:
        return 0
    with transaction(factory) as session:
        result = session.execute(
            update(Job).where(Job.id.in_(ids), Job.claimed_by == worker, Job.status == "running")
            .values(claimed_at=now or utcnow()))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


def release_jobs(factory: sessionmaker[Session], worker: str, job_ids: Iterable[int], *,
                 started: bool, now: datetime | None = None) -> int:
    """Give jobs this worker holds back to the queue, due now. A job that never
    started does not count as a try."""
    ids = list(job_ids)
    if not ids:
        return 0
    values: dict[str, object] = {"status": "pending", "claimed_by": None, "claimed_at": None,
                                 "next_attempt_at": now or utcnow()}
    if not started:
        values["attempts"] = Job.attempts - 1
    with transaction(factory) as session:
        result = session.execute(
            update(Job).where(Job.id.in_(ids), Job.claimed_by == worker, Job.status == "running")
            .values(**values))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
