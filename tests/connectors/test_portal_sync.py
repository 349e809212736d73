"""portal.sync over real HTTP to a local receiving server: in order per
dossier, retried until acknowledged, each update acknowledged once."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from connectors import portal_sync
from engine.db import transaction
from engine.models import Job, PortalUpdate
from engine.outbox.worker import run_once
from engine.procedures import procedures
from engine.procedures.operators import RetryableError
from engine.scenario.scenario import Clock, all_scenarios, drive

from ..conftest import PROCESSES, at
from .test_delivery import context

MONDAY = at("2026-03-02 08:00")


class Portal:
    """Records every POST; fails the requests whose (code, seq) are in `fail`
    (once each), and answers without an ack for those in `no_ack`."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.keys: list[str] = []
        self.fail: set[int] = set()
        self.no_ack: set[int] = set()
        portal = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                portal.received.append(body)
                portal.keys.append(self.headers["Idempotency-Key"])
                if body["seq"] in portal.fail:
                    portal.fail.discard(body["seq"])
                    self.send_response(503)
                    self.end_headers()
                    return
                answer = {"ack": body["seq"] not in portal.no_ack, "seq": body["seq"]}
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/api/status"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def seqs(self, code: str) -> list[int]:
        return [b["seq"] for b in self.received if b["dossier_code"] == code]


@pytest.fixture
def portal(monkeypatch):
    p = Portal()
    monkeypatch.setenv("MOTCUA_PORTAL_SYNC_URL", p.url)
    yield p
    p.server.shutdown()


@pytest.fixture
def deployed(sessions):
    with transaction(sessions) as s:
        procedures.deploy_path(s, PROCESSES, "test")
    return sessions


def updates(sessions, code):
    with transaction(sessions) as s:
        from engine.models import Dossier
        dossier_id = s.scalar(select(Dossier.id).where(Dossier.code == code))
        return list(s.scalars(select(PortalUpdate).where(PortalUpdate.dossier_id == dossier_id)
                              .order_by(PortalUpdate.seq)))


def test_every_status_change_reaches_the_portal_in_order(deployed, portal):
    code = drive(deployed, all_scenarios()["marital_status"], "approve", clock=Clock(MONDAY))
    rows = updates(deployed, code)
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
    assert all(r.acked_at is not None and r.attempts == 1 for r in rows)
    assert portal.seqs(code) == [r.seq for r in rows]  # each sent once, in order
    codes = [b["status_code"] for b in portal.received]
    # free online: registered (1), never "fees due" (6)
    assert codes[:2] == [1, 2] and 6 not in codes and codes[-1] == 10
    last = portal.received[-1]
    assert last["procedure_code"] == "marital_status" and last["channel"] == 2
    assert last["received_time"] and last["appointment_date"]
    assert portal.keys[0] == f"{code}/1"


def test_a_dossier_with_a_fee_is_registered_then_asked_to_pay(deployed, portal):
    code = drive(deployed, all_scenarios()["construction_permit"], "approve", steps=0,
                 pay=False, clock=Clock(MONDAY))
    assert [(b["seq"], b["status_code"]) for b in portal.received
            if b["dossier_code"] == code] == [(1, 1), (2, 6)]
    assert [r.seq for r in updates(deployed, code)] == [1, 2]


def test_a_failed_update_holds_back_later_ones_until_acknowledged(deployed, portal):
    portal.fail = {2}
    portal.no_ack = {3}
    code = drive(deployed, all_scenarios()["marital_status"], "approve", steps=2,
                 clock=Clock(MONDAY))
    sent = portal.seqs(code)
    assert 3 not in sent[:sent.index(2) + 1]  # nothing after 2 went before 2 was acknowledged
    rows = updates(deployed, code)
    assert rows[0].acked_at is not None
    assert rows[2].acked_at is None and "did not acknowledge" in rows[2].last_error
    portal.no_ack = set()
    for hours in (24, 26, 28):
        run_once(deployed, clock=lambda h=hours: MONDAY + timedelta(hours=h))
    rows = updates(deployed, code)
    assert all(r.acked_at is not None for r in rows)
    acked_order = []
    for seq in portal.seqs(code):
        if seq not in acked_order:
            acked_order.append(seq)
    assert acked_order == sorted(acked_order)
    with transaction(deployed) as s:
        jobs = list(s.scalars(select(Job).where(Job.operator == "portal.sync")))
        assert jobs and all(j.status == "done" for j in jobs)
    assert [r.ack["seq"] for r in rows] == [r.seq for r in rows]


def test_a_job_run_out_of_order_or_twice_sends_in_sequence(deployed, portal, monkeypatch):
    monkeypatch.delenv("MOTCUA_PORTAL_SYNC_URL")
    code = drive(deployed, all_scenarios()["marital_status"], "approve", steps=1,
                 clock=Clock(MONDAY))
    assert portal.received == [] and len(updates(deployed, code)) >= 2
    monkeypatch.setenv("MOTCUA_PORTAL_SYNC_URL", portal.url)
    ctx = context(deployed, code, "portal.sync", f"{code}/portal/99", params={"seq": 99})
    first = portal_sync.sync(ctx)
    second = portal_sync.sync(ctx)
    assert first["acked"] == [r.seq for r in updates(deployed, code)]
    assert second["acked"] == []
    assert portal.seqs(code) == first["acked"]


def test_unreachable_portal_is_retryable(deployed, monkeypatch):
    monkeypatch.setenv("MOTCUA_PORTAL_SYNC_URL", "http://127.0.0.1:9/nowhere")
    code = drive(deployed, all_scenarios()["marital_status"], "approve", steps=0,
                 clock=Clock(MONDAY))
    ctx = context(deployed, code, "portal.sync", f"{code}/portal/1")
    with pytest.raises(RetryableError, match="unreachable"):
        portal_sync.sync(ctx)
    first = updates(deployed, code)[0]
    assert first.acked_at is None and "unreachable" in first.last_error


def test_demo_portal_records_once_and_acknowledges(app, client_factory=None):
    app.config["DEMO"] = True
    client = app.test_client()
    body = {"dossier_code": "UBND-260302-0001", "seq": 1, "status_code": 1,
            "status_time": "2026-03-02T01:00:00+00:00", "received_time": None,
            "appointment_date": None, "channel": 2, "procedure_code": "marital_status"}
    first = client.post("/demo/portal", json=body)
    again = client.post("/demo/portal", json=body)
    assert first.get_json() == {"ack": True, "seq": 1, "duplicate": False}
    assert again.get_json()["duplicate"] is True
    assert client.post("/demo/portal", json={"seq": "x"}).status_code == 400
    page = client.get("/demo/portal").get_data(as_text=True)
    assert page.count("UBND-260302-0001") == 1 and "Mới đăng ký" in page
    app.config["DEMO"] = False
    assert client.get("/demo/portal").status_code == 404
