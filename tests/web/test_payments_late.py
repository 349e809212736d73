"""A payment the bank confirms after the fee was settled another way (cash at the
counter) or after its attempt was cancelled: kept as a late payment, refunded
through the sandbox bank exactly once, the applicant told in their language."""

from __future__ import annotations

import json
import urllib.parse
from datetime import datetime

from sqlalchemy import func, select

from connectors.payment.reconcile import reconcile_day
from engine import config
from engine.audit.events import verify_chain
from engine.db import transaction
from engine.deadlines.calendar import VIETNAM_TZ
from engine.dossiers import runner
from engine.models import Event, Job, Payment, PaymentNotice, Refund, SentMessage, User
from engine.outbox.worker import _context
from engine.payments import payments
from engine.procedures import operators
from web.sandbox_bank import ledger

from ..helpers import dossier, open_tasks, work
from .test_payments import (  # noqa: F401  (fixtures)
    Browser,
    deployed,
    event_count,
    ipn_params,
    public_url,
    signed,
    submit_online,
)


def events_of(sessions, code: str) -> list[Event]:
    with transaction(sessions) as s:
        return list(s.scalars(select(Event).where(
            Event.dossier_id == runner.get_dossier(s, code).id).order_by(Event.seq)))


def late_jobs(sessions, code: str) -> list[tuple[str, str, str]]:
    with transaction(sessions) as s:
        jobs = s.scalars(select(Job).where(
            Job.dossier_id == runner.get_dossier(s, code).id,
            Job.operator.in_(("fee.refund", "notify.send"))).order_by(Job.id))
        return [(j.operator, j.payload["params"].get("template", ""), j.status) for j in jobs
                if j.operator == "fee.refund"
                or j.payload["params"].get("template") == payments.LATE_NOTICE]


def test_bank_confirms_after_cash_at_the_counter_refunded_once_with_a_notice(
        deployed, public_url, db_url, monkeypatch):  # noqa: F811
    sessions = deployed
    code = submit_online(sessions)
    citizen = Browser(public_url)
    citizen.login("congdan")
    bank_page = citizen.start_payment(code)  # the applicant is on the bank's page ...
    with transaction(sessions) as s:
        late_ref = s.scalar(select(Payment.reference))
        # the applicant reads English: the notice and the pages from now on
        s.scalar(select(User).where(User.username == "congdan")).locale = "en"

    desk = Browser(public_url)  # ... while the desk takes the fee in cash
    desk.login("tiepnhan")
    page = desk.open(f"/can-bo/ho-so/{code}")
    receipt = desk.open(f"/can-bo/ho-so/{code}/thu-phi", {"csrf_token": desk.token(page)})
    assert "Biên lai thu phí, lệ phí" in receipt
    work(sessions)
    assert [t.element_id for t in open_tasks(sessions, code)] == ["reception"]
    with transaction(sessions) as s:
        cash = s.scalar(select(Payment).where(Payment.channel == "counter"))
        assert s.scalar(select(Payment.status).where(Payment.reference == late_ref)) == "cancelled"

    back = citizen.bank(bank_page, "pay")  # the bank takes the money and sends its IPN
    assert "This money is being refunded automatically" in back
    with ledger.books() as conn:
        txn = ledger.find(conn, config.SANDBOX_TMN_CODE, late_ref)
    assert txn.status == "paid"
    assert _ipn_answer(late_ref) == "02 Order already confirmed"
    with transaction(sessions) as s:
        late = s.scalar(select(Payment).where(Payment.reference == late_ref))
        assert (late.status, late.transaction_no, late.refunded_at) == ("late", txn.transaction_no,
                                                                        None)
        assert late.paid_at is not None
        assert s.scalar(select(PaymentNotice.reason).where(
            PaymentNotice.source == "ipn")).startswith("late payment (fee_settled")
        fee_job = s.scalar(select(Job).where(Job.operator == "fee.collect"))
        assert fee_job.result["reference"] == cash.reference  # the fee stays paid in cash
    [late_event] = [e for e in events_of(sessions, code) if e.type == "payment_late"]
    assert late_event.payload["reference"] == late_ref
    assert (late_event.payload["why"], late_event.payload["settled_by"]) == ("fee_settled",
                                                                              cash.reference)
    assert late_jobs(sessions, code) == [("fee.refund", "", "pending"),
                                         ("notify.send", payments.LATE_NOTICE, "pending")]
    # before its refund ran, reconciliation names the money held
    today = datetime.now(VIETNAM_TZ).date()
    with transaction(sessions) as s:
        assert [m.problem for m in reconcile_day(s, today)] == ["paid late and not refunded yet"]

    # the refund's answer is lost the first time: the job is retried with the same key
    real = operators.handler_for("fee.refund")
    keys: list[str] = []

    def answer_lost(ctx):  # type: ignore[no-untyped-def]
        keys.append(ctx.idempotency_key)
        result = real(ctx)
        if len(keys) == 1:
            raise operators.RetryableError("gateway timed out")
        return result

    operators.register("fee.refund")(answer_lost)
    try:
        work(sessions)
        with transaction(sessions) as s:
            job = s.scalar(select(Job).where(Job.operator == "fee.refund"))
            assert job.status == "pending" and "timed out" in job.last_error
            job.next_attempt_at = job.created_at
        work(sessions)
    finally:
        operators.register("fee.refund")(real)
    assert len(keys) == 2 and keys[0] == keys[1]
    assert ledger.refund_count(late_ref) == 1
    assert ledger.refund_count(cash.reference) == 0
    assert late_jobs(sessions, code) == [("fee.refund", "", "done"),
                                         ("notify.send", payments.LATE_NOTICE, "done")]
    with transaction(sessions) as s:
        [refund] = s.scalars(select(Refund)).all()
        late = s.scalar(select(Payment).where(Payment.reference == late_ref))
        assert (refund.payment_id, refund.amount, refund.method, refund.status) == (
            late.id, 75000, "gateway", "done")
        assert refund.reference == payments.refund_reference(keys[0])
        assert late.status == "late" and late.refund_reference == refund.reference
        assert late.refunded_at is not None
        assert s.scalar(select(Payment.status).where(Payment.reference == cash.reference)) == "paid"
        [message] = s.scalars(select(SentMessage).where(
            SentMessage.template == payments.LATE_NOTICE)).all()
        assert message.status == "sent"
        assert message.recipients == [runner.get_dossier(s, code).application["email"]]
        assert message.subject == f"Dossier {code}: refunding a duplicate payment of 75.000 VND"
        assert verify_chain(s, runner.get_dossier(s, code)).ok
        refund_job = s.scalar(select(Job).where(Job.operator == "fee.refund"))
        ctx = _context(s, refund_job)
    types = [e.type for e in events_of(sessions, code)]
    assert types.count("payment_late") == 1 and types.count("late_payment_refunded") == 1
    assert types.index("payment_late") < types.index("late_payment_refunded")
    [refunded] = [e for e in events_of(sessions, code) if e.type == "late_payment_refunded"]
    assert (refunded.payload["reference"], refunded.payload["refund_reference"]) == (
        late_ref, refund.reference)
    assert [e.payload["template"] for e in events_of(sessions, code)
            if e.type == "notice_sent"].count(payments.LATE_NOTICE) == 1
    assert dossier(sessions, code).status == "submitted"

    # the handler running once more refunds nothing new
    assert real(ctx)["status"] == "refunded"
    assert ledger.refund_count(late_ref) == 1

    # the bank's IPN again: answered as already confirmed, nothing changes
    before = event_count(sessions, code)
    with transaction(sessions) as s:
        ipn = s.scalar(select(PaymentNotice.params).where(PaymentNotice.source == "ipn"))
        jobs_before = s.scalar(select(func.count()).select_from(Job))
    answer = json.loads(citizen.open("/thanh-toan/ipn?" + urllib.parse.urlencode(ipn)))
    assert answer == {"RspCode": "02", "Message": "Order already confirmed"}
    work(sessions)
    assert event_count(sessions, code) == before
    assert ledger.refund_count(late_ref) == 1
    with transaction(sessions) as s:
        assert s.scalar(select(func.count()).select_from(Job)) == jobs_before
        assert s.scalar(select(func.count()).select_from(Refund)) == 1

    # the payment panels show it
    page = citizen.open(f"/ho-so/{code}")
    assert f"(reference {late_ref})" in page and "was refunded through the payment gateway" in page
    assert "Refund voucher" in page
    page = desk.open(f"/can-bo/ho-so/{code}")
    assert "Thanh toán muộn, đã hoàn trả" in page and late_ref in page

    # reconciliation sees the refund at the bank: nothing to report
    with transaction(sessions) as s:
        assert reconcile_day(s, today) == []
    from click.testing import CliRunner

    from web.cli import main
    monkeypatch.setenv("MOTCUA_DATABASE_URL", db_url)
    result = CliRunner().invoke(main, ["payments", "reconcile", "--date", f"{today:%d/%m/%Y}"])
    assert result.exit_code == 0 and "no mismatches" in result.output


def _ipn_answer(reference: str) -> str:
    with ledger.books() as conn:
        return str(conn.execute("SELECT ipn_answer FROM transactions WHERE txn_ref = ?",
                                (reference,)).fetchone()[0])


def test_success_for_a_cancelled_attempt_is_late_and_queues_one_refund_and_one_notice(
        app, deployed):  # noqa: F811
    sessions = deployed
    code = submit_online(sessions)
    with transaction(sessions) as s:
        reference = s.scalar(select(Payment.reference))
    client = app.test_client()

    def send(params: dict[str, str]) -> dict[str, str]:
        return client.get("/thanh-toan/ipn", query_string=signed(params)).get_json()

    assert send(ipn_params(reference, 75000, "24"))["RspCode"] == "00"  # cancelled at the bank
    with transaction(sessions) as s:
        assert s.scalar(select(Payment.status)) == "cancelled"
    assert send(ipn_params(reference, 75000)) == {"RspCode": "02",
                                                 "Message": "Order already confirmed"}
    with transaction(sessions) as s:
        late = s.scalar(select(Payment))
        assert (late.status, late.transaction_no) == ("late", "14999999")
        # the dossier still waits for its fee: a late payment never pays it
        assert s.scalar(select(Job.status).where(Job.operator == "fee.collect")) == "waiting"
        job = s.scalar(select(Job).where(Job.operator == "fee.refund"))
        assert job.payload["data"]["payment"]["reference"] == reference
        assert job.payload["data"]["payment"]["transaction_no"] == "14999999"
    [event] = [e for e in events_of(sessions, code) if e.type == "payment_late"]
    assert (event.payload["was"], event.payload["why"]) == ("cancelled", "attempt_cancelled")
    before = event_count(sessions, code)
    assert send(ipn_params(reference, 75000))["RspCode"] == "02"
    assert send(ipn_params(reference, 75000, "24"))["RspCode"] == "02"
    assert event_count(sessions, code) == before
    assert late_jobs(sessions, code) == [("fee.refund", "", "pending"),
                                         ("notify.send", payments.LATE_NOTICE, "pending")]
    assert dossier(sessions, code).status == "awaiting_payment"
    # the applicant can still pay the fee with a new attempt
    with transaction(sessions) as s:
        fresh = payments.open_online_payment(s, runner.get_dossier(s, code), "sandbox")
        assert fresh.reference != reference and fresh.status == "pending"


def test_success_once_the_dossier_no_longer_waits_for_its_fee_is_late(app, deployed):  # noqa: F811
    sessions = deployed
    code = submit_online(sessions)
    with transaction(sessions) as s:
        reference = s.scalar(select(Payment.reference))
        # the workflow dropped the fee task (a deadline passed, the dossier was withdrawn)
        s.scalar(select(Job).where(Job.operator == "fee.collect")).status = "cancelled"
    answer = app.test_client().get("/thanh-toan/ipn",
                                   query_string=signed(ipn_params(reference, 75000))).get_json()
    assert answer == {"RspCode": "02", "Message": "Order already confirmed"}
    with transaction(sessions) as s:
        assert s.scalar(select(Payment.status)) == "late"
    [event] = [e for e in events_of(sessions, code) if e.type == "payment_late"]
    assert (event.payload["was"], event.payload["why"]) == ("pending", "not_waiting")
    assert late_jobs(sessions, code) == [("fee.refund", "", "pending"),
                                         ("notify.send", payments.LATE_NOTICE, "pending")]
