"""Events are hash-chained; verify finds tampering; replay reproduces history."""

from __future__ import annotations

import hashlib
import json
import re

import pytest
from sqlalchemy import select, update

from engine.audit.events import verify_chain
from engine.db import transaction
from engine.dossiers.officers import record_view
from engine.dossiers.replay import replay
from engine.models import Event

from ..conftest import FIXTURES, at
from ..helpers import complete, deploy, dossier, submit, work

APP = {"ho_ten": "Trần Thị Bình", "so_dinh_danh": "079188000111"}


@pytest.fixture
def finished(sessions):
    deploy(sessions, FIXTURES / "mini")
    code = submit(sessions, "mini", APP, at("2026-03-02 09:00"))
    work(sessions, at("2026-03-02 09:00"))
    complete(sessions, code, "receive", {"reception_decision": "receive"}, "r", at("2026-03-02 10:00"))
    complete(sessions, code, "review", {"review_decision": "supplement"}, "cv", at("2026-03-02 11:00"))
    complete(sessions, code, "supplement", {"answer": "ok"}, "citizen1", at("2026-03-03 11:00"))
    work(sessions, at("2026-03-05 12:00"))  # the reminder timer fires meanwhile
    complete(sessions, code, "review", {"review_decision": "approve"}, "cv", at("2026-03-05 13:00"))
    work(sessions, at("2026-03-05 13:00"))
    assert dossier(sessions, code).status == "returned"
    return sessions, code


def test_intact_chain_verifies(finished):
    sessions, code = finished
    with transaction(sessions) as s:
        d = dossier(sessions, code)
        report = verify_chain(s, d)
        assert report.ok, report
        assert report.events > 20


def _tamper(sessions, code, statement):
    with transaction(sessions) as s:
        d = dossier(sessions, code)
        s.execute(statement(d.id))
    with transaction(sessions) as s:
        return verify_chain(s, dossier(sessions, code))


def test_edited_payload_is_found(finished):
    sessions, code = finished
    with transaction(sessions) as s:
        target = s.scalar(select(Event).where(Event.type == "task_completed").order_by(Event.seq))
        seq = target.seq
        forged = dict(target.payload, data={"reception_decision": "refuse"})
    report = _tamper(sessions, code, lambda did: update(Event).where(
        Event.dossier_id == did, Event.seq == seq).values(payload=forged))
    assert not report.ok and report.first_bad_seq == seq and "edited" in report.reason


def test_removed_event_is_found(finished):
    sessions, code = finished
    from sqlalchemy import delete
    report = _tamper(sessions, code, lambda did: delete(Event).where(
        Event.dossier_id == did, Event.seq == 5))
    assert not report.ok and report.first_bad_seq == 5 and "missing" in report.reason


def test_removed_last_event_is_found(finished):
    sessions, code = finished
    last = dossier(sessions, code).last_event_seq
    from sqlalchemy import delete
    report = _tamper(sessions, code, lambda did: delete(Event).where(
        Event.dossier_id == did, Event.seq == last))
    assert not report.ok and "removed" in report.reason


def test_replay_is_consistent(finished):
    sessions, code = finished
    with transaction(sessions) as s:
        report = replay(s, dossier(sessions, code))
    assert report.consistent, report
    assert report.inputs >= 8


def test_replay_names_the_first_divergence(finished):
    sessions, code = finished
    # Rewrite history consistently (hashes and all) so only replay can tell:
    # the recorded outcome of the reception says a different task opened.
    with transaction(sessions) as s:
        d = dossier(sessions, code)
        created = s.scalars(select(Event).where(Event.dossier_id == d.id,
                                                Event.type == "task_created").order_by(Event.seq)).all()
        target = created[1]  # the review task opened by the reception
        s.execute(update(Event).where(Event.id == target.id).values(
            payload=dict(target.payload, element_id="approve_by_leader")))
    with transaction(sessions) as s:
        report = replay(s, dossier(sessions, code))
    assert not report.consistent
    assert report.event_seq == target.seq
    assert report.expected[1]["element_id"] == "approve_by_leader"
    assert report.found[1]["element_id"] == "review"


# -- the auditor's page -------------------------------------------------------------


def _auditor(app):
    from ..conftest import login

    return login(app.test_client(), "kiemtoan")


def test_auditor_page_shows_the_chain_and_replay_verdicts(app, people, finished):
    sessions, code = finished
    auditor = _auditor(app)
    r = auditor.get(f"/can-bo/ho-so/{code}/kiem-toan")
    body = r.get_data(as_text=True)
    assert r.status_code == 200
    assert 'id="chain-verdict" class="ok"' in body and "Chuỗi sự kiện nguyên vẹn" in body
    assert 'id="replay-verdict" class="ok"' in body and "cho cùng kết quả ở mọi bước" in body
    events = len(re.findall(r'<tr id="e\d+" data-seq=', body))
    assert events == dossier(sessions, code).last_event_seq - 1  # its own look, hidden
    assert auditor.get(f"/can-bo/ho-so/{code}").get_data(as_text=True).count(
        f"/can-bo/ho-so/{code}/kiem-toan") == 1  # linked from the dossier page
    from ..conftest import login
    specialist = login(app.test_client(), "chuyenvien")
    assert specialist.get(f"/can-bo/ho-so/{code}/kiem-toan").status_code == 403
    assert specialist.get(f"/can-bo/ho-so/{code}/nhat-ky.json").status_code == 403


def test_auditor_shows_or_hides_the_looks_and_every_event_is_still_verified(
        app, people, finished):
    sessions, code = finished
    for username in ("chuyenvien", "kiemtoan", "kiemtoan"):
        with transaction(sessions) as s:
            record_view(s, dossier(sessions, code).id, username, at("2026-03-06 09:00"))
    auditor = _auditor(app)
    body = auditor.get(f"/can-bo/ho-so/{code}/kiem-toan").get_data(as_text=True)
    total = dossier(sessions, code).last_event_seq
    rows = re.findall(r'<tr id="e\d+" data-seq=\S+>.*?<code>(\w+)</code>', body, re.S)
    assert len(rows) == total - 4 and "viewed" not in rows  # 3 looks and this one
    assert f'<dd id="event-count">{total}</dd>' in body
    assert "Đã ẩn 4 lượt xem hồ sơ" in body and 'class="ok"' in body
    shown = auditor.get(f"/can-bo/ho-so/{code}/kiem-toan?luot-xem=hien").get_data(as_text=True)
    rows = re.findall(r'<tr id="e\d+" data-seq=\S+>.*?<code>(\w+)</code>', shown, re.S)
    assert len(rows) == total + 1 and rows.count("viewed") == 5
    assert "Đang hiện cả 5 lượt xem hồ sơ." in shown and "Ẩn các lượt xem" in shown
    # a hidden look is still part of the chain: editing it breaks the verdict
    with transaction(sessions) as s:
        seq = s.scalar(select(Event.seq).where(Event.type == "viewed").order_by(Event.seq))
    _tamper(sessions, code, lambda did: update(Event).where(
        Event.dossier_id == did, Event.seq == seq).values(actor="ai-do"))
    body = auditor.get(f"/can-bo/ho-so/{code}/kiem-toan").get_data(as_text=True)
    assert 'id="chain-verdict" class="bad"' in body and f"từ sự kiện {seq}." in body


def test_the_exported_log_can_be_checked_without_motcua(app, people, finished):
    sessions, code = finished
    r = _auditor(app).get(f"/can-bo/ho-so/{code}/nhat-ky.json")
    assert r.status_code == 200 and r.mimetype == "application/json"
    assert f'filename="{code}-nhat-ky.json"' in r.headers["Content-Disposition"]
    log = json.loads(r.get_data(as_text=True))
    prev = log["genesis"]
    for expected_seq, event in enumerate(log["events"], start=1):
        # the rule the export states, written out here independently of engine.audit.events
        body = json.dumps({"dossier": log["dossier"], "seq": event["seq"], "at": event["at"],
                           "actor": event["actor"], "type": event["type"],
                           "payload": event["payload"]},
                          sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert event["seq"] == expected_seq and event["prev_hash"] == prev
        assert hashlib.sha256((prev + body).encode()).hexdigest() == event["hash"]
        prev = event["hash"]
    assert prev == log["head"] and log["procedure"]["code"] == "mini"


def test_auditor_page_names_the_first_edited_event(app, people, finished):
    sessions, code = finished
    with transaction(sessions) as s:
        target = s.scalar(select(Event).where(Event.type == "task_completed").order_by(Event.seq))
        seq = target.seq
        forged = dict(target.payload, data={"reception_decision": "refuse"})
    _tamper(sessions, code, lambda did: update(Event).where(
        Event.dossier_id == did, Event.seq == seq).values(payload=forged))
    body = _auditor(app).get(f"/can-bo/ho-so/{code}/kiem-toan").get_data(as_text=True)
    assert 'id="chain-verdict" class="bad"' in body
    assert f"Chuỗi sự kiện KHÔNG nguyên vẹn từ sự kiện {seq}." in body
    assert f'<tr id="e{seq}" data-seq="{seq}" class="bad">' in body
