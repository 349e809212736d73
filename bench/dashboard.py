"""The leaders' dashboard on a filled database: each figure's query timed (median of
--repeat runs), and the "tasks not opened since they were claimed" query with and without
its partial index on 'viewed' events (dropped inside a transaction that is rolled back).

fill.py leaves open tasks unclaimed, as in a fresh inbox. Before timing, --claim of them
are claimed by the officer of their role (a real claim: the task's assignee and a
'task_claimed' event on the dossier's chain) and half of those opened (a 'viewed' event),
so the query has assignments to look through (then ANALYZE, as autovacuum would after
such a batch). Run it on a copy: it adds those events.

    python -m bench.dashboard --url postgresql+psycopg://…/motcua_fill [--claim 5000]

`--fill N` first fills a fresh database at `--url` with N dossiers (a quick try).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from bench.fill import fill
from engine.db import make_engine, session_factory, transaction
from engine.deadlines.calendar_store import load_calendar
from engine.dossiers import statistics as figures
from engine.dossiers.monthly_report import monthly_report
from engine.dossiers.officers import claim_task, record_view
from engine.models import Dossier, Event, HumanTask, utcnow

OFFICER_OF = {"reception": "tiepnhan", "specialist": "chuyenvien", "leader": "lanhdao"}
VIEWED_INDEX = "ix_events_viewed"


def claim_some(sessions: sessionmaker[Session], n: int) -> tuple[int, int]:
    """Claim up to n open officer tasks (oldest first), open every other one; return
    (claimed, opened)."""
    with transaction(sessions) as s:
        rows = list(s.execute(
            select(HumanTask.id, HumanTask.role, HumanTask.dossier_id)
            .where(HumanTask.state == "open", HumanTask.assignee.is_(None),
                   HumanTask.role.in_(tuple(OFFICER_OF))).order_by(HumanTask.id).limit(n)))
    at = utcnow() - timedelta(hours=2)
    opened = 0
    for index, (task_id, role, dossier_id) in enumerate(rows):
        with transaction(sessions) as s:
            claim_task(s, task_id, OFFICER_OF[role], at)
            if index % 2 == 0:
                record_view(s, dossier_id, OFFICER_OF[role], at + timedelta(minutes=5))
                opened += 1
    return len(rows), opened


def median_ms(run: Callable[[], Any], repeat: int) -> float:
    took = []
    for _ in range(repeat):
        began = time.perf_counter()
        run()
        took.append((time.perf_counter() - began) * 1000)
    return statistics.median(took)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="a database fill.py filled")
    parser.add_argument("--claim", type=int, default=5000,
                        help="open tasks to claim first (half of them opened)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--fill", type=int, help="fill a fresh database at --url first")
    args = parser.parse_args()
    if args.fill:
        fill(args.url, args.fill, days=2, open_days=1, citizens=2, password="motcua-bench",
             scenarios=["marital_status:approve"])

    engine = make_engine(args.url)
    sessions = session_factory(engine)
    claimed, opened = claim_some(sessions, args.claim)
    with engine.begin() as connection:  # what autovacuum would do after such a batch:
        connection.execute(text("ANALYZE"))  # a fresh fill has no statistics yet
    with transaction(sessions) as s:
        calendar = load_calendar(s)
        today = calendar.local_date(utcnow())
        month_start = figures.day_start(calendar, today.replace(day=1))
        now = utcnow()
        size = (s.scalar(select(func.count()).select_from(Dossier)),
                s.scalar(select(func.count()).select_from(HumanTask)),
                s.scalar(select(func.count()).select_from(Event)))
        queries: dict[str, Callable[[], Any]] = {
            "activity (today, week, month)": lambda: figures.activity(s, calendar, today),
            "on time by procedure, this month": lambda: figures.on_time_by_procedure(
                s, calendar, month_start, now),
            "on time by department": lambda: figures.on_time_by_department(s, month_start, now),
            "on time by officer": lambda: figures.on_time_by_officer(s, month_start, now),
            "due within 2 working days": lambda: figures.due_soon(s, calendar, today, 2),
            "tasks not opened": lambda: figures.unopened(s),
            "monthly report": lambda: monthly_report(s, calendar, today.year, today.month),
        }
        print(f"{size[0]:,} dossiers, {size[1]:,} tasks, {size[2]:,} events on "
              f"{engine.dialect.name}; {claimed:,} tasks claimed, {opened:,} of them opened")
        print(f"{'query':<44} {'median ms':>10}")
        timed = {}
        for name, run in queries.items():
            run()  # warm: the plan and the pages in memory
            timed[name] = median_ms(run, args.repeat)
            print(f"{name:<44} {timed[name]:>10.1f}")
        not_opened = figures.unopened(s)[0]
    with sessions() as s:  # the same query without the partial index, then put back
        s.execute(text(f"DROP INDEX {VIEWED_INDEX}"))
        figures.unopened(s)
        without = median_ms(lambda: figures.unopened(s), args.repeat)
        s.rollback()
    print(f"{'tasks not opened, without ' + VIEWED_INDEX:<44} {without:>10.1f}")
    print(f"not opened: {not_opened:,} tasks; without/with the index: "
          f"{without / timed['tasks not opened']:.1f}x")
    engine.dispose()


if __name__ == "__main__":
    main()
