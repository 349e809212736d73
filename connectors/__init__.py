"""Service-task handlers. `register_all()` puts every handler in the engine's registry."""

from __future__ import annotations


def register_all() -> None:
    from engine.outbox.worker_loop import register_daily

    from . import delivery, fees, messages, notify, portal_sync, render, sign  # noqa: F401  (registration on import)
    from .audit_seal import daily_duty as seal_logs
    from .payment.reconcile import daily_duty

    register_daily("payment_reconciliation", daily_duty)
    register_daily("audit_seal", seal_logs)
