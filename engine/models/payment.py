"""Fee payments: one row per attempt to pay a dossier's fee, the log of every
notification a gateway sent, and refunds."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, JSONType, UTCDateTime, utcnow


class Payment(Base):
    """A try to pay a dossier's fee: online through a gateway, or cash at the counter.
    status: pending | paid | cancelled | failed | refunded | late. A late payment is
    money the gateway took for an attempt that could no longer pay the fee (paid at
    the counter meanwhile, cancelled, the dossier no longer waiting): it is refunded
    through the gateway once, and `refunded_at` says when."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"), index=True)
    amount: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3), default="VND")
    channel: Mapped[str] = mapped_column(String(16))  # online | counter
    gateway: Mapped[str] = mapped_column(String(32))  # sandbox | vnpay | counter
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    transaction_no: Mapped[str | None] = mapped_column(String(64))
    bank_code: Mapped[str | None] = mapped_column(String(32))
    response_code: Mapped[str | None] = mapped_column(String(8))
    received_by: Mapped[str | None] = mapped_column(String(128))  # cashier, counter payments
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    refund_reference: Mapped[str | None] = mapped_column(String(64))
    refunded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PaymentNotice(Base):
    """Every notification received (IPN, return, status query), accepted or not."""

    __tablename__ = "payment_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str | None] = mapped_column(String(100), index=True)
    source: Mapped[str] = mapped_column(String(16))  # ipn | return | query
    params: Mapped[dict[str, Any]] = mapped_column(JSONType)
    verdict: Mapped[str] = mapped_column(String(8))  # the protocol's answer code
    reason: Mapped[str] = mapped_column(Text)
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Refund(Base):
    """Money given back: through the gateway (done at once) or in cash at the
    counter (due until a cashier hands it back). status: done | due | handed_back."""

    __tablename__ = "refunds"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), index=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    amount: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(16))  # gateway | counter
    status: Mapped[str] = mapped_column(String(16))
    gateway_refund_no: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    settled_by: Mapped[str | None] = mapped_column(String(128))
