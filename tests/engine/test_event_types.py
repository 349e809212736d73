"""The vocabulary of events (engine.audit.event_types) and what each means to officers
and to the applicant (web.event_words)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from engine.audit.event_types import EventType
from engine.audit.events import event_hash
from engine.models import Dossier, Event
from web.event_words import Audience, Reading, describe

from ..conftest import ROOT

AT = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
BOOKKEEPING = {EventType.JOB_QUEUED, EventType.CHECKPOINT, EventType.TIMER_SET}
WRITTEN = re.compile(r"""(?:events\.append\(\s*session,\s*dossier,\s*|log\.append\(\(|"""
                     r"""events\.append\(\(|Input\()\s*"([a-z_]+)"(?!\s*\+)""")


def test_every_type_the_engine_writes_is_in_the_vocabulary():
    written = {name for path in (ROOT / "engine").rglob("*.py")
               for name in WRITTEN.findall(path.read_text())}
    assert len(written) > 15  # the scan saw the engine
    assert written - {t.value for t in EventType} == set()


def test_the_values_are_the_stored_strings_so_the_hash_chain_does_not_change():
    assert EventType.PAYMENT_LATE == "payment_late"
    assert event_hash("0" * 64, "X", 1, AT, "a", EventType.VIEWED, {}) == \
        event_hash("0" * 64, "X", 1, AT, "a", "viewed", {})


def _event(type_: str, payload: dict | None = None) -> Event:
    return Event(type=type_, payload=payload or {}, actor="gateway:sandbox", at=AT, seq=1)


@pytest.fixture
def page(app):
    with app.test_request_context("/"):
        yield


@pytest.mark.parametrize("kind", sorted(set(EventType) - BOOKKEEPING))
def test_officers_read_every_type_in_words(page, kind):
    told = describe(_event(kind), Audience.OFFICER, Reading())
    assert told is not None and not told.text.startswith("Sự kiện:")


@pytest.mark.parametrize("kind", sorted(BOOKKEEPING))
def test_bookkeeping_is_news_to_nobody(page, kind):
    for audience in Audience:
        assert describe(_event(kind), audience, Reading()) is None


@pytest.mark.parametrize("kind", [EventType.VIEWED, EventType.TASK_CLAIMED,
                                  EventType.APOLOGY_ISSUED, EventType.INCIDENT_RAISED])
def test_the_applicant_does_not_see_the_office_at_work(page, kind):
    assert describe(_event(kind), Audience.APPLICANT, Reading(dossier=Dossier())) is None


LATE = {"reference": "TT-0002", "amount": 50000, "transaction_no": "123", "was": "cancelled",
        "why": "fee_settled", "settled_by": "TT-0001"}
REFUNDED = {"reference": "TT-0002", "refund_reference": "HT-0001", "amount": 50000,
            "gateway_refund_no": "9", "job_id": 4}


def test_a_late_payment_and_its_refund_in_words_for_officers(page):
    late = describe(_event(EventType.PAYMENT_LATE, LATE), Audience.OFFICER, Reading())
    refunded = describe(_event(EventType.LATE_PAYMENT_REFUNDED, REFUNDED), Audience.OFFICER,
                        Reading())
    assert late is not None and refunded is not None
    assert "TT-0002" in late.text and "50.000" in late.text and "biên lai TT-0001" in late.text
    assert "hoàn trả" in late.text
    assert "HT-0001" in refunded.text and "TT-0002" in refunded.text


def test_a_late_payment_and_its_refund_in_words_for_the_applicant(page):
    reading = Reading(dossier=Dossier())
    late = describe(_event(EventType.PAYMENT_LATE, LATE), Audience.APPLICANT, reading)
    refunded = describe(_event(EventType.LATE_PAYMENT_REFUNDED, REFUNDED), Audience.APPLICANT,
                        reading)
    assert late is not None and "sẽ được hoàn trả cho bạn" in late.text
    assert refunded is not None and "Đã hoàn trả cho bạn" in refunded.text
    assert "TT-0001" not in late.text  # the office's receipt is the office's business


def test_a_late_payment_in_english(app):
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        from flask import session
        session["lang"] = "en"
        told = describe(_event(EventType.PAYMENT_LATE, LATE), Audience.APPLICANT, Reading())
    assert told is not None and "refunded to you" in told.text
