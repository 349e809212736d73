"""Officer inbox speed: the inbox query on 100,000 open tasks.

Fills a fresh database with open human tasks over many dossiers (rows
inserted directly, no engine runs; completed tasks too, as the table keeps
them for the control sheet), then times engine.dossiers.inbox.inbox — the very
function the inbox page calls: one page of 50 rows plus the three tab
counts — for several officers and filter combinations. Prints the median ms
over the runs, per backend: SQLite always; PostgreSQL when reachable, in a
database created for the run and dropped after it.

    .venv/bin/python -m bench.inbox [--tasks 100000] [--completed 100000] [--runs 20]
                                    [--no-postgres] [--without-created-index]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

from engine import db, migrate
from engine.deadlines.calendar import WorkingCalendar
from engine.dossiers.inbox import Filters, Scope, count_tasks, inbox
from engine.models import Dossier, HumanTask, Procedure, ProcedureVersion

PG_URL = os.environ.get("MOTCUA_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TODAY = date(2026, 3, 4)  # a Wednesday
NOW = datetime(2026, 3, 4, 3, 0, tzinfo=UTC)
PROCEDURES = ("marital_status", "birth_registration", "construction_permit")
STATUSES = ("submitted", "received", "in_progress", "in_progress", "supplement_requested")
# (role, department, share of open tasks, step name)
QUEUES = [("reception", "MOTCUA", 0.25, "Tiếp nhận, kiểm tra hồ sơ"),
          ("specialist", "TUPHAP", 0.25, "Thẩm định"),
          ("specialist", "QLDT", 0.15, "Tổng hợp, dự thảo giấy phép"),
          ("specialist", "TNMT", 0.10, "Cho ý kiến về hồ sơ đề nghị cấp phép"),
          ("leader", "LANHDAO", 0.25, "Phê duyệt, ký")]
OFFICERS = {("reception", "MOTCUA"): ["tiepnhan", "tiepnhan2", "tiepnhan3"],
            ("specialist", "TUPHAP"): ["chuyenvien", "chuyenvien2"],
            ("specialist", "QLDT"): ["chuyenvien_qldt"], ("specialist", "TNMT"): ["chuyenvien_tnmt"],
            ("leader", "LANHDAO"): ["lanhdao", "pholanhdao"]}
CHUNK = 5000
# Not in the schema (yet): makes "sort by created" walk an index instead of sorting.
# to measure what the index on (state, role, department, created_at) buys
DROP_CREATED_INDEX = "DROP INDEX ix_human_tasks_inbox_created"

CASES: list[tuple[str, Scope, Filters]] = [
    ("specialist TUPHAP, all, by due date",
     Scope(frozenset({("specialist", "TUPHAP")}), frozenset({"chuyenvien"})), Filters()),
    ("specialist TUPHAP, unclaimed",
     Scope(frozenset({("specialist", "TUPHAP")}), frozenset({"chuyenvien"})), Filters(tab="unclaimed")),
    ("specialist TUPHAP, mine",
     Scope(frozenset({("specialist", "TUPHAP")}), frozenset({"chuyenvien"})), Filters(tab="mine")),
    ("reception MOTCUA, overdue",
     Scope(frozenset({("reception", "MOTCUA")}), frozenset({"tiepnhan"})), Filters(due="overdue")),
    ("reception MOTCUA, due soon",
     Scope(frozenset({("reception", "MOTCUA")}), frozenset({"tiepnhan"})), Filters(due="soon")),
    ("reception MOTCUA, one procedure",
     Scope(frozenset({("reception", "MOTCUA")}), frozenset({"tiepnhan"})),
     Filters(procedure="construction_permit")),
    ("reception MOTCUA, status supplement_requested",
     Scope(frozenset({("reception", "MOTCUA")}), frozenset({"tiepnhan"})),
     Filters(status="supplement_requested")),
    ("reception MOTCUA, by dossier code desc",
     Scope(frozenset({("reception", "MOTCUA")}), frozenset({"tiepnhan"})),
     Filters(sort="code", descending=True)),
    ("reception MOTCUA, by created, page 40",
     Scope(frozenset({("reception", "MOTCUA")}), frozenset({"tiepnhan"})),
     Filters(sort="created", page=40)),
    ("leader + delegation (2 owners)",
     Scope(frozenset({("leader", "LANHDAO")}), frozenset({"pholanhdao", "lanhdao"})), Filters()),
    ("specialist in 3 departments",
     Scope(frozenset({("specialist", "TUPHAP"), ("specialist", "QLDT"), ("specialist", "TNMT")}),
           frozenset({"chuyenvien"})), Filters()),
]


def fill(url: str, tasks: int, completed: int, without_created_index: bool,
         seed: int = 7) -> None:
    rnd = random.Random(seed)
    engine = db.make_engine(url)
    migrate.upgrade(engine)
    dossiers = max(1, tasks // 2)
    with engine.begin() as conn:
        for i, code in enumerate(PROCEDURES, start=1):
            conn.execute(insert(Procedure), [{"id": i, "code": code, "name_vi": code, "name_en": code}])
            conn.execute(insert(ProcedureVersion), [{
                "id": i, "procedure_id": i, "version": 1, "content_hash": code, "files": {},
                "settings": {}, "bpmn_process_id": code, "deployed_at": NOW}])
    rows = []
    with engine.begin() as conn:
        for i in range(1, dossiers + 1):
            day = TODAY - timedelta(days=rnd.randrange(0, 60))
            rows.append({
                "id": i, "code": f"UBND-X-{day:%y%m%d}-{i:06d}",
                "procedure_version_id": rnd.randrange(1, len(PROCEDURES) + 1),
                "status": rnd.choice(STATUSES), "channel": rnd.choice(("online", "counter")),
                "agency": "UBND-X", "applicant_name": f"Công dân {i}", "application": {},
                "fee_amount": 0, "submitted_at": NOW - timedelta(days=rnd.randrange(0, 60)),
                "state": "", "serializer_version": "bench", "paused_working_days": 0,
                "revision": 1, "last_event_seq": 0, "last_event_hash": ""})
            if len(rows) == CHUNK:
                conn.execute(insert(Dossier), rows)
                rows = []
        if rows:
            conn.execute(insert(Dossier), rows)
    weights = [q[2] for q in QUEUES]
    with engine.begin() as conn:
        rows = []
        for n in range(tasks + completed):
            role, dept, _, name = rnd.choices(QUEUES, weights)[0]
            open_ = n < tasks
            created = NOW - timedelta(days=rnd.randrange(0, 30), minutes=rnd.randrange(0, 600))
            rows.append({
                "dossier_id": rnd.randrange(1, dossiers + 1), "workflow_task_id": str(uuid.UUID(
                    int=rnd.getrandbits(128))), "element_id": name[:20], "name": name,
                "lane": f"lane_{role}", "role": role, "department": dept, "form": None,
                "assignee": rnd.choice(OFFICERS[(role, dept)]) if rnd.random() < 0.15 else None,
                "state": "open" if open_ else "completed", "created_at": created,
                "due_date": TODAY + timedelta(days=rnd.randrange(-10, 20)),
                "completed_at": None if open_ else created + timedelta(hours=5),
                "completed_by": None if open_ else "someone"})
            if len(rows) == CHUNK:
                conn.execute(insert(HumanTask), rows)
                rows = []
        if rows:
            conn.execute(insert(HumanTask), rows)
    with engine.begin() as conn:
        if without_created_index:
            conn.execute(text(DROP_CREATED_INDEX))
        conn.execute(text("ANALYZE"))
    engine.dispose()


def measure(url: str, runs: int) -> list[tuple[str, float, int]]:
    engine = db.make_engine(url)
    sessions = db.session_factory(engine)
    soon = WorkingCalendar().next_working_day(TODAY)
    results = []
    for label, scope, filters in CASES:
        times = []
        for _ in range(runs + 1):  # the first run warms the caches and is not counted
            with sessions() as s:
                start = time.perf_counter()
                inbox(s, scope, filters, TODAY, soon)
                times.append((time.perf_counter() - start) * 1000)
                s.rollback()
        with sessions() as s:  # the exact size of the tab, for the table (not timed)
            total = count_tasks(s, scope, filters, filters.tab, TODAY, soon, cap=10**9)
        results.append((label, statistics.median(times[1:]), total))
    engine.dispose()
    return results


def report(name: str, results: list[tuple[str, float, int]]) -> None:
    print(f"\n{name}")
    print(f"  {'case':48} {'median ms':>10} {'tasks in tab':>13}")
    for label, ms, total in results:
        print(f"  {label:48} {ms:10.1f} {total:13,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--completed", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--without-created-index", action="store_true",
                        help="drop ix_human_tasks_inbox_created, to see what it buys")
    args = parser.parse_args()
    print(f"{args.tasks:,} open and {args.completed:,} completed tasks over {args.tasks // 2:,} "
          f"dossiers; median of {args.runs} runs of engine.dossiers.inbox.inbox "
          "(a page of 50 rows + 3 tab counts, each counted up to 1,001)"
          + ("; without the created-at index" if args.without_created_index else ""))
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/inbox.db"
        t0 = time.perf_counter()
        fill(url, args.tasks, args.completed, args.without_created_index)
        print(f"SQLite filled in {time.perf_counter() - t0:.0f} s")
        report("SQLite (WAL)", measure(url, args.runs))
    if args.no_postgres:
        return
    admin_url = make_url(PG_URL)
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            name = f"motcua_bench_inbox_{uuid.uuid4().hex[:8]}"
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # PostgreSQL is optional here
        print(f"\nPostgreSQL not reachable ({type(exc).__name__}); skipped")
        return
    try:
        url = admin_url.set(database=name).render_as_string(hide_password=False)
        t0 = time.perf_counter()
        fill(url, args.tasks, args.completed, args.without_created_index)
        print(f"\nPostgreSQL filled in {time.perf_counter() - t0:.0f} s")
        report("PostgreSQL", measure(url, args.runs))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
