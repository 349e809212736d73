"""The demo: seeding leaves dossiers in different states, all replayable, and
`motcua demo` serves the status page."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from sqlalchemy import select

from engine.audit.events import verify_chain
from engine.db import transaction
from engine.dossiers.replay import replay
from engine.models import Dossier, User
from web.demo import seed

from ..commands import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_seed_gives_varied_dossiers_that_verify_and_replay(sessions):
    seed(sessions, log=lambda _: None)
    with transaction(sessions) as s:
        dossiers = list(s.scalars(select(Dossier)))
        statuses = {d.status for d in dossiers}
        assert len(dossiers) >= 5
        assert {"returned", "supplement_requested", "in_progress", "awaiting_payment"} <= statuses
        assert len(statuses) >= 4
        for d in dossiers:
            assert verify_chain(s, d).ok
            report = replay(s, d)
            assert report.consistent, report
        users = {u.username: {r.role for r in u.roles} for u in s.scalars(select(User))}
        assert users["tiepnhan"] == {"reception"} and users["lanhdao"] == {"leader"}
    seed(sessions, log=lambda _: None)  # a second start adds nothing
    with transaction(sessions) as s:
        assert len(list(s.scalars(select(Dossier)))) == len(dossiers)


def test_a_later_start_adds_the_keys_a_newer_version_needs(sessions, tmp_path, monkeypatch):
    from connectors import organisation_keys

    monkeypatch.setenv("MOTCUA_PKI", str(tmp_path / "pki"))
    seed(sessions, log=lambda _: None)
    assert organisation_keys.has_key("UBND-PHK") and organisation_keys.has_key("UBND-PCG")
    organisation_keys.key_path("UBND-PCG").unlink()  # as in an instance made before agency keys
    organisation_keys.key_path("UBND-PCG").with_suffix(".sealed").unlink()
    seed(sessions, log=lambda _: None)
    assert organisation_keys.has_key("UBND-PCG")
    organisation_keys.open_signer("UBND-PCG")  # its sealed passphrase opens it


def test_demo_command_serves_the_site(tmp_path):
    port = free_port()
    env = dict(os.environ, MOTCUA_INSTANCE=str(tmp_path / "instance"),
               MOTCUA_DATABASE_URL=f"sqlite:///{tmp_path / 'demo.db'}")
    proc = subprocess.Popen([sys.executable, "-m", "web.cli", "demo", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    try:
        body = ""
        # seeding renders and signs results before the server starts: allow a slow machine
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                    body = response.read().decode()
                    break
            except OSError:
                if proc.poll() is not None:
                    break
                time.sleep(0.25)
        assert "Dịch vụ công trực tuyến một cửa" in body, (
            proc.stdout.read() if proc.poll() is not None else "")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as response:
            assert "Tên đăng nhập" in response.read().decode()
    finally:
        proc.terminate()
        output = proc.communicate(timeout=20)[0]
    assert f"Serving http://127.0.0.1:{port}/" in output
    assert "tiepnhan" in output and "motcua-demo" in output
