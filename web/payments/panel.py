"""What a dossier page shows of its fee: amount, state, payments, refunds."""

from __future__ import annotations

from typing import Any

from engine.models import Dossier
from engine.payments import payments

from ..identity import db


def fee_panel(dossier: Dossier) -> dict[str, Any]:
    s = db()
    rows = payments.payments_of(s, dossier)
    return {
        "amount": dossier.fee_amount,
        "waiting": payments.waiting_fee_job(s, dossier) is not None,
        "paid": next((p for p in reversed(rows) if p.status in ("paid", "refunded")), None),
        "payments": rows,
        "late": [p for p in rows if p.status == "late"],
        "refunds": payments.refunds_of(s, dossier),
    }
