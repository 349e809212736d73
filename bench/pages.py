"""What one page costs the server alone: the pages of load.py, asked one after another
in this process (Flask's test client, no network, no other load) on a filled database.

For each page: median and p95 ms over `--repeat` requests after one to warm up, the SQL
statements it ran, and its median over `/healthz`'s (the same app, no database) — what
the page costs beyond the request's own machinery. `--profile PAGE` prints where that
page's time goes (cProfile, the 30 costliest functions by their own time, or by `--sort cumulative`).

    .venv/bin/python -m bench.pages --url postgresql+psycopg://postgres@127.0.0.1:5432/motcua_1m \
        [--repeat 30] [--profile inbox]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from bench.bench_db import percentile
from bench.fill import fill
from engine.models import Dossier

OFFICER_LINK = re.compile(r'href="(/can-bo/ho-so/[^"/?#]+)"')
CITIZEN_LINK = re.compile(r'href="(/ho-so/[A-Z0-9-]+)"')
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class Page:
    name: str
    client: FlaskClient
    paths: list[str]


def sign_in(app: Flask, username: str, password: str) -> FlaskClient:
    client = app.test_client()
    token = CSRF.search(client.get("/login").get_data(as_text=True))
    assert token is not None, "no CSRF token on the sign-in page"
    r = client.post("/login", data={"csrf_token": token.group(1), "username": username,
                                    "password": password})
    if r.status_code != 302:
        raise SystemExit(f"{username} could not sign in")
    return client


def pages(app: Flask, password: str, citizen: str) -> list[Page]:
    officer = sign_in(app, "tiepnhan", password)
    specialist = sign_in(app, "chuyenvien", password)
    person = sign_in(app, citizen, password)
    inbox = officer.get("/can-bo/hop-viec").get_data(as_text=True)
    mine = person.get("/ho-so").get_data(as_text=True)
    officer_dossiers = OFFICER_LINK.findall(inbox)[:10] or ["/can-bo/hop-viec"]
    citizen_dossiers = CITIZEN_LINK.findall(mine)[:10] or ["/ho-so"]
    return [Page("baseline /healthz", person, ["/healthz"]),
            Page("officer: inbox (reception)", officer, ["/can-bo/hop-viec"]),
            Page("officer: inbox (specialist)", specialist, ["/can-bo/hop-viec"]),
            Page("officer: a dossier", officer, officer_dossiers),
            Page("citizen: my dossiers", person, ["/ho-so"]),
            Page("citizen: a dossier", person, citizen_dossiers)]


@dataclass
class Figures:
    times: list[float]
    statements: int


def measure(page: Page, repeat: int, count: Callable[[], int]) -> Figures:
    page.client.get(page.paths[0])
    times = []
    before = count()
    for i in range(repeat):
        started = time.perf_counter()
        r = page.client.get(page.paths[i % len(page.paths)])
        times.append(time.perf_counter() - started)
        if r.status_code != 200:
            raise SystemExit(f"{page.name}: HTTP {r.status_code}")
    return Figures(times, round((count() - before) / repeat))


def profile(page: Page, repeat: int, sort: str) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(repeat):
        page.client.get(page.paths[i % len(page.paths)])
    profiler.disable()
    pstats.Stats(profiler).sort_stats(sort).print_stats(30)


def a_citizen(sessions: sessionmaker[Session]) -> str:
    """The applicant of the newest filled dossier (the fill spreads dossiers evenly)."""
    with sessions() as s:
        return str(s.scalar(select(Dossier.applicant_user).where(
            Dossier.applicant_user.like("congdan%")).order_by(Dossier.id.desc()).limit(1)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="the database, filled by bench/fill.py")
    parser.add_argument("--fill", type=int, help="fill a fresh database at --url first")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--password", default="motcua-bench")
    parser.add_argument("--profile", help="a page whose name contains this is profiled")
    parser.add_argument("--sort", default="tottime", help="the profile's order (pstats keys)")
    args = parser.parse_args()
    if args.fill:
        fill(args.url, args.fill, days=2, open_days=1, citizens=2, password=args.password,
             scenarios=["marital_status:approve"])
    from engine import config
    from web.app import create_app
    from web.startup import sessions_at_head

    # the demo's settings: no payment gateway or timestamp authority is asked for
    # while pages are read, and the pages are the same code
    config.install(config.load({**os.environ, "MOTCUA_DEMO": "1"}))
    sessions = sessions_at_head(args.url)
    app = create_app(sessions)
    statements = [0]

    def counted(*_: Any) -> None:
        statements[0] += 1

    event.listen(sessions.kw["bind"], "before_cursor_execute", counted)
    found = pages(app, args.password, a_citizen(sessions))
    random.Random(1).shuffle(found[3].paths)
    results = {p.name: measure(p, args.repeat, lambda: statements[0]) for p in found}
    base = statistics.median(results["baseline /healthz"].times)
    print(f"{'page':30} {'median ms':>9} {'p95 ms':>8} {'statements':>10} {'median/baseline':>15}")
    for name, f in results.items():
        median = statistics.median(f.times)
        print(f"{name:30} {median * 1000:9.1f} {percentile(f.times, 0.95) * 1000:8.1f} "
              f"{f.statements:10d} {median / base:15.1f}")
    if args.profile:
        [page] = [p for p in found if args.profile in p.name][:1]
        profile(page, args.repeat, args.sort)


if __name__ == "__main__":
    main()
