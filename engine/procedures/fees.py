"""Fees from a procedure's schedule: by channel, plus any per-unit part."""

from __future__ import annotations

from typing import Any

from ..errors import WorkflowError


def compute_fee(settings: dict[str, Any], channel: str, application: dict[str, Any]) -> int:
    fees = settings.get("fees", {})
    amount = int(fees.get(channel, 0))
    per_unit = fees.get("per_unit")
    if per_unit:
        units = application.get(per_unit["field"], 0)
        if isinstance(units, int) and units > 0:
            amount += units * int(per_unit["amount"])
    return amount


def charged_fee(data: dict[str, Any], element_id: str) -> int | None:
    """The amount a fee step charges: `fee_amount` in the dossier's data when the step is
    reached (the schedule's at submission, or what a decision table or script of the
    procedure set before the step); None when the data holds none."""
    value = data.get("fee_amount")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0 \
            or value != int(value):
        raise WorkflowError(f"the fee step finds fee_amount {value!r}: a whole number of "
                            "đồng ≥ 0 was expected", element_id=element_id)
    return int(value)
