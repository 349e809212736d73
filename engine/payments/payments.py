"""Fee payments on the app's side: pending payments for a waiting `fee.collect`,
settling them from a verified gateway notice or a cashier, refunds, and the
daily reconciliation. Gateways are adapters in connectors/payment; this module
only keeps the records and resumes the workflow."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit import events
from ..deadlines.calendar import VIETNAM_TZ
from ..dossiers import side_jobs
from ..dossiers.runner import get_dossier, lock_dossier
from ..errors import Conflict, NotFound
from ..models import Dossier, Job, JobKind, Payment, PaymentNotice, Refund, utcnow
from ..outbox.outbox import resume_job

# IPN verdicts (the protocol's answer codes)
CONFIRMED, NOT_FOUND, ALREADY, BAD_AMOUNT, BAD_SIGNATURE = "00", "01", "02", "04", "97"
LATE_NOTICE = "late_payment"  # the applicant's notice that a late payment is refunded


@dataclass(frozen=True)
class GatewayWord:
    """What a gateway said about a payment, already checked by its adapter."""

    valid_signature: bool
    reference: str | None
    amount: int | None
    success: bool
    cancelled: bool
    response_code: str | None
    transaction_no: str | None
    bank_code: str | None
    paid_at: datetime | None


def new_reference(dossier: Dossier, prefix: str = "TT") -> str:
    return f"{prefix}{dossier.id:06d}{secrets.token_hex(4).upper()}"


def refund_reference(idempotency_key: str) -> str:
    """The refund's reference, derived from the refund job: one job, one refund."""
    return "HT" + hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:20].upper()


def waiting_fee_job(session: Session, dossier: Dossier) -> Job | None:
    return session.scalar(select(Job).where(
        Job.dossier_id == dossier.id, Job.operator == "fee.collect", Job.status == "waiting"))


def payments_of(session: Session, dossier: Dossier) -> list[Payment]:
    return list(session.scalars(select(Payment).where(Payment.dossier_id == dossier.id)
                                .order_by(Payment.id)))


def refunds_of(session: Session, dossier: Dossier) -> list[Refund]:
    return list(session.scalars(select(Refund).where(Refund.dossier_id == dossier.id)
                                .order_by(Refund.id)))


# -- fee.collect waiting ------------------------------------------------------------

def record_waiting(session: Session, job: Job, details: dict[str, Any]) -> Payment | None:
    """fee.collect started waiting: an online dossier gets a pending payment."""
    if details.get("channel") != "online":
        return None
    found = session.scalar(select(Payment).where(Payment.job_id == job.id,
                                                 Payment.status == "pending"))
    if found is not None:
        return found
    dossier = session.get(Dossier, job.dossier_id)
    assert dossier is not None
    payment = Payment(reference=new_reference(dossier), dossier_id=dossier.id, job_id=job.id,
                      amount=int(details["amount"]), currency="VND", channel="online",
                      gateway=str(details.get("gateway", "sandbox")), status="pending",
                      created_at=utcnow(), updated_at=utcnow())
    session.add(payment)
    session.flush()
    return payment


def open_online_payment(session: Session, dossier: Dossier, gateway: str,
                        now: datetime | None = None) -> Payment:
    """The pending payment to send the payer to the gateway with: the open one, or a
    new attempt after a cancelled or failed one."""
    now = now or utcnow()
    lock_dossier(session, dossier.id)
    job = waiting_fee_job(session, dossier)
    if job is None or dossier.fee_amount <= 0:
        raise Conflict("nothing to pay on this dossier", dossier=dossier.code)
    pending = session.scalar(select(Payment).where(
        Payment.job_id == job.id, Payment.status == "pending", Payment.channel == "online",
        Payment.amount == dossier.fee_amount).order_by(Payment.id.desc()))
    if pending is not None:
        pending.gateway, pending.updated_at = gateway, now
        session.flush()
        return pending
    payment = Payment(reference=new_reference(dossier), dossier_id=dossier.id, job_id=job.id,
                      amount=dossier.fee_amount, currency="VND", channel="online", gateway=gateway,
                      status="pending", created_at=now, updated_at=now)
    session.add(payment)
    session.flush()
    return payment


# -- settling -------------------------------------------------------------------------

def log_notice(session: Session, source: str, params: dict[str, Any], verdict: str, reason: str,
               reference: str | None, remote_addr: str | None, now: datetime) -> PaymentNotice:
    notice = PaymentNotice(reference=(reference or None) and reference[:100], source=source,
                           params=params, verdict=verdict, reason=reason[:4000],
                           remote_addr=remote_addr, received_at=now)
    session.add(notice)
    session.flush()
    return notice


def settle(session: Session, word: GatewayWord, *, source: str, params: dict[str, Any],
           remote_addr: str | None = None, now: datetime | None = None) -> tuple[str, str]:
    """Apply a gateway notice (IPN, or a status query when the IPN is late):
    strict and idempotent. Returns the protocol's (code, reason); every notice is
    logged, accepted or not. A success resumes the waiting fee.collect job in this
    transaction."""
    now = now or utcnow()

    def answer(code: str, reason: str) -> tuple[str, str]:
        log_notice(session, source, params, code, reason, word.reference, remote_addr, now)
        return code, reason

    if not word.valid_signature:
        return answer(BAD_SIGNATURE, "invalid signature")
    payment = session.scalar(select(Payment).where(Payment.reference == (word.reference or "")))
    if payment is None:
        return answer(NOT_FOUND, "unknown reference")
    dossier = lock_dossier(session, payment.dossier_id)
    session.refresh(payment)
    if word.amount != payment.amount:
        return answer(BAD_AMOUNT, f"amount {word.amount} does not match {payment.amount}")
    if word.success and payment.status in ("cancelled", "failed"):
        return answer(ALREADY, record_late(session, dossier, payment, word, now))
    if payment.status != "pending":
        return answer(ALREADY, f"payment already {payment.status}")
    payment.response_code, payment.updated_at = word.response_code, now
    payment.transaction_no, payment.bank_code = word.transaction_no, word.bank_code
    if not word.success:
        payment.status = "cancelled" if word.cancelled else "failed"
        events.append(session, dossier, "payment_" + payment.status,
                      {"reference": payment.reference, "amount": payment.amount,
                       "response_code": word.response_code}, f"gateway:{payment.gateway}", now)
        return answer(CONFIRMED, f"payment {payment.status} (code {word.response_code})")
    job = session.get(Job, payment.job_id) if payment.job_id else None
    if job is None or job.status != "waiting":
        return answer(ALREADY, record_late(session, dossier, payment, word, now))
    payment.status, payment.paid_at = "paid", word.paid_at or now
    resume_job(session, job.id, payment_result(payment), now)
    return answer(CONFIRMED, "paid")


def record_late(session: Session, dossier: Dossier, payment: Payment, word: GatewayWord,
                now: datetime) -> str:
    """The gateway took money for an attempt that can no longer settle the fee (the
    fee was paid another way, the attempt was closed, the dossier stopped waiting):
    keep it as a late payment, and queue its refund through the gateway and a notice
    to the applicant, in this transaction. The caller holds the dossier's lock and
    has checked that the payment is not late already. Returns the reason logged."""
    was = payment.status
    settled_by = session.scalar(select(Payment.reference).where(
        Payment.dossier_id == dossier.id, Payment.id != payment.id,
        Payment.status.in_(("paid", "refunded"))).order_by(Payment.id.desc()))
    why = ("fee_settled" if settled_by is not None
           else f"attempt_{was}" if was in ("cancelled", "failed") else "not_waiting")
    payment.status, payment.paid_at, payment.updated_at = "late", word.paid_at or now, now
    payment.response_code = word.response_code
    payment.transaction_no, payment.bank_code = word.transaction_no, word.bank_code
    session.flush()
    events.append(session, dossier, "payment_late",
                  {"reference": payment.reference, "amount": payment.amount,
                   "transaction_no": payment.transaction_no, "was": was, "why": why,
                   "settled_by": settled_by}, f"gateway:{payment.gateway}", now)
    reason = f"Hoàn trả khoản thanh toán {payment.reference} của hồ sơ {dossier.code}: " + {
        "fee_settled": f"phí, lệ phí đã được nộp trước đó (biên lai {settled_by})",
        "not_waiting": "hồ sơ không còn chờ nộp phí, lệ phí",
    }.get(why, "giao dịch đã bị hủy trước khi ngân hàng xác nhận")
    side_jobs.queue(session, dossier, JobKind.REFUND, "fee.refund",
                    f"late-refund/{payment.reference}", {"reason": reason}, now,
                    {"payment": payment_result(payment)})
    side_jobs.queue_notice(session, dossier, LATE_NOTICE, now, amount=payment.amount)
    session.flush()
    return f"late payment ({why}, was {was}): recorded, refund queued"


def payment_result(payment: Payment) -> dict[str, Any]:
    """The fee.collect result a settled payment resumes the workflow with."""
    assert payment.paid_at is not None
    return {"status": "paid", "amount": payment.amount, "currency": payment.currency,
            "gateway": payment.gateway, "channel": payment.channel,
            "reference": payment.reference, "transaction_no": payment.transaction_no,
            "bank_code": payment.bank_code, "paid_at": payment.paid_at.isoformat(),
            "received_by": payment.received_by}


def record_counter_payment(session: Session, code: str, cashier: str,
                           now: datetime | None = None) -> Payment:
    """Cash taken at the counter: a paid payment and its receipt, and fee.collect
    resumes with channel "counter"."""
    now = now or utcnow()
    dossier = lock_dossier(session, get_dossier(session, code).id)
    job = waiting_fee_job(session, dossier)
    if job is None:
        raise Conflict("this dossier is not waiting for a fee", dossier=code)
    for pending in session.scalars(select(Payment).where(Payment.job_id == job.id,
                                                         Payment.status == "pending")):
        pending.status, pending.updated_at = "cancelled", now
    payment = Payment(reference=new_reference(dossier, "BL"), dossier_id=dossier.id, job_id=job.id,
                      amount=dossier.fee_amount, currency="VND", channel="counter",
                      gateway="counter", status="paid", received_by=cashier, created_at=now,
                      updated_at=now, paid_at=now)
    session.add(payment)
    session.flush()
    resume_job(session, job.id, payment_result(payment), now)
    return payment


# -- refunds --------------------------------------------------------------------------

def record_refund(session: Session, job: Job, result: dict[str, Any]) -> Refund | None:
    """fee.refund finished: keep its refund once (the reference comes from the job)."""
    if result.get("status") not in ("refunded", "refund_due"):
        return None
    reference = str(result["refund_reference"])
    found = session.scalar(select(Refund).where(Refund.reference == reference))
    if found is not None:
        return found
    payment = session.scalar(select(Payment).where(Payment.reference == result["payment_reference"]))
    if payment is None:
        raise NotFound("refunded payment not found", reference=result["payment_reference"])
    now = utcnow()
    done = result["status"] == "refunded"
    refund = Refund(reference=reference, payment_id=payment.id, dossier_id=payment.dossier_id,
                    amount=int(result["amount"]), method="gateway" if done else "counter",
                    status="done" if done else "due",
                    gateway_refund_no=result.get("gateway_refund_no"), reason=result.get("reason"),
                    created_at=now, settled_at=now if done else None,
                    settled_by=f"gateway:{payment.gateway}" if done else None)
    session.add(refund)
    if done and payment.status == "late":
        # a late payment stays late (it never paid the fee); it is now given back
        payment.refund_reference, payment.refunded_at, payment.updated_at = reference, now, now
        dossier = session.get(Dossier, payment.dossier_id)
        assert dossier is not None
        events.append(session, dossier, "late_payment_refunded",
                      {"reference": payment.reference, "refund_reference": reference,
                       "amount": refund.amount, "gateway_refund_no": refund.gateway_refund_no,
                       "job_id": job.id}, f"gateway:{payment.gateway}", now)
    elif done:
        payment.status, payment.refund_reference, payment.refunded_at = "refunded", reference, now
        payment.updated_at = now
    session.flush()
    return refund


def hand_back_refund(session: Session, refund_id: int, cashier: str,
                     now: datetime | None = None) -> Refund:
    """The cashier gave the cash back at the counter."""
    now = now or utcnow()
    refund = session.get(Refund, refund_id)
    if refund is None:
        raise NotFound("refund not found", refund=refund_id)
    dossier = lock_dossier(session, refund.dossier_id)
    session.refresh(refund)
    if refund.status != "due":
        raise Conflict(f"refund already {refund.status}", refund=refund.reference)
    payment = session.get(Payment, refund.payment_id)
    assert payment is not None
    refund.status, refund.settled_at, refund.settled_by = "handed_back", now, cashier
    payment.status, payment.refund_reference, payment.refunded_at = "refunded", refund.reference, now
    events.append(session, dossier, "refund_handed_back",
                  {"reference": refund.reference, "amount": refund.amount}, cashier, now)
    session.flush()
    return refund


# -- reconciliation -------------------------------------------------------------------

@dataclass(frozen=True)
class Mismatch:
    reference: str | None
    dossier: str | None
    problem: str

    def __str__(self) -> str:
        return f"{self.dossier or '-'}  {self.reference or '-'}  {self.problem}"


@dataclass(frozen=True)
class GatewayStatus:
    """What the gateway says of one payment: paid or not, the amount, refunded or not."""

    paid: bool
    amount: int | None
    refunded: bool


GatewayQuery = Callable[[Payment], "GatewayStatus | None"]


def reconcile(session: Session, day: date,
              query: GatewayQuery | None = None) -> list[Mismatch]:
    """Compare the day's payments (Vietnam day) with their dossiers and, when
    `query` is given, with what the gateway says (None: it does not know the
    payment). Returns every mismatch found."""
    start = datetime.combine(day, datetime.min.time(), VIETNAM_TZ)
    end = start + timedelta(days=1)
    found: list[Mismatch] = []
    touched = list(session.scalars(select(Payment).where(
        ((Payment.created_at >= start) & (Payment.created_at < end))
        | ((Payment.paid_at >= start) & (Payment.paid_at < end))
        | ((Payment.refunded_at >= start) & (Payment.refunded_at < end))).order_by(Payment.id)))
    for payment in touched:
        dossier = session.get(Dossier, payment.dossier_id)
        assert dossier is not None

        def add(problem: str, payment: Payment = payment, dossier: Dossier = dossier) -> None:
            found.append(Mismatch(payment.reference, dossier.code, problem))

        settled = payment.status in ("paid", "refunded")
        if settled and payment.amount != dossier.fee_amount:
            add(f"paid {payment.amount} đ but the dossier's fee is {dossier.fee_amount} đ")
        if settled and payment.job_id is not None:
            job = session.get(Job, payment.job_id)
            if job is not None and (job.status != "done" or (job.result or {}).get(
                    "reference") != payment.reference):
                add("paid, but the dossier did not go on with this payment")
        if payment.status == "paid" and dossier.status in ("rejected", "withdrawn"):
            refunds = session.scalars(select(Refund).where(Refund.payment_id == payment.id)).all()
            if not refunds:
                add(f"dossier {dossier.status} but the fee was not refunded")
        late = payment.status == "late"
        refunded = payment.status == "refunded" or (late and payment.refunded_at is not None)
        if late and not refunded:
            add("paid late and not refunded yet")
        if query is not None and payment.channel == "online":
            said = query(payment)
            taken = settled or late  # the gateway took the money
            if said is None:
                if taken:
                    add("the gateway does not know this payment")
                continue
            if said.paid and not taken:
                add(f"the gateway says paid but the payment is {payment.status}")
            elif taken and not said.paid:
                add("paid here but not at the gateway")
            elif said.paid and said.amount is not None and said.amount != payment.amount:
                add(f"the gateway has {said.amount} đ, the payment {payment.amount} đ")
            if refunded and not said.refunded:
                add("refunded here but not at the gateway")
            elif taken and not refunded and said.refunded:
                add("refunded at the gateway but not here")
    for dossier_id, count in _paid_counts(session, touched).items():
        if count > 1:
            dossier = session.get(Dossier, dossier_id)
            found.append(Mismatch(None, dossier.code if dossier else None,
                                  f"{count} payments settled for one dossier"))
    return found


def _paid_counts(session: Session, payments: list[Payment]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for dossier_id in {p.dossier_id for p in payments}:
        counts[dossier_id] = len(session.scalars(select(Payment.id).where(
            Payment.dossier_id == dossier_id, Payment.status.in_(("paid", "refunded")))).all())
    return counts
