"""fee.collect / fee.refund against the development ledger.

Until a payment gateway is configured, fees are settled in a sandbox ledger:
the amount is computed from the procedure's schedule at submission and the
result says plainly that no money moved (`gateway: "sandbox"`).
"""

from __future__ import annotations

from typing import Any

from engine.operators import JobContext, register


@register("fee.collect")
def collect(ctx: JobContext) -> dict[str, Any]:
    amount = int(ctx.dossier["fee_amount"])
    if amount == 0:
        return {"status": "waived", "amount": 0, "currency": "VND"}
    return {"status": "paid", "amount": amount, "currency": "VND", "gateway": "sandbox",
            "reference": ctx.idempotency_key}


@register("fee.refund")
def refund(ctx: JobContext) -> dict[str, Any]:
    paid = ctx.data.get("payment") or {}
    amount = int(paid.get("amount", 0)) if paid.get("status") == "paid" else 0
    return {"status": "refunded" if amount else "nothing_to_refund", "amount": amount,
            "currency": "VND", "gateway": "sandbox", "reference": ctx.idempotency_key}
