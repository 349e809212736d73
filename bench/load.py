"""The web under load: `motcua serve` (processes × threads) on a filled database, and
simulated people over loopback for a fixed time.

Officers go inbox → a dossier of their inbox → inbox again; citizens go "my dossiers"
→ one of theirs → back; each waits `--think` seconds between requests (so 50 people
ask about 50 pages a second), and makes their first request at a random moment of the
first `--think` seconds (fifty people do not all click in the same millisecond). Each comes from an address of its own
(`X-Forwarded-For` behind `MOTCUA_PROXY_HEADERS=1`, as behind a reverse proxy), and
signs in before the clock starts. A probe asks `/healthz` every 0.2 s during the
run: its latency is the baseline the pages are compared with (the same processes,
the same moment, no database).

Prints, per page: requests, errors, median, p95 and p99 ms, and p95 over the
baseline's p95.

    .venv/bin/python -m bench.fill --url postgresql+psycopg://postgres@127.0.0.1:5432/motcua_1m
    .venv/bin/python -m bench.load --url postgresql+psycopg://postgres@127.0.0.1:5432/motcua_1m \
        [--users 50] [--seconds 60] [--think 1] [--workers 2] [--threads 4] [--officers 0.5]

`--fill N` first fills a fresh database at `--url` with N dossiers of one scenario path
(for a quick try; the figures are for a database bench/fill.py filled in full).
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from bench.bench_db import percentile
from bench.fill import fill

ROOT = Path(__file__).resolve().parent.parent
OFFICERS = ("tiepnhan", "chuyenvien", "lanhdao")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Figures:
    """Latencies (seconds) and failures per page, from every simulated person."""
    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def add(self, page: str, seconds: float, error: str | None) -> None:
        with self.lock:
            self.latencies[page].append(seconds)
            if error:
                self.errors[page].append(error)


class BehindTls(http.cookiejar.DefaultCookiePolicy):
    """The session cookie is `Secure`: a browser sends it over TLS, which the reverse
    proxy ends; here the loopback plays the proxy, so the cookie goes back over HTTP."""

    def return_ok_secure(self, cookie: http.cookiejar.Cookie, request: urllib.request.Request) -> bool:
        return True


class Person:
    """One browser: its cookies, its address, its own pace."""

    def __init__(self, base: str, address: str, figures: Figures):
        self.base = base
        self.address = address
        self.figures = figures
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar(BehindTls())))

    def get(self, path: str, page: str | None = None) -> str:
        return self._call(urllib.request.Request(self.base + path), page)

    def _call(self, request: urllib.request.Request, page: str | None) -> str:
        request.add_header("X-Forwarded-For", self.address)
        started = time.perf_counter()
        error, body = None, ""
        try:
            with self.opener.open(request, timeout=30) as response:
                body = response.read().decode()
                if response.status != 200:
                    error = f"HTTP {response.status}"
        except urllib.error.HTTPError as exc:
            error = f"HTTP {exc.code}"
        except OSError as exc:
            error = exc.__class__.__name__
        if page is not None:
            self.figures.add(page, time.perf_counter() - started, error)
        elif error:
            raise RuntimeError(f"{request.full_url}: {error}")
        return body

    def sign_in(self, username: str, password: str) -> None:
        token = CSRF.search(self.get("/login"))
        if token is None:
            raise RuntimeError("no CSRF token on the sign-in page")
        form = urllib.parse.urlencode({"csrf_token": token.group(1), "username": username,
                                       "password": password}).encode()
        page = self._call(urllib.request.Request(self.base + "/login", data=form), None)
        if "/logout" not in page:
            raise RuntimeError(f"{username} could not sign in")


@dataclass(frozen=True)
class Journey:
    """A list page, then one dossier linked from it, then the list again."""
    who: str
    list_path: str
    list_page: str
    links: re.Pattern[str]

    def walk(self, person: Person, until: float, think: float, rng: random.Random) -> None:
        time.sleep(rng.uniform(0, think))  # people arrive apart, not all in one instant
        while time.monotonic() < until:
            listing = person.get(self.list_path, f"{self.who} {self.list_page}")
            time.sleep(think)
            found = self.links.findall(listing)
            if found and time.monotonic() < until:
                person.get(rng.choice(found), f"{self.who} dossier page")
                time.sleep(think)


OFFICER = Journey("officer", "/can-bo/hop-viec", "inbox", re.compile(r'href="(/can-bo/ho-so/[^"/?#]+)"'))
CITIZEN = Journey("citizen", "/ho-so", "my dossiers", re.compile(r'href="(/ho-so/[A-Z0-9-]+)"'))


def probe(base: str, until: float, figures: Figures) -> None:
    person = Person(base, "10.255.255.254", figures)
    while time.monotonic() < until:
        person.get("/healthz", "baseline /healthz")
        time.sleep(0.2)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(url: str, workers: int, threads: int, instance: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    # the demo's settings: no payment gateway or timestamp authority is asked for while
    # pages are read, and the pages are the same code
    env = {**os.environ, "MOTCUA_DATABASE_URL": url, "MOTCUA_INSTANCE": str(instance),
           "MOTCUA_PROXY_HEADERS": "1", "MOTCUA_LOG_FORMAT": "json", "MOTCUA_DEMO": "1"}
    with open(instance / "serve.log", "wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "web.cli", "serve", "--bind", f"127.0.0.1:{port}",
             "--workers", str(workers), "--threads", str(threads)],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"motcua serve stopped: {(instance / 'serve.log').read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(base + "/readyz", timeout=5) as response:
                if response.status == 200:
                    return server, base
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise SystemExit("motcua serve did not become ready in 120 s")


def run(url: str, users: int, seconds: float, think: float, workers: int, threads: int,
        officer_share: float, password: str, citizens: int) -> Figures:
    figures = Figures()
    with tempfile.TemporaryDirectory() as tmp:
        server, base = start_server(url, workers, threads, Path(tmp))
        try:
            people = []
            for i in range(users):
                person = Person(base, f"10.{i // 250}.{i % 250}.{i % 200 + 1}", figures)
                is_officer = i < round(users * officer_share)
                person.sign_in(OFFICERS[i % len(OFFICERS)] if is_officer
                               else f"congdan{i % citizens + 1:05d}", password)
                people.append((person, (OFFICER if is_officer else CITIZEN).walk))
            until = time.monotonic() + seconds
            threads_ = [threading.Thread(target=probe, args=(base, until, figures))]
            threads_ += [threading.Thread(target=act, args=(p, until, think, random.Random(i)))
                         for i, (p, act) in enumerate(people)]
            for t in threads_:
                t.start()
            for t in threads_:
                t.join()
        finally:
            server.terminate()
            server.wait(timeout=30)
    return figures


def report(figures: Figures, seconds: float) -> None:
    base = figures.latencies.get("baseline /healthz") or [float("nan")]
    base_p95 = percentile(base, 0.95)
    total = sum(len(v) for k, v in figures.latencies.items() if not k.startswith("baseline"))
    print(f"{total} page requests in {seconds:.0f} s ({total / seconds:.1f}/s)")
    print(f"{'page':28} {'requests':>8} {'errors':>6} {'median ms':>9} {'p95 ms':>8} "
          f"{'p99 ms':>8} {'p95/baseline':>12}")
    for page in sorted(figures.latencies):
        values = figures.latencies[page]
        p95 = percentile(values, 0.95)
        print(f"{page:28} {len(values):8d} {len(figures.errors.get(page, [])):6d} "
              f"{statistics.median(values) * 1000:9.1f} {p95 * 1000:8.1f} "
              f"{percentile(values, 0.99) * 1000:8.1f} {p95 / base_p95:12.1f}")
    for page, errors in figures.errors.items():
        print(f"  {page}: {', '.join(sorted(set(errors)))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="the database, filled by bench/fill.py")
    parser.add_argument("--fill", type=int, help="fill a fresh database at --url first")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--think", type=float, default=1.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--officers", type=float, default=0.5, help="share of officers")
    parser.add_argument("--citizens", type=int, default=20_000,
                        help="how many citizens the fill made")
    parser.add_argument("--password", default="motcua-bench")
    args = parser.parse_args()
    if args.fill:
        done = fill(args.url, args.fill, days=2, open_days=1, citizens=args.citizens,
                    password=args.password, scenarios=["marital_status:approve"])
        print(f"filled: {done.dossiers} dossiers, {done.open_tasks} open tasks")
    figures = run(args.url, args.users, args.seconds, args.think, args.workers, args.threads,
                  args.officers, args.password, args.citizens)
    report(figures, args.seconds)


if __name__ == "__main__":
    main()
