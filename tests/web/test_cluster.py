"""A cluster on PostgreSQL, as an agency runs one: `motcua serve` with two processes and
two `motcua worker`s take 200 dossiers end to end over the JSON API while one worker and
one web process are killed mid-way. Every dossier is filed once and ends once, every job
is done, every chain verifies and every replay agrees; the surviving worker's counters
and JSON log lines tell what it did."""

from __future__ import annotations

import http.client
import json
import os
import signal
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select
from sqlalchemy.pool import NullPool

from connectors import register_all
from engine.accounts.accounts import create_api_token, create_user
from engine.audit.events import verify_chain
from engine.db import make_engine, session_factory, transaction
from engine.dossiers.replay import replay
from engine.models import Dossier, Event, Incident, Job, User

from ..commands import free_port, get, motcua, wait_until_up
from ..conftest import BACKENDS, DEMO_PASSWORD, FIXTURES, postgres_database
from ..helpers import deploy

pytestmark = pytest.mark.skipif("postgresql" not in BACKENDS,
                                reason="a cluster shares one PostgreSQL database")

DOSSIERS = 200
KILL_AFTER = 70  # dossiers filed when a worker and a web process are killed
ACCOUNTS = {"congdan": ("citizen", "*"), "tiepnhan": ("reception", "TUPHAP"),
            "chuyenvien": ("specialist", "TUPHAP")}
DECISIONS = {"receive": {"reception_decision": "receive"},
             "review": {"review_decision": "approve", "opinion": "Đủ điều kiện."}}
FINAL = "returned"


class Api:
    """The JSON API with a bearer token. A request the server dropped (a web process
    killed under it) is sent again: submitting a draft twice files one dossier, and a
    task completed by the dropped request answers 409 to the second."""

    def __init__(self, base: str, token: str) -> None:
        self.base, self.token = base, token

    def call(self, method: str, path: str, body: dict[str, Any] | None = None,
             done_if_resent: int | None = None) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        for attempt in range(30):
            request = urllib.request.Request(
                self.base + path, data=data, method=method,
                headers={"Authorization": f"Bearer {self.token}",
                         "Content-Type": "application/json", "Accept": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    return response.status, json.loads(response.read() or b"null")
            except urllib.error.HTTPError as error:
                if error.code in (502, 503):
                    pass  # a process going down: once more
                elif attempt and error.code == done_if_resent:
                    return error.code, None
                else:
                    raise AssertionError(f"{method} {path}: {error.code} "
                                         f"{error.read().decode()[:500]}") from None
            except (ConnectionError, http.client.HTTPException, urllib.error.URLError,
                    TimeoutError):
                pass
            time.sleep(0.2)
        raise AssertionError(f"{method} {path}: no answer after 30 tries")


def _children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(p) for p in text.split()]


def _stop(proc, log: Path) -> str:  # type: ignore[no-untyped-def]
    """SIGTERM (unless it ended already), its exit awaited; what it wrote."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=90)
    return log.read_text(encoding="utf-8")


@pytest.fixture
def cluster_db(pg_template):  # type: ignore[no-untyped-def]
    """The migrated database, the cluster procedure deployed, three accounts and their
    API tokens."""
    with postgres_database("motcua_cluster", template=pg_template) as url:
        engine = make_engine(url, poolclass=NullPool)
        sessions = session_factory(engine)
        register_all()
        deploy(sessions, FIXTURES / "cluster")
        tokens = {}
        with transaction(sessions) as s:
            for username, (role, department) in ACCOUNTS.items():
                create_user(s, username, username, DEMO_PASSWORD, [(role, department)],
                            email=f"{username}@example.vn", phone="0912345678",
                            id_number="001094012345")
                user = s.scalar(select(User).where(User.username == username))
                tokens[username] = create_api_token(s, user, "cluster test")[1]
        yield url, sessions, tokens
        engine.dispose()


def test_a_cluster_finishes_every_dossier_once_through_killed_processes(cluster_db, tmp_path):
    url, sessions, tokens = cluster_db
    port, metrics_port = free_port(), free_port()
    env = {**os.environ, "MOTCUA_DATABASE_URL": url, "PYTHONUNBUFFERED": "1",
           "MOTCUA_LOG_FORMAT": "json", "MOTCUA_INSTANCE": str(tmp_path / "instance")}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    base = f"http://127.0.0.1:{port}"
    logs = {name: tmp_path / f"{name}.log" for name in ("serve", "w1", "w2")}
    server = motcua({**env, "MOTCUA_WEB_THREADS": "4"}, "serve", "--bind", f"127.0.0.1:{port}",
                    "--workers", "2", log=logs["serve"])
    workers = [motcua(env, "worker", "--poll", "0.2", "--lease", "3", "--name", name, *extra,
                      log=logs[name])
               for name, extra in (("w1", ()),
                                   ("w2", ("--metrics-bind", f"127.0.0.1:{metrics_port}")))]
    try:
        wait_until_up(server, f"{base}/readyz")
        citizen = Api(base, tokens["congdan"])
        officers = {"receive": Api(base, tokens["tiepnhan"]),
                    "review": Api(base, tokens["chuyenvien"])}
        filed: list[str] = []
        killed = threading.Event()
        finished_at_kill: list[int] = []

        def file(number: int) -> None:
            application = {"ho_ten": f"Công dân số {number:03d}", "so_dinh_danh": "001094012345"}
            _, draft = citizen.call("POST", "/api/v1/drafts",
                                    {"procedure": "cluster", "application": application})
            status, dossier = citizen.call("POST", "/api/v1/dossiers", {"draft": draft["id"]})
            assert status in (200, 201)
            filed.append(dossier["code"])
            if len(filed) == KILL_AFTER and not killed.is_set():
                killed.set()
                with transaction(sessions) as s:
                    finished_at_kill.append(s.scalar(select(func.count()).select_from(
                        Dossier).where(Dossier.status == FINAL)) or 0)
                workers[0].send_signal(signal.SIGKILL)
                os.kill(_children(server.pid)[0], signal.SIGKILL)

        completed = Counter[str]()
        counting = threading.Lock()

        def work(element: str, api: Api, share: int) -> None:
            """Complete the open `element` tasks whose id falls to this share until
            every dossier has passed them."""
            while completed[element] < DOSSIERS:
                _, page = api.call("GET", "/api/v1/tasks?per_page=100")
                mine = [t for t in page["items"]
                        if t["element_id"] == element and t["id"] % 2 == share]
                for task in mine:
                    api.call("POST", f"/api/v1/tasks/{task['id']}/complete",
                             {"data": DECISIONS[element]}, done_if_resent=409)
                    with counting:
                        completed[element] += 1
                if not mine:
                    time.sleep(0.3)

        with ThreadPoolExecutor(8) as pool:
            officer_runs = [pool.submit(work, element, api, share)
                            for element, api in officers.items() for share in (0, 1)]
            for future in [pool.submit(file, n) for n in range(DOSSIERS)]:
                future.result()
            for future in officer_runs:
                future.result(timeout=600)

        deadline = time.monotonic() + 180  # every dossier at its end, the queue empty
        while time.monotonic() < deadline:
            with transaction(sessions) as s:
                if s.scalar(select(func.count()).select_from(Dossier).where(
                        Dossier.status == FINAL)) == DOSSIERS and not s.scalar(
                        select(func.count()).select_from(Job).where(
                            Job.status.in_(("pending", "running")))):
                    break
            time.sleep(0.5)
        assert get(f"{base}/healthz")[0] == 200  # the killed process was replaced
        status, _, text = get(f"http://127.0.0.1:{metrics_port}/metrics")
        assert status == 200
        counted = {(s.name, tuple(sorted(s.labels.items()))): s.value
                   for family in text_string_to_metric_families(text) for s in family.samples}
    finally:
        outputs = [_stop(w, logs[name]) for w, name in zip(workers, ("w1", "w2"), strict=True)]
        served = _stop(server, logs["serve"])

    assert killed.is_set() and finished_at_kill[0] < DOSSIERS  # killed mid-way
    assert workers[0].returncode == -signal.SIGKILL and workers[1].returncode == 0, outputs[1]
    assert server.returncode == 0, served[-3000:]
    assert served.count("Booting worker") >= 3  # two, then the one that replaced the killed
    assert len(set(filed)) == DOSSIERS
    with transaction(sessions) as s:
        dossiers = list(s.scalars(select(Dossier)))
        assert len(dossiers) == DOSSIERS  # no dossier filed twice
        assert sorted(d.application["ho_ten"] for d in dossiers) == [
            f"Công dân số {n:03d}" for n in range(DOSSIERS)]
        assert {d.status for d in dossiers} == {FINAL}
        assert not s.scalars(select(Incident)).all()
        left = [(j.operator, j.status, j.last_error) for j in s.scalars(
            select(Job).where(Job.status != "done"))]
        assert not left
        inputs = Counter((dossier_id, type_) for dossier_id, type_ in s.execute(
            select(Event.dossier_id, Event.type).where(Event.type.in_(
                ("submitted", "task_completed", "service_completed")))))
        for d in dossiers:  # each input taken once: filed once, fee once, two tasks
            assert (inputs[(d.id, "submitted")], inputs[(d.id, "service_completed")],
                    inputs[(d.id, "task_completed")]) == (1, 1, 2), d.code
            assert verify_chain(s, d).ok, d.code
            assert replay(s, d).consistent, d.code

    fee_done = counted[("motcua_jobs_total", (("operator", "fee.collect"), ("outcome", "done")))]
    assert 0 < fee_done <= DOSSIERS
    assert counted[("motcua_steps_total", (("input", "service_completed"), ("outcome", "done")))] > 0
    logged = [json.loads(line) for line in outputs[1].splitlines() if line.startswith("{")]
    jobs = [line for line in logged if line.get("job") and line.get("outcome")]
    assert jobs and all(line["worker"] == "w2" and line["dossier"] in filed
                        and line["duration_ms"] >= 0 for line in jobs)
