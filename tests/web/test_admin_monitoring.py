"""The administrators' monitoring page (/quan-tri/giam-sat): the queue as the database
holds it, with a warning when due jobs wait too long, the jobs that ended in the last
hour by service, and the requests and steps counted in this process."""

from __future__ import annotations

import re
from datetime import timedelta

from prometheus_client import CollectorRegistry, Counter, Histogram

from engine.models import utcnow
from engine.outbox.worker import run_once
from web.admin.monitoring_page import timings

from ..conftest import FIXTURES, login
from ..helpers import deploy, submit

APP = {"ho_ten": "Lê Văn Cường", "so_dinh_danh": "001099000222"}
PAGE = "/quan-tri/giam-sat"


def _figure(page: str, element_id: str) -> str:
    match = re.search(rf'<li id="{element_id}"[^>]*><b>([^<]+)</b>', page)
    assert match, f"no {element_id} on the page"
    return match.group(1)


def test_the_page_shows_the_queue_then_what_the_worker_did(app, sessions, people):
    deploy(sessions, FIXTURES / "mini")
    an_hour_ago = utcnow() - timedelta(hours=1)
    for _ in range(2):  # each waits for its fee step, due since an hour
        submit(sessions, "mini", APP, an_hour_ago)
    admin = login(app.test_client(), "admin")

    page = admin.get(PAGE).get_data(as_text=True)
    assert _figure(page, "jobs-pending") == "2" and _figure(page, "jobs-due") == "2"
    assert _figure(page, "oldest-due") == "1 giờ 0 phút"
    assert 'id="oldest-due" class="bad"' in page
    assert "Có việc đến hạn đã chờ quá 5 phút" in page
    assert _figure(page, "incidents-open") == "0" and _figure(page, "jobs-running") == "0"
    assert 'data-kind="service"' in page
    assert "Không có việc nào xong trong một giờ qua." in page

    run_once(sessions)
    page = admin.get(PAGE).get_data(as_text=True)
    assert _figure(page, "jobs-due") == "0" and "Có việc đến hạn đã chờ" not in page
    row = re.search(r'<tr data-operator="fee.collect">(.*?)</tr>', page, re.S)
    assert row and re.search(r'data-label="Xong">2<', row.group(1))
    # this process answered requests before (the busiest routes of the whole test run
    # may outrank this page), and the dossiers took their fees' results
    assert re.search(r"<code>(GET|POST) /[^<]*</code>", page)
    assert 'data-input="service_completed"' in page


def test_timings_read_count_mean_errors_and_p95_from_the_buckets():
    registry = CollectorRegistry()
    seconds = Histogram("t_seconds", "", ["route"], buckets=(0.1, 0.5, 1), registry=registry)
    answered = Counter("t", "", ["route", "status"], registry=registry)
    for took in [0.05] * 18 + [0.4, 0.9]:  # the 95th of 20 lies in the 0.5 s bucket
        seconds.labels("/a").observe(took)
        answered.labels("/a", "200").inc()
    answered.labels("/a", "500").inc()
    seconds.labels("/b").observe(3)  # past the last bound
    rows = timings(registry, "t_seconds", ("route",), "t",
                   lambda labels: labels["status"].startswith("5"))
    a, b = rows
    assert (a.labels, a.count, a.errors, a.p95_ms, a.p95_beyond) == (("/a",), 20, 1, 500, False)
    assert round(a.mean_ms, 3) == round((0.05 * 18 + 0.4 + 0.9) / 20 * 1000, 3)
    assert (b.labels, b.count, b.p95_ms, b.p95_beyond) == (("/b",), 1, 1000, True)
