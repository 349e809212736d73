"""The installation at a glance for administrators (Giám sát): the queue as the database
holds it, the jobs that ended in the last hour by service, and the requests and dossier
steps this web server answered since it started. The figures of /metrics, for a person;
refreshed by reloading."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta

from flask import render_template
from prometheus_client.registry import CollectorRegistry

from engine.metrics import jobs_finished_since, read_gauges
from engine.models import utcnow

from ..identity import db, require_role
from ..observability import counted_registry
from . import bp

RECENT = timedelta(hours=1)
SLOW_QUEUE_SECONDS = 300  # a due job waiting longer than this means the workers lag
TOP_ROUTES = 25


@dataclass(frozen=True)
class Timing:
    """Counts and latency of one label set of a histogram, with its error count."""

    labels: tuple[str, ...]
    count: int
    errors: int
    mean_ms: float
    p95_ms: float | None  # the upper bound of the bucket holding the 95th percentile
    p95_beyond: bool  # the 95th percentile lies past the last bucket (p95_ms is that bound)


def _samples(registry: CollectorRegistry, family: str) -> Iterable[tuple[str, dict[str, str], float]]:
    for metric in registry.collect():
        if metric.name == family:
            for sample in metric.samples:
                yield sample.name, sample.labels, sample.value


def timings(registry: CollectorRegistry, histogram: str, keys: tuple[str, ...],
            counter: str, is_error: Callable[[dict[str, str]], bool]) -> list[Timing]:
    """Per label set of `histogram` (grouped by `keys`): count, mean and p95 from its
    buckets, and how many of that set's `counter` samples `is_error` picks."""
    totals: dict[tuple[str, ...], dict[str, float]] = {}
    buckets: dict[tuple[str, ...], dict[float, float]] = {}
    for name, labels, value in _samples(registry, histogram):
        key = tuple(labels.get(k, "") for k in keys)
        if name.endswith("_bucket"):
            bound = float(labels["le"])
            per = buckets.setdefault(key, {})
            per[bound] = per.get(bound, 0.0) + value
        elif name.endswith(("_count", "_sum")):
            row = totals.setdefault(key, {})
            part = name.rsplit("_", 1)[1]
            row[part] = row.get(part, 0.0) + value
    errors: dict[tuple[str, ...], int] = {}
    for name, labels, value in _samples(registry, counter):
        if name.endswith("_total") and is_error(labels):
            key = tuple(labels.get(k, "") for k in keys)
            errors[key] = errors.get(key, 0) + int(value)
    rows = []
    for key, row in totals.items():
        count = int(row.get("count", 0))
        if not count:
            continue
        p95, beyond = _p95(buckets.get(key, {}), count)
        rows.append(Timing(key, count, errors.get(key, 0), row.get("sum", 0.0) / count * 1000,
                           p95, beyond))
    return sorted(rows, key=lambda r: (-r.count, r.labels))


def _p95(buckets: dict[float, float], count: int) -> tuple[float | None, bool]:
    finite = sorted(b for b in buckets if b != float("inf"))
    for bound in finite:
        if buckets[bound] >= 0.95 * count:
            return bound * 1000, False
    return (finite[-1] * 1000, True) if finite else (None, False)


@bp.get("/giam-sat", endpoint="monitoring")
@require_role("admin")
def monitoring() -> str:
    now = utcnow()
    session = db()
    gauges = read_gauges(session, now)
    registry = counted_registry()
    requests = timings(registry, "motcua_http_request_duration_seconds", ("method", "route"),
                       "motcua_http_requests", lambda labels: labels["status"].startswith("5"))
    steps = timings(registry, "motcua_step_duration_seconds", ("input",),
                    "motcua_steps", lambda labels: labels["outcome"] == "failed")
    return render_template(
        "admin/monitoring.html", gauges=gauges, now=now, slow=SLOW_QUEUE_SECONDS,
        jobs=jobs_finished_since(session, now - RECENT), requests=requests[:TOP_ROUTES],
        request_total=sum(r.count for r in requests),
        request_errors=sum(r.errors for r in requests), steps=steps)
