"""fee.collect / fee.refund.

fee.collect: nothing to pay → "waived" at once. Otherwise the job waits
(`AwaitingCallback`) for the applicant to pay: online through the payment
gateway (a pending payment is opened for it), or in cash at the counter. A
verified gateway notification or the cashier resumes it (engine/payments/payments.py).

fee.refund: money paid through the gateway goes back through the gateway's
refund API, once per refund job (the refund reference is derived from the job's
idempotency key and the gateway refuses to refund a reference twice); cash paid
at the counter becomes a refund due at the counter. A late payment (confirmed by
the gateway when the fee no longer needed it) is refunded the same way by a side
job of kind "refund" that no workflow task waits for (engine/payments/payments.py,
`record_late`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from engine import config
from engine.models import Job, utcnow
from engine.payments import payments
from engine.procedures.operators import (
    AwaitingCallback,
    JobContext,
    RetryableError,
    register,
    register_recorder,
)

from .payment import GatewayError, current_gateway


@register("fee.collect")
def collect(ctx: JobContext) -> dict[str, Any]:
    amount = int(ctx.dossier["fee_amount"])
    if amount == 0:
        return {"status": "waived", "amount": 0, "currency": "VND"}
    if ctx.dossier["channel"] == "online":
        raise AwaitingCallback("payment", {"amount": amount, "channel": "online",
                                           "gateway": config.payment_settings().gateway})
    raise AwaitingCallback("payment", {"amount": amount, "channel": "counter"})


@register_recorder("fee.collect")
def record_collect(session: Any, job: Job, kind: str, data: dict[str, Any]) -> None:
    if kind == "waiting":
        payments.record_waiting(session, job, data)


@register("fee.refund")
def refund(ctx: JobContext) -> dict[str, Any]:
    paid = ctx.data.get("payment") or {}
    amount = int(paid.get("amount", 0)) if paid.get("status") == "paid" else 0
    reason = str(ctx.params.get("reason") or "")
    if not amount:
        return {"status": "nothing_to_refund", "amount": 0, "currency": "VND"}
    reference = payments.refund_reference(ctx.idempotency_key)
    base = {"amount": amount, "currency": "VND", "payment_reference": paid["reference"],
            "refund_reference": reference, "reason": reason}
    if paid.get("gateway") == "counter":
        return {"status": "refund_due", "method": "counter", **base}
    gateway = current_gateway()
    try:
        answer = gateway.refund(
            paid["reference"], amount, reason or f"Hoan tra le phi ho so {ctx.dossier_code}",
            refund_reference=reference, transaction_no=paid.get("transaction_no"),
            paid_at=datetime.fromisoformat(paid["paid_at"]), requested_by="motcua")
    except GatewayError as exc:
        raise RetryableError(str(exc)) from exc
    if not answer.ok:
        raise RuntimeError(f"gateway refused the refund of {paid['reference']}: "
                           f"{answer.response_code} {answer.message}")
    return {"status": "refunded", "method": "gateway", "gateway": gateway.name,
            "gateway_refund_no": answer.gateway_refund_no, "refunded_at": utcnow().isoformat(),
            **base}


@register_recorder("fee.refund")
def record_refund(session: Any, job: Job, kind: str, data: dict[str, Any]) -> None:
    if kind == "completed":
        payments.record_refund(session, job, data)
