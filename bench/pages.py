"""What one page costs the server alone: the pages of load.py asked one after another
from one client, of `motcua serve` with one process and one thread, on a filled database.

For each page: median and p95 ms over `--repeat` requests after one to warm up, and its
median over `/healthz`'s (the same server and HTTP round trip, no database): what the
page itself costs, with nothing else waiting for the processor. load.py then shows what
becomes of it with fifty people at once.

    .venv/bin/python -m bench.pages --url postgresql+psycopg://postgres@127.0.0.1:5432/motcua_1m \
        [--repeat 30]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, select
from sqlalchemy.engine import make_url

from bench.bench_db import percentile
from bench.fill import fill
from bench.load import CITIZEN, OFFICER, Figures, Person, start_server
from engine.models import Dossier


@dataclass
class Page:
    name: str
    person: Person
    paths: list[str]


def a_citizen(url: str) -> str:
    """The applicant of the newest filled dossier (the fill spreads dossiers evenly)."""
    engine = create_engine(make_url(url))
    try:
        with engine.connect() as conn:
            return str(conn.scalar(select(Dossier.applicant_user).where(
                Dossier.applicant_user.like("congdan%")).order_by(Dossier.id.desc()).limit(1)))
    finally:
        engine.dispose()


def pages(base: str, password: str, citizen: str, figures: Figures) -> list[Page]:
    """The pages, each asked by its person, who records into `figures` (a request not
    named after a page, such as signing in, is not counted)."""
    people = {}
    for username in ("tiepnhan", "chuyenvien", citizen):
        people[username] = Person(base, "127.0.0.1", figures)
        people[username].sign_in(username, password)
    inbox = people["tiepnhan"].get(OFFICER.list_path)
    mine = people[citizen].get(CITIZEN.list_path)
    officer_dossiers = OFFICER.links.findall(inbox)[:10] or [OFFICER.list_path]
    citizen_dossiers = CITIZEN.links.findall(mine)[:10] or [CITIZEN.list_path]
    random.Random(1).shuffle(officer_dossiers)
    return [Page("baseline /healthz", people[citizen], ["/healthz"]),
            Page("officer: inbox (reception)", people["tiepnhan"], [OFFICER.list_path]),
            Page("officer: inbox (specialist)", people["chuyenvien"], [OFFICER.list_path]),
            Page("officer: a dossier", people["tiepnhan"], officer_dossiers),
            Page("citizen: my dossiers", people[citizen], [CITIZEN.list_path]),
            Page("citizen: a dossier", people[citizen], citizen_dossiers)]


def measure(page: Page, repeat: int) -> None:
    page.person.get(page.paths[0])  # to warm up: not counted
    for i in range(repeat):
        page.person.get(page.paths[i % len(page.paths)], page.name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="the database, filled by bench/fill.py")
    parser.add_argument("--fill", type=int, help="fill a fresh database at --url first")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--password", default="motcua-bench")
    args = parser.parse_args()
    if args.fill:
        fill(args.url, args.fill, days=2, open_days=1, citizens=2, password=args.password,
             scenarios=["marital_status:approve"])
    with tempfile.TemporaryDirectory() as tmp:
        server, base = start_server(args.url, 1, 1, Path(tmp))
        try:
            figures = Figures()
            started = time.perf_counter()
            for page in pages(base, args.password, a_citizen(args.url), figures):
                measure(page, args.repeat)
            seconds = time.perf_counter() - started
        finally:
            server.terminate()
            server.wait(timeout=30)
    if figures.errors:
        raise SystemExit(f"pages that failed: {dict(figures.errors)}")
    results = figures.latencies
    base_median = statistics.median(results["baseline /healthz"])
    print(f"{sum(map(len, results.values()))} requests in {seconds:.0f} s, one at a time")
    print(f"{'page':30} {'median ms':>9} {'p95 ms':>8} {'median/baseline':>15}")
    for name, times in results.items():
        median = statistics.median(times)
        print(f"{name:30} {median * 1000:9.1f} {percentile(times, 0.95) * 1000:8.1f} "
              f"{median / base_median:15.1f}")


if __name__ == "__main__":
    main()
