"""Duties that run once per cluster, however many workers run them on schedule.

Every `motcua worker` schedules the hourly and daily duties (engine.outbox.worker_loop);
before running one, a worker takes the duty's lease, a row of `duty_leases`: one atomic
UPDATE … WHERE until <= now (or the first INSERT, which the primary key lets only one
worker make), so of the workers that try at the same time exactly one runs it, and the
others skip it until the lease ends. A duty that fails gives its lease back at once, so
the next worker to try runs it again; one that ends well keeps it until `until` and
records `last_run_at`. Times are the workers' clocks, which must agree (NTP) as they do
for the jobs' leases.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ..db import transaction
from ..models import DutyLease

T = TypeVar("T")


def take(factory: sessionmaker[Session], name: str, holder: str, now: datetime,
         hold: timedelta) -> bool:
    """Take the lease of duty `name` until `now + hold`, unless someone holds it past
    `now`; return whether `holder` has it now."""
    until = now + hold
    with transaction(factory) as session:
        result = session.execute(
            update(DutyLease).where(DutyLease.name == name, DutyLease.until <= now)
            .values(holder=holder, until=until).execution_options(synchronize_session=False))
        if int(result.rowcount or 0):  # type: ignore[attr-defined]
            return True
        if session.get(DutyLease, name) is not None:
            return False  # held by someone else (or by us, from an earlier run)
    try:  # the duty's first run anywhere
        with transaction(factory) as session:
            session.add(DutyLease(name=name, holder=holder, until=until))
    except IntegrityError:
        return False  # another worker made the row first: it has the lease
    return True


def finish(factory: sessionmaker[Session], name: str, holder: str, now: datetime,
           succeeded: bool) -> None:
    """After the duty: record when it ended well (the lease runs on to its end), or
    give the lease back so that the next worker to try runs it again."""
    values: dict[str, Any] = {"last_run_at": now} if succeeded else {"until": now}
    with transaction(factory) as session:
        session.execute(update(DutyLease)
                        .where(DutyLease.name == name, DutyLease.holder == holder)
                        .values(**values).execution_options(synchronize_session=False))


class Skipped:
    """What run_leased returns when another worker holds the duty's lease."""

    def __repr__(self) -> str:
        return "skipped: another worker has it"


SKIPPED = Skipped()


def run_leased(factory: sessionmaker[Session], name: str, holder: str, hold: timedelta,
               clock: Callable[[], datetime], work: Callable[[datetime], T]) -> T | Skipped:
    """Run `work(now)` if `holder` takes the lease of duty `name`, else return SKIPPED.
    Whatever `work` raises is raised again, its lease given back first."""
    now = clock()
    if not take(factory, name, holder, now, hold):
        return SKIPPED
    try:
        outcome = work(now)
    except BaseException:
        finish(factory, name, holder, clock(), succeeded=False)
        raise
    finish(factory, name, holder, clock(), succeeded=True)
    return outcome
