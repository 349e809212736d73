"""Worker throughput: outbox jobs per second for one and two worker processes,
on SQLite (WAL) and on PostgreSQL.

Each run queues N notice jobs (no workflow task waits for them) over D
dossiers in a fresh database, then starts W worker processes, each with its
own connection pool, running engine.outbox.worker.run_once until the queue is empty.
The handler does nothing, so the figure is the worker's own cost per job:
claim (FOR UPDATE SKIP LOCKED / BEGIN IMMEDIATE, in batches), the dossier's
lock, the job's completion and its event, one commit per job.

    .venv/bin/python -m bench.worker [--jobs 2000] [--dossiers 50] [--repeat 3] [--batch 20]

PostgreSQL: MOTCUA_BENCH_PG_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test,
skipped when unreachable).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from engine import db, migrate
from engine.db import transaction
from engine.dossiers import runner, side_jobs
from engine.models import Dossier, Job, JobKind
from engine.outbox.worker import run_once
from engine.procedures import operators, procedures
from engine.procedures.bundle import load_bundle

ROOT = Path(__file__).resolve().parent.parent
BUNDLE = ROOT / "tests" / "fixtures" / "quick_timer"  # its dossiers queue no jobs of their own
PG_URL = os.environ.get("MOTCUA_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
START = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


@contextmanager
def fresh_database(backend: str) -> Iterator[str]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/bench.db"
        return
    admin_url = make_url(PG_URL)
    name = f"motcua_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def prepare(url: str, jobs: int, dossiers: int) -> None:
    engine = db.make_engine(url)
    migrate.upgrade(engine)
    sessions = db.session_factory(engine)
    with transaction(sessions) as s:
        procedures.deploy(s, load_bundle(BUNDLE), "bench")
    app = {"ho_ten": "Nguyễn Văn Bình", "so_dinh_danh": "001099000111",
           "hen_gio": (START + timedelta(days=3650)).isoformat()}
    ids = []
    with transaction(sessions) as s:
        for _ in range(dossiers):
            ids.append(runner.submit(s, "quick_timer", app, actor="bench", at=START).id)
    with transaction(sessions) as s:
        for i in range(jobs):
            side_jobs.queue(s, s.get(Dossier, ids[i % dossiers]), JobKind.NOTICE, "bench.noop",
                            f"bench/{i}", {}, START)
    engine.dispose()


def _worker(url: str, name: str, batch: int, ready, go, done) -> None:  # type: ignore[no-untyped-def]
    operators.register("bench.noop")(lambda ctx: {})
    engine = db.make_engine(url)
    sessions = db.session_factory(engine)
    with transaction(sessions) as s:  # connect before the clock starts
        s.execute(text("SELECT 1"))
    ready.release()
    go.wait()
    count = 0
    while True:
        report = run_once(sessions, name, batch, lambda: START)
        count += report.jobs_done
        if report.total == 0:
            break
    done.put(count)
    engine.dispose()


def run(backend: str, workers: int, jobs: int, dossiers: int, batch: int) -> float:
    with fresh_database(backend) as url:
        prepare(url, jobs, dossiers)
        ctx = mp.get_context("fork")
        ready, go, done = ctx.Semaphore(0), ctx.Event(), ctx.Queue()
        procs = [ctx.Process(target=_worker, args=(url, f"w{i}", batch, ready, go, done))
                 for i in range(workers)]
        for p in procs:
            p.start()
        for _ in procs:
            ready.acquire()
        began = time.perf_counter()
        go.set()
        counts = [done.get() for _ in procs]
        elapsed = time.perf_counter() - began
        for p in procs:
            p.join()
        engine = db.make_engine(url)
        with transaction(db.session_factory(engine)) as s:
            left = s.scalar(select(func.count()).select_from(Job).where(Job.status != "done"))
        engine.dispose()
        if sum(counts) != jobs or left:
            raise SystemExit(f"{backend}: {sum(counts)} jobs done of {jobs}, {left} left")
        return jobs / elapsed


def pg_available() -> bool:
    try:
        engine = create_engine(PG_URL)
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--dossiers", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--batch", type=int, default=20)
    args = parser.parse_args()
    backends = ["sqlite"] + (["postgresql"] if pg_available() else [])
    print(f"{args.jobs} jobs over {args.dossiers} dossiers, batch {args.batch}, "
          f"median of {args.repeat} runs")
    print("| backend | 1 worker jobs/s | 2 workers jobs/s | two/one |")
    print("|---|---:|---:|---:|")
    for backend in backends:
        medians = {}
        for workers in (1, 2):
            rates = [run(backend, workers, args.jobs, args.dossiers, args.batch)
                     for _ in range(args.repeat)]
            medians[workers] = statistics.median(rates)
        print(f"| {backend} | {medians[1]:.0f} | {medians[2]:.0f} | "
              f"{medians[2] / medians[1]:.2f}× |", flush=True)


if __name__ == "__main__":
    main()
