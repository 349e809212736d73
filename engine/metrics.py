"""Prometheus metrics of the engine, in one place: what a process counts as it works
(inputs applied to dossiers, jobs run, signatures made), and the gauges read from the
database when they are scraped (the queue, open incidents, due timers, portal updates
waiting), which hold for the whole installation whichever process answers. The web
app serves both at /metrics, a worker its own counters at its --metrics-bind address, and
the administrators' monitoring page reads the same gauges."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from .models import Incident, Job, JobKind, Timer, utcnow

JOBS = Counter("motcua_jobs", "Outbox jobs run, by operator and outcome "
               "(done, failed: to be retried, waiting: for an outside party, incident).",
               ["operator", "outcome"])
JOB_SECONDS = Histogram("motcua_job_duration_seconds",
                        "Seconds a job's handler and the recording of its outcome took.",
                        ["operator"],
                        buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120))
STEPS = Counter("motcua_steps", "Inputs applied to dossiers, by input type (submitted, "
                "task_completed, service_completed, timer_fired, ...) and outcome (done; "
                "refused: the engine turned the input away; failed: the dossier broke on it).",
                ["input", "outcome"])
STEP_SECONDS = Histogram("motcua_step_duration_seconds",
                         "Seconds one input took: the workflow's run and the writes it made.",
                         ["input"],
                         buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))
SIGNATURES = Counter("motcua_signatures", "PDF signatures attempted, by PAdES level and "
                     "outcome (made, failed).", ["level", "outcome"])
SIGNATURE_SECONDS = Histogram("motcua_signature_duration_seconds",
                              "Seconds a signature took, timestamp and revocation data included.",
                              ["level"], buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))


def job_finished(operator: str, outcome: str, seconds: float) -> None:
    """Count one job run by the worker."""
    JOBS.labels(operator=operator, outcome=outcome).inc()
    JOB_SECONDS.labels(operator=operator).observe(seconds)


def step_finished(input_kind: str, outcome: str, seconds: float) -> None:
    """Count one input a dossier took (or refused, or broke on)."""
    STEPS.labels(input=input_kind, outcome=outcome).inc()
    STEP_SECONDS.labels(input=input_kind).observe(seconds)


def signature_finished(level: str, outcome: str, seconds: float) -> None:
    """Count one signature attempt at a PAdES level."""
    SIGNATURES.labels(level=level, outcome=outcome).inc()
    SIGNATURE_SECONDS.labels(level=level).observe(seconds)


@dataclass(frozen=True)
class QueueGauges:
    """The installation's state as the database holds it at one moment."""

    pending: dict[str, int]  # pending jobs by kind, due or not
    due: dict[str, int]  # of those, the ones due now
    oldest_due_seconds: float  # how long the oldest due job has waited (0: none)
    running: int  # claimed by a worker now
    incidents_open: int
    timers_due: int
    portal_updates_waiting: int


def read_gauges(session: Session, now: datetime) -> QueueGauges:
    pending: dict[str, int] = {}
    due: dict[str, int] = {}
    is_due = Job.next_attempt_at <= now
    for kind, is_now, count in session.execute(
            select(Job.kind, is_due, func.count()).where(Job.status == "pending")
            .group_by(Job.kind, is_due)):
        pending[kind] = pending.get(kind, 0) + count
        if is_now:
            due[kind] = count
    first = session.scalar(select(func.min(Job.next_attempt_at)).where(
        Job.status == "pending", is_due))
    return QueueGauges(
        pending=pending, due=due,
        oldest_due_seconds=max(0.0, (now - first).total_seconds()) if first else 0.0,
        running=session.scalar(select(func.count()).select_from(Job).where(
            Job.status == "running")) or 0,
        incidents_open=session.scalar(select(func.count()).select_from(Incident).where(
            Incident.resolved_at.is_(None))) or 0,
        timers_due=session.scalar(select(func.count()).select_from(Timer).where(
            Timer.status == "pending", Timer.due_at <= now)) or 0,
        portal_updates_waiting=pending.get(JobKind.PORTAL_UPDATE.value, 0))


class DatabaseCollector(Collector):
    """Gauges computed from the database at each scrape."""

    def __init__(self, sessions: sessionmaker[Session],
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.sessions = sessions
        self.clock = clock

    def describe(self) -> Iterator[Metric]:
        return iter(())  # nothing is read when the collector is registered

    def collect(self) -> Iterator[Metric]:
        with self.sessions() as session:
            gauges = read_gauges(session, self.clock())
        pending = GaugeMetricFamily("motcua_jobs_pending",
                                    "Pending jobs by kind, due now or later (the queue's depth).",
                                    labels=["kind"])
        due = GaugeMetricFamily("motcua_jobs_due", "Pending jobs due now, by kind.",
                                labels=["kind"])
        for family, counts in ((pending, gauges.pending), (due, gauges.due)):
            for kind, count in sorted(counts.items()):
                family.add_metric([kind], count)
        yield pending
        yield due
        for name, text, value in (
                ("motcua_jobs_oldest_due_seconds",
                 "Seconds the oldest pending job has been due (0 when none is).",
                 gauges.oldest_due_seconds),
                ("motcua_jobs_running", "Jobs a worker holds now.", gauges.running),
                ("motcua_incidents_open", "Incidents not yet resolved.", gauges.incidents_open),
                ("motcua_timers_due", "Pending BPMN timers due now.", gauges.timers_due),
                ("motcua_portal_updates_waiting",
                 "Status updates for the national portal not yet sent.",
                 gauges.portal_updates_waiting)):
            yield GaugeMetricFamily(name, text, value=value)


@dataclass(frozen=True)
class JobTally:
    """Jobs of one operator that ended (done, incident, cancelled) in a period."""

    operator: str
    done: int
    incidents: int
    cancelled: int
    mean_seconds: float | None  # from claim to finish, over the done ones


RECENT_JOBS_LIMIT = 50_000  # an hour of a busy city is a few thousand


def jobs_finished_since(session: Session, since: datetime) -> list[JobTally]:
    """Each operator's jobs that ended since `since`, busiest first."""
    tallies: dict[str, dict[str, int]] = {}
    took: dict[str, list[float]] = {}
    for operator, status, claimed, finished in session.execute(
            select(Job.operator, Job.status, Job.claimed_at, Job.finished_at)
            .where(Job.finished_at >= since).limit(RECENT_JOBS_LIMIT)):
        counts = tallies.setdefault(operator, {})
        counts[status] = counts.get(status, 0) + 1
        if status == "done" and claimed is not None and finished is not None:
            took.setdefault(operator, []).append((finished - claimed).total_seconds())
    rows = [JobTally(operator, counts.get("done", 0), counts.get("incident", 0),
                     counts.get("cancelled", 0),
                     sum(took[operator]) / len(took[operator]) if took.get(operator) else None)
            for operator, counts in tallies.items()]
    return sorted(rows, key=lambda r: (-(r.done + r.incidents + r.cancelled), r.operator))
