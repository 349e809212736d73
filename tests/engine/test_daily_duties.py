"""The worker's daily duties include the payment reconciliation, for yesterday."""

from __future__ import annotations

from datetime import UTC, datetime

from connectors import register_all
from engine.outbox.worker_loop import DAILY_DUTIES


def test_reconciliation_is_a_daily_duty_of_every_worker(sessions):
    register_all()
    duty = DAILY_DUTIES["payment_reconciliation"]
    # 01:00 in Hà Nội on 24/11 is 18:00 UTC on 23/11: the day reconciled is 23/11
    report = duty(sessions, datetime(2026, 11, 23, 18, 0, tzinfo=UTC), None)
    assert report == "0 mismatch(es) on 23/11/2026"
