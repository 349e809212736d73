"""Events are hash-chained; verify finds tampering; replay reproduces history."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from engine.db import transaction
from engine.events import verify_chain
from engine.models import Event
from engine.replay import replay

from .conftest import FIXTURES, at
from .helpers import complete, deploy, dossier, submit, work

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
