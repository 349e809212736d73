"""Postal carriers. A carrier adapter books a shipment and returns its tracking
number; the demo carrier books nothing outside and makes up the number."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class ShipmentRequest:
    key: str  # the job's idempotency key: the same request books one shipment
    dossier_code: str
    recipient: str
    address: str
    phone: str | None
    documents: list[str]


class PostalAdapter(Protocol):
    """A carrier (e.g. VNPost's API). `book` must be idempotent on `request.key`
    and return the tracking number; raise operators.RetryableError when the
    carrier cannot be reached."""

    name: str

    def book(self, request: ShipmentRequest) -> str: ...


class DemoCarrier:
    """Demo only: nothing is booked; the tracking number is derived from the
    request key, so booking the same request twice gives the same number."""

    name = "demo"

    def book(self, request: ShipmentRequest) -> str:
        digest = hashlib.sha256(request.key.encode()).hexdigest()
        return f"DEMO{int(digest[:12], 16) % 10**11:011d}VN"


def carrier() -> PostalAdapter:
    return DemoCarrier()
