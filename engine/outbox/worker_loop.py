"""`motcua worker` as a long-running process.

APScheduler (BlockingScheduler) sets the cadence; the database holds the work:
- every `poll_seconds`: fire due timers and run due jobs (engine.outbox.worker.run_once);
- every third of the lease: renew the lease of the jobs in hand, so a slow
  handler is not taken for a vanished worker;
- hourly: the duties in HOURLY_DUTIES (the SLA reminder scan);
- daily at 01:00 office time: the duties in DAILY_DUTIES — reconciliation jobs
  (payments, portal sync) register there with `register_daily`.

Each duty runs once per cluster, not once per worker: a worker runs it only after taking
its lease (engine.outbox.duty_leases), held a little less than the period (HOURLY_HOLD,
DAILY_HOLD), so that whichever worker comes next after the period takes it again.

SIGTERM or SIGINT: stop claiming; the job in hand may finish within the grace
period, else it goes back to the queue (due at once) and the process exits 0.
Claimed jobs not yet started always go back.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from ..config import WorkerSettings
from ..deadlines.calendar import VIETNAM_TZ
from ..dossiers.reminders import remind_due_tasks
from ..models import utcnow
from .claims import release_jobs, renew_lease
from .duty_leases import SKIPPED, run_leased
from .worker import run_once, worker_name

log = logging.getLogger("motcua.worker")

# A duty: (sessions, now, settings) -> a short summary for the log.
Duty = Callable[[sessionmaker[Session], datetime, WorkerSettings], Any]


def _sla_reminders(factory: sessionmaker[Session], now: datetime,
                   settings: WorkerSettings) -> str:
    return f"{remind_due_tasks(factory, now, settings)} reminder(s) queued"


HOURLY_DUTIES: dict[str, Duty] = {"sla_reminders": _sla_reminders}
# Reconciliation runs once a day: register a duty here by name.
DAILY_DUTIES: dict[str, Duty] = {}


def register_daily(name: str, duty: Duty) -> None:
    """Run `duty` once a day in every `motcua worker` started after this call."""
    DAILY_DUTIES[name] = duty


def register_hourly(name: str, duty: Duty) -> None:
    HOURLY_DUTIES[name] = duty


# How long a worker that ran a duty keeps its lease: a little less than the period, so
# the next run (whichever worker's schedule comes first after it) finds it free.
HOURLY_HOLD = timedelta(minutes=55)
DAILY_HOLD = timedelta(hours=22)


def hourly_duties(factory: sessionmaker[Session], settings: WorkerSettings | None = None) -> None:
    """Run the hourly duties no worker ran this hour (the demo's in-process scheduler)."""
    _run_duties(factory, HOURLY_DUTIES, "hourly", settings)


def daily_duties(factory: sessionmaker[Session], settings: WorkerSettings | None = None) -> None:
    """Run the daily duties no worker ran today (the demo's in-process scheduler)."""
    _run_duties(factory, DAILY_DUTIES, "daily", settings)


def _run_duties(factory: sessionmaker[Session], duties: dict[str, Duty], kind: str,
                settings: WorkerSettings | None) -> None:
    from ..config import worker_settings

    settings = settings or worker_settings()
    for name, duty in list(duties.items()):
        run_duty(factory, name, duty, kind, settings, worker_name(), utcnow)


def run_duty(factory: sessionmaker[Session], name: str, duty: Duty, kind: str,
             settings: WorkerSettings, holder: str, clock: Callable[[], datetime]) -> bool:
    """Run one `kind` (hourly | daily) duty under its lease; return whether this caller
    ran it (False: another worker has it, or it failed and was logged)."""
    hold = HOURLY_HOLD if kind == "hourly" else DAILY_HOLD
    try:
        summary = run_leased(factory, name, holder, hold, clock,
                             lambda now: duty(factory, now, settings))
    except Exception:
        log.exception("%s duty %s failed", kind, name)
        return False
    if summary is SKIPPED:
        log.debug("%s duty %s: another worker has it", kind, name)
        return False
    log.info("%s duty %s: %s", kind, name, summary)
    return True


class WorkerLoop:
    def __init__(self, factory: sessionmaker[Session], settings: WorkerSettings,
                 name: str | None = None, clock: Callable[[], datetime] = utcnow) -> None:
        from apscheduler.schedulers.blocking import BlockingScheduler

        self.factory, self.settings, self.clock = factory, settings, clock
        self.name = name or worker_name()
        self.lease = timedelta(seconds=settings.lease_seconds)
        self.stopping = threading.Event()
        self.hand: set[int] = set()  # jobs claimed and not finished
        self.polling = threading.Lock()  # held while a poll runs
        self.scheduler = BlockingScheduler(timezone=VIETNAM_TZ, job_defaults={
            "coalesce": True, "max_instances": 1, "misfire_grace_time": None})

    # -- scheduled work ---------------------------------------------------------------

    def poll(self) -> None:
        if self.stopping.is_set():
            return
        with self.polling:
            try:
                report = run_once(self.factory, self.name, self.settings.batch, self.clock,
                                  lease=self.lease, stop=self.stopping.is_set, hand=self.hand)
            except Exception:
                log.exception("poll failed; trying again at the next poll")
                return
        if report.total:
            log.debug("poll: %s", report)

    def renew(self) -> None:
        if self.hand:
            renew_lease(self.factory, self.name, list(self.hand), self.clock())

    def _duties(self, duties: dict[str, Duty], every: str) -> None:
        for name, duty in list(duties.items()):
            if self.stopping.is_set():
                return
            run_duty(self.factory, name, duty, every, self.settings, self.name, self.clock)

    def hourly(self) -> None:
        self._duties(HOURLY_DUTIES, "hourly")

    def daily(self) -> None:
        self._duties(DAILY_DUTIES, "daily")

    # -- running and stopping ---------------------------------------------------------

    def request_stop(self, signum: int = signal.SIGTERM, _frame: object = None) -> None:
        """Signal handler: stop claiming and let the scheduler's loop end."""
        if self.stopping.is_set():
            return
        self.stopping.set()
        log.info("%s received: no more claims; finishing the job in hand",
                 signal.Signals(signum).name)
        # shut the scheduler down off the signal frame: its locks may be held right here
        threading.Thread(target=self.scheduler.shutdown, kwargs={"wait": False},
                         daemon=True).start()

    def run(self) -> int:
        """Run until SIGTERM/SIGINT; return the exit status (0)."""
        signal.signal(signal.SIGTERM, self.request_stop)
        signal.signal(signal.SIGINT, self.request_stop)
        now = datetime.now(VIETNAM_TZ)
        s = self.settings
        self.scheduler.add_job(self.poll, "interval", seconds=s.poll_seconds, id="poll",
                               next_run_time=now)
        self.scheduler.add_job(self.renew, "interval", seconds=max(s.lease_seconds / 3, 0.5),
                               id="renew_leases")
        self.scheduler.add_job(self.hourly, "interval", hours=1, id="hourly",
                               next_run_time=now + timedelta(seconds=1))
        self.scheduler.add_job(self.daily, "cron", hour=1, minute=0, id="daily")
        log.info("worker %s: poll every %ss, batch %s, lease %ss, grace %ss", self.name,
                 s.poll_seconds, s.batch, s.lease_seconds, s.grace_seconds)
        self.scheduler.start()
        return self.finish()

    def finish(self) -> int:
        """After the scheduler stopped: wait for the poll in hand up to the grace
        period (renewing its lease), else give its jobs back."""
        deadline = time.monotonic() + self.settings.grace_seconds
        step = max(min(self.settings.lease_seconds / 3, 1.0), 0.05)
        while True:
            remaining = deadline - time.monotonic()
            if self.polling.acquire(timeout=max(min(step, remaining), 0)):
                self.polling.release()
                log.info("worker %s stopped cleanly", self.name)
                return 0
            if remaining <= 0:
                break
            self.renew()
        held = sorted(self.hand)
        released = release_jobs(self.factory, self.name, held, started=True, now=self.clock())
        log.warning("worker %s: grace of %ss over; %d job(s) in hand released to the queue: %s",
                    self.name, self.settings.grace_seconds, released, held)
        for handler in (*logging.getLogger().handlers, *logging.getLogger("motcua").handlers):
            handler.flush()
        sys.stdout.flush()
        sys.stderr.flush()
        # the handler thread cannot be interrupted; leave without waiting for it
        os._exit(0)
