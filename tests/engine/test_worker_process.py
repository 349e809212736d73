"""The continuous worker as real processes: timers fire within seconds, a
killed worker's job is taken over after its lease and completed once, SIGTERM
finishes or releases the job in hand and exits 0; two workers never run a job
twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.db import make_engine, session_factory, transaction
from engine.dossiers import runner, side_jobs
from engine.models import Event, Job, JobKind, Timer, utcnow
from engine.outbox.worker import run_once
from engine.procedures.operators import register, unregister

from ..conftest import FIXTURES, ROOT
from ..helpers import complete, deploy, open_tasks

APP = {"ho_ten": "Lê Văn Cường", "so_dinh_danh": "001099000222"}


def _worker(db_url: str, tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "MOTCUA_DATABASE_URL": db_url, "PYTHONUNBUFFERED": "1",
           "TEST_WORKER_LOG": str(tmp_path / "handlers.log"),
           "TEST_WORKER_GATE": str(tmp_path / "gate")}
    return subprocess.Popen([sys.executable, "-m", "tests.engine.worker_child", "--poll", "0.2", *args],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)


def _wait(what, timeout: float = 60.0, every: float = 0.05):  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        found = what()
        if found:
            return found
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def _lines(tmp_path: Path) -> list[list[str]]:
    path = tmp_path / "handlers.log"
    return [line.split() for line in path.read_text().splitlines()] if path.exists() else []


def _stop(proc: subprocess.Popen[str], sig: int = signal.SIGTERM, timeout: float = 20) -> str:
    proc.send_signal(sig)
    out, _ = proc.communicate(timeout=timeout)
    return out


def _dossier(sessions, when=None) -> int:  # type: ignore[no-untyped-def]
    """A quick_timer dossier waiting at reception (no jobs of its own)."""
    with transaction(sessions) as s:
        app = {**APP, "hen_gio": (utcnow() + timedelta(days=365)).isoformat()}
        return runner.submit(s, "quick_timer", app, actor="c", applicant_user="c", at=when).id


def _job(sessions, job_id: int) -> Job:  # type: ignore[no-untyped-def]
    with transaction(sessions) as s:
        job = s.get(Job, job_id)
        assert job is not None
        return job


@pytest.fixture
def quick(sessions):
    deploy(sessions, FIXTURES / "quick_timer")
    return sessions


def test_timers_fire_through_a_running_worker_in_order_never_early(quick, db_url, tmp_path):
    now = utcnow()
    with transaction(quick) as s:
        app = {**APP, "hen_gio": (now + timedelta(seconds=1)).isoformat()}
        code = runner.submit(s, "quick_timer", app, actor="c", applicant_user="c", at=now).code
    complete(quick, code, "receive", {"reception_decision": "receive"}, "tiepnhan", utcnow())
    proc = _worker(db_url, tmp_path)
    try:
        # a date timer (+1 s), then a 2 s duration, then a 3 s boundary timer on the review
        _wait(lambda: [t for t in open_tasks(quick, code) if t.element_id == "escalate"])
    finally:
        out = _stop(proc)
    assert proc.returncode == 0, out
    with transaction(quick) as s:
        fired = list(s.scalars(select(Event).where(Event.type == "timer_fired").order_by(Event.seq)))
        timers = {t.element_id: t for t in s.scalars(select(Timer))}
    assert [e.payload["element_id"] for e in fired] == ["wait_date", "wait_short", "review_timeout"]
    # never early, and each timer is set when the one before it has fired; how late a
    # timer fires on a busy machine is for bench/worker.py, not for a test
    previous = None
    for event in fired:
        timer = timers[event.payload["element_id"]]
        assert event.at >= timer.due_at, (event.payload, timer.due_at)
        if previous is not None:
            assert timer.due_at >= previous.at, (event.payload, previous.payload)
        previous = event
    assert all(t.status == "fired" for t in timers.values())
    assert "timer" in out and "stopped cleanly" in out


def test_killed_worker_job_is_retried_after_the_lease_and_completed_once(quick, db_url, tmp_path):
    dossier_id = _dossier(quick)
    with transaction(quick) as s:
        job_id = side_jobs.queue(s, s.get(runner.Dossier, dossier_id), JobKind.NOTICE,
                                 "test.block", "test/k1", {}, utcnow()).id
    first = _worker(db_url, tmp_path, "--lease", "1.5", "--name", "first")
    _wait(lambda: _lines(tmp_path))
    first.send_signal(signal.SIGKILL)
    first.communicate(timeout=10)
    with transaction(quick) as s:
        job = s.get(Job, job_id)
        assert (job.status, job.claimed_by, job.attempts) == ("running", "first", 1)
    (tmp_path / "gate").touch()
    second = _worker(db_url, tmp_path, "--lease", "1.5", "--name", "second")
    try:
        _wait(lambda: _job(quick, job_id).status == "done")
    finally:
        out = _stop(second)
    assert second.returncode == 0, out
    lines = _lines(tmp_path)
    assert [(w[0], w[3]) for w in lines] == [("start", "1"), ("start", "2"), ("end", "2")]
    assert lines[0][2] == str(first.pid) and lines[2][2] == str(second.pid)
    with transaction(quick) as s:
        job = s.get(Job, job_id)
        assert (job.status, job.claimed_by, job.attempts, job.result) == (
            "done", "second", 2, {"ran_in": second.pid})
        assert s.scalar(select(func.count()).select_from(Event)
                        .where(Event.type == "notice_sent")) == 1
    assert f"job {job_id} test.block" in out


def test_sigterm_finishes_the_job_in_hand(quick, db_url, tmp_path):
    dossier_id = _dossier(quick)
    with transaction(quick) as s:
        job_id = side_jobs.queue(s, s.get(runner.Dossier, dossier_id), JobKind.NOTICE,
                                 "test.block", "test/k1", {}, utcnow()).id
    proc = _worker(db_url, tmp_path, "--grace", "20")
    _wait(lambda: _lines(tmp_path))
    proc.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    assert proc.poll() is None  # still finishing
    (tmp_path / "gate").touch()
    out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0, out
    assert _job(quick, job_id).status == "done"
    assert "SIGTERM received" in out and "stopped cleanly" in out


def test_sigterm_releases_the_job_in_hand_after_the_grace_period(quick, db_url, tmp_path):
    dossier_id = _dossier(quick)
    with transaction(quick) as s:
        job_id = side_jobs.queue(s, s.get(runner.Dossier, dossier_id), JobKind.NOTICE,
                                 "test.block", "test/k1", {}, utcnow()).id
    proc = _worker(db_url, tmp_path, "--grace", "0.5")
    _wait(lambda: _lines(tmp_path))
    out = _stop(proc)
    assert proc.returncode == 0, out
    with transaction(quick) as s:
        job = s.get(Job, job_id)
        assert (job.status, job.claimed_by, job.attempts) == ("pending", None, 1)
    assert "released to the queue" in out
    # the next worker (here, in this process) runs it to the end
    register("test.block")(lambda ctx: {"attempt": ctx.attempt})
    try:
        assert run_once(quick).jobs_done == 1
    finally:
        unregister("test.block")
    assert _job(quick, job_id).result == {"attempt": 2}


@pytest.fixture
def counting(tmp_path):
    seen: list[tuple[int, str]] = []
    lock = threading.Lock()

    def handler(ctx):  # type: ignore[no-untyped-def]
        with lock:
            seen.append((ctx.job_id, threading.current_thread().name))
        fd = os.open(tmp_path / "runs.log", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        os.write(fd, f"{ctx.job_id}\n".encode())
        os.close(fd)
        return {}

    register("test.count")(handler)
    yield seen
    unregister("test.count")


def test_two_workers_never_run_a_job_twice(quick, db_url, tmp_path, counting):
    total = 1000 if db_url.startswith("postgresql") else 300
    dossiers = [_dossier(quick) for _ in range(10)]
    now = utcnow()
    with transaction(quick) as s:
        for i in range(total):
            side_jobs.queue(s, s.get(runner.Dossier, dossiers[i % 10]), JobKind.NOTICE,
                            "test.count", f"test/n{i}", {}, now)
    reports = {}

    def work(name: str) -> None:
        engine = make_engine(db_url)  # a connection pool of its own
        try:
            reports[name] = run_once(session_factory(engine), name, batch=10)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=work, args=(n,), name=n) for n in ("w1", "w2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    runs = [int(x) for x in (tmp_path / "runs.log").read_text().split()]
    assert len(runs) == total and len(set(runs)) == total
    assert sum(r.jobs_done for r in reports.values()) == total
    if db_url.startswith("postgresql"):
        # both took part; SQLite's busy handler can leave one writer waiting while the
        # other claims batch after batch, so there only "never twice" is promised
        assert all(r.jobs_done > 0 for r in reports.values()), reports
    with transaction(quick) as s:
        assert s.scalar(select(func.count()).select_from(Job).where(Job.status != "done")) == 0
        assert s.scalar(select(func.count()).select_from(Event)
                        .where(Event.type == "notice_sent")) == total
