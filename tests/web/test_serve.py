"""`motcua serve`: gunicorn with several processes on a database `motcua db upgrade`
prepared; it answers /healthz and /readyz, sums its processes' counters at /metrics,
logs JSON lines, exits cleanly on SIGTERM, and refuses a database not at its schema.
The systemd units in examples/deploy/ are valid and run commands that exist."""

from __future__ import annotations

import configparser
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from web.cli import main

from ..commands import free_port, get, motcua, wait_until_up
from ..conftest import ROOT

UNITS = ROOT / "examples" / "deploy"


@pytest.fixture
def prepared(tmp_path):
    """Settings for a child process, on a SQLite database `motcua db upgrade` made."""
    env = {**os.environ, "MOTCUA_DATABASE_URL": f"sqlite:///{tmp_path / 'served.db'}",
           "PYTHONUNBUFFERED": "1"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    upgrade = motcua(env, "db", "upgrade")
    out, _ = upgrade.communicate(timeout=120)
    assert upgrade.returncode == 0 and "migrated from an empty database" in out, out
    return env


def test_serve_answers_with_several_processes_and_stops_on_sigterm(prepared):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = motcua({**prepared, "MOTCUA_LOG_FORMAT": "json", "MOTCUA_WEB_THREADS": "2"},
                     "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2")
    try:
        wait_until_up(server, f"{base}/healthz")  # one /healthz answered 200
        status, headers, body = get(f"{base}/readyz", {"X-Request-Id": "kiem-tra-1"})
        assert status == 200, body
        assert json.loads(body) == {"status": "ready", "checks": {
            "database": "ok", "schema": "ok", "blobs": "ok"}}
        assert headers["X-Request-Id"] == "kiem-tra-1"
        for _ in range(7):  # new connections: both processes answer some
            assert get(f"{base}/healthz")[0] == 200
        status, _, text = get(f"{base}/metrics")
        assert status == 200
        counted = {(s.name, s.labels.get("route"), s.labels.get("status")): s.value
                   for family in text_string_to_metric_families(text) for s in family.samples}
        assert counted[("motcua_http_requests_total", "/healthz", "200")] == 8
        assert counted[("motcua_http_requests_total", "/readyz", "200")] == 1
    finally:
        server.send_signal(signal.SIGTERM)
        out, _ = server.communicate(timeout=90)
    assert server.returncode == 0, out
    logged = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    ready = [line for line in logged if line.get("route") == "/readyz"]
    assert len(ready) == 1 and ready[0]["request_id"] == "kiem-tra-1" and ready[0]["status"] == 200
    assert "Booting worker" in out and "Shutting down: Master" in out


def test_serve_refuses_a_database_behind_its_code(tmp_path):
    env = {**os.environ, "MOTCUA_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"}
    port = free_port()
    out, _ = (server := motcua(env, "serve", "--bind", f"127.0.0.1:{port}")).communicate(
        timeout=120)
    assert server.returncode == 1, out
    assert "the database has no motcua schema yet: run `motcua db upgrade` first" in out
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


def test_behind_a_proxy_the_forwarded_client_address_counts(sessions, db_url, monkeypatch):
    """MOTCUA_PROXY_HEADERS=1: the client the proxy names is the one checked, so a remote
    client reaching /metrics through a proxy on this machine is refused."""
    from web.serve import build_app

    monkeypatch.setenv("MOTCUA_DATABASE_URL", db_url)
    forwarded = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    direct = build_app(proxy_headers=0).test_client()
    assert direct.get("/metrics", headers=forwarded).status_code == 200
    proxied = build_app(proxy_headers=1).test_client()
    assert proxied.get("/metrics", headers=forwarded).status_code == 403
    assert proxied.get("/metrics").status_code == 200  # the proxy's own address: loopback


# -- systemd units -----------------------------------------------------------------------

def _unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read_string(path.read_text(encoding="utf-8"), source=str(path))
    return parser


@pytest.mark.parametrize("name,command", [("motcua-web.service", "serve"),
                                          ("motcua-worker@.service", "worker")])
def test_the_systemd_units_run_motcua_commands_that_exist(name, command):
    unit = _unit(UNITS / name)
    assert unit["Unit"]["Description"].startswith("motcua")
    assert unit["Install"]["WantedBy"] == "multi-user.target"
    assert unit["Service"]["User"] == "motcua"
    program, *args = shlex.split(unit["Service"]["ExecStart"])
    assert Path(program).name == "motcua" and args[0] == command
    # the options are the command's own (click parses them without running anything)
    main.commands[command].make_context(
        command, [a.replace("%H", "host").replace("%i", "1") for a in args[1:]])


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_systemd_analyze_finds_nothing_wrong_in_the_units(tmp_path):
    """Checked as written, but with ExecStart on this checkout's motcua (verify wants
    the program to exist)."""
    motcua = Path(sys.executable).parent / "motcua"
    copies = []
    for unit in sorted(UNITS.glob("*.service")):
        copy = tmp_path / unit.name
        copy.write_text(unit.read_text(encoding="utf-8").replace(
            "/srv/motcua/.venv/bin/motcua", str(motcua)), encoding="utf-8")
        copies.append(str(copy))
    assert len(copies) == 2
    verify = subprocess.run(["systemd-analyze", "verify", *copies], capture_output=True,
                            text=True, timeout=120)
    complaints = [line for line in (verify.stdout + verify.stderr).splitlines()
                  if str(tmp_path) in line or "motcua" in line]
    assert verify.returncode == 0 and complaints == [], verify.stderr
