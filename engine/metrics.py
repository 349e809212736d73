"""Prometheus metrics of the engine, in one place: what the worker counts as it runs
jobs, and the gauges read from the database when they are scraped (jobs due, how long
the oldest due job has waited, open incidents, due timers), which hold for the whole
installation whichever process answers. The web app exposes both at /metrics."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from .models import Incident, Job, Timer, utcnow

JOBS = Counter("motcua_jobs", "Outbox jobs run, by operator and outcome "
               "(done, failed: to be retried, waiting: for an outside party, incident).",
               ["operator", "outcome"])
JOB_SECONDS = Histogram("motcua_job_duration_seconds",
                        "Seconds a job's handler and the recording of its outcome took.",
                        ["operator"],
                        buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120))


def job_finished(operator: str, outcome: str, seconds: float) -> None:
    """Count one job run by the worker."""
    JOBS.labels(operator=operator, outcome=outcome).inc()
    JOB_SECONDS.labels(operator=operator).observe(seconds)


class DatabaseCollector(Collector):
    """Gauges computed from the database at each scrape."""

    def __init__(self, sessions: sessionmaker[Session],
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.sessions = sessions
        self.clock = clock

    def describe(self) -> Iterator[Metric]:
        return iter(())  # nothing is read when the collector is registered

    def collect(self) -> Iterator[Metric]:
        now = self.clock()
        due = GaugeMetricFamily("motcua_jobs_due", "Pending jobs due now, by kind.",
                                labels=["kind"])
        oldest = GaugeMetricFamily(
            "motcua_jobs_oldest_due_seconds",
            "Seconds the oldest pending job has been due (0 when none is).")
        incidents = GaugeMetricFamily("motcua_incidents_open", "Incidents not yet resolved.")
        timers = GaugeMetricFamily("motcua_timers_due", "Pending BPMN timers due now.")
        with self.sessions() as session:
            pending = (Job.status == "pending", Job.next_attempt_at <= now)
            for kind, count in session.execute(
                    select(Job.kind, func.count()).where(*pending).group_by(Job.kind)):
                due.add_metric([kind], count)
            first = session.scalar(select(func.min(Job.next_attempt_at)).where(*pending))
            oldest.add_metric([], max(0.0, (now - first).total_seconds()) if first else 0.0)
            incidents.add_metric([], session.scalar(
                select(func.count()).select_from(Incident).where(
                    Incident.resolved_at.is_(None))) or 0)
            timers.add_metric([], session.scalar(
                select(func.count()).select_from(Timer).where(
                    Timer.status == "pending", Timer.due_at <= now)) or 0)
        yield from (due, oldest, incidents, timers)
