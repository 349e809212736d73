"""The daily reconciliation with the gateway's own word on each payment."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from engine.db import transaction
from engine.deadlines.calendar import VIETNAM_TZ as VIETNAM
from engine.models import Payment
from engine.payments import payments

from . import current_gateway
from .gateway import GatewayError, PaymentGateway

log = logging.getLogger("motcua.payments")


def reconcile_day(session: Session, day: date, gateway: PaymentGateway | None = None,
                  ask_gateway: bool = True) -> list[payments.Mismatch]:
    """`engine.payments.payments.reconcile` for one Vietnam day, each online payment checked
    against the gateway's status query (unless `ask_gateway` is false)."""
    if not ask_gateway:
        return payments.reconcile(session, day)
    adapter = gateway or current_gateway()
    unreachable: list[payments.Mismatch] = []

    def query(payment: Payment) -> payments.GatewayStatus | None:
        try:
            result = adapter.query(payment.reference, payment.created_at)
        except GatewayError as exc:
            unreachable.append(payments.Mismatch(payment.reference, None,
                                                 f"gateway query failed: {exc}"))
            # no verdict from the gateway: echo our own record
            return payments.GatewayStatus(payment.status in ("paid", "refunded", "late"),
                                          payment.amount, payment.refunded_at is not None)
        if not result.found:
            return None
        return payments.GatewayStatus(result.paid, result.amount,
                                      result.transaction_type in ("02", "03"))

    return payments.reconcile(session, day, query) + unreachable


def daily_duty(factory: sessionmaker[Session], now: datetime, settings: object) -> str:
    """The worker's daily reconciliation: yesterday (Vietnam time) against the gateway;
    each mismatch is logged as a warning (`motcua payments reconcile` shows them too)."""
    day = (now.astimezone(VIETNAM) - timedelta(days=1)).date()
    with transaction(factory) as session:
        found = reconcile_day(session, day)
    for mismatch in found:
        log.warning("payment reconciliation %s: %s", day.isoformat(), mismatch)
    return f"{len(found)} mismatch(es) on {day:%d/%m/%Y}"
