"""What the app needs from a payment gateway, whatever its protocol."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


class GatewayError(Exception):
    """The gateway could not be reached or answered something unverifiable."""


@dataclass(frozen=True)
class PaymentRequest:
    reference: str  # the merchant's transaction reference, unique per attempt
    amount: int  # đồng
    order_info: str
    return_url: str
    ip_address: str
    created_at: datetime
    locale: str = "vn"


@dataclass(frozen=True)
class Notice:
    """A gateway's word on a payment (browser return or server notification),
    with whether its signature checked out."""

    valid_signature: bool
    reference: str | None
    amount: int | None  # đồng
    response_code: str | None
    transaction_status: str | None
    transaction_no: str | None
    bank_code: str | None
    paid_at: datetime | None
    raw: dict[str, str] = field(default_factory=dict)

    @property
    def success(self) -> bool:
        return self.response_code == "00" and self.transaction_status in ("00", None)

    @property
    def cancelled(self) -> bool:
        return self.response_code == "24"


@dataclass(frozen=True)
class QueryResult:
    reference: str
    found: bool
    response_code: str
    transaction_status: str | None  # "00" paid, "01" not finished, "02" failed, ...
    amount: int | None
    transaction_no: str | None
    bank_code: str | None
    paid_at: datetime | None
    transaction_type: str | None  # "01" payment, "02" full refund, "03" partial refund

    @property
    def paid(self) -> bool:
        return self.found and self.transaction_status == "00"


@dataclass(frozen=True)
class RefundResult:
    reference: str
    refund_reference: str
    ok: bool
    response_code: str
    message: str
    amount: int
    gateway_refund_no: str | None


class PaymentGateway(Protocol):
    name: str

    def create_payment(self, request: PaymentRequest) -> str:
        """The signed URL to send the payer's browser to."""

    def verify_return(self, params: dict[str, str]) -> Notice:
        """Read and check the parameters the browser brings back."""

    def handle_notification(self, params: dict[str, str]) -> Notice:
        """Read and check a server-to-server notification (IPN)."""

    def ipn_answer(self, code: str, message: str) -> dict[str, Any]:
        """The body to answer a notification with."""

    def query(self, reference: str, created_at: datetime) -> QueryResult:
        """Ask the gateway what became of a payment."""

    def refund(self, reference: str, amount: int, reason: str, *, refund_reference: str,
               transaction_no: str | None, paid_at: datetime, requested_by: str) -> RefundResult:
        """Give the money back. The same `refund_reference` never refunds twice."""
