"""Fees from a procedure's schedule: by channel, plus any per-unit part."""

from __future__ import annotations

from typing import Any


def compute_fee(settings: dict[str, Any], channel: str, application: dict[str, Any]) -> int:
    fees = settings.get("fees", {})
    amount = int(fees.get(channel, 0))
    per_unit = fees.get("per_unit")
    if per_unit:
        units = application.get(per_unit["field"], 0)
        if isinstance(units, int) and units > 0:
            amount += units * int(per_unit["amount"])
    return amount
