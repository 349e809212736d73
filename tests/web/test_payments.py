"""Fee payment end to end: the citizen pays on the sandbox bank over real HTTP,
the bank notifies the app server to server, the dossier goes on; refused and
replayed notifications, cancelling at the bank, refunds exactly once, cash at
the counter, reconciliation."""

from __future__ import annotations

import html
import json
import re
import urllib.parse
import urllib.request
from datetime import datetime
from http.cookiejar import CookieJar

import pytest
from sqlalchemy import func, select

from connectors.payment import protocol as p
from engine import config
from engine.db import transaction
from engine.deadlines.calendar import VIETNAM_TZ
from engine.dossiers import runner
from engine.errors import Conflict
from engine.models import Event, Job, Payment, PaymentNotice, Refund
from engine.outbox import outbox
from engine.payments import payments
from engine.procedures import operators, procedures
from engine.scenario.scenario import all_scenarios
from web.sandbox_bank import ledger

from ..conftest import DEMO_PASSWORD, PROCESSES, csrf_token, login
from ..helpers import complete, dossier, open_tasks, work

PERMIT = all_scenarios()["construction_permit"]  # 75 000 đ online
MARITAL = all_scenarios()["marital_status"]  # 15 000 đ at the counter, free online


@pytest.fixture
def deployed(sessions, people):
    with transaction(sessions) as s:
        procedures.deploy_path(s, PROCESSES, "test")
    return sessions


@pytest.fixture
def public_url(live_server, monkeypatch):
    """The worker reaches the sandbox bank's API at the served app."""
    monkeypatch.setenv("MOTCUA_PUBLIC_URL", live_server)
    return live_server


def submit_online(sessions, scenario=PERMIT) -> str:
    with transaction(sessions) as s:
        code = runner.submit(s, scenario.procedure, scenario.application, actor="congdan",
                             applicant_user="congdan", channel="online").code
    work(sessions)
    return code


class Browser:
    """A person's browser over real HTTP: cookies, redirects followed."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        self.url = ""

    def open(self, path: str, data: dict[str, str] | None = None) -> str:
        url = path if path.startswith("http") else self.base + path
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(url, data=body, timeout=30) as response:
                self.url = response.geturl()
                return response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            self.url = error.geturl()
            return error.read().decode("utf-8")

    def token(self, text: str) -> str:
        return html.unescape(re.search(r'name="csrf_token" value="([^"]+)"', text).group(1))

    def login(self, username: str) -> None:
        page = self.open("/login")
        self.open("/login", {"username": username, "password": DEMO_PASSWORD,
                             "csrf_token": self.token(page)})

    def start_payment(self, code: str) -> str:
        """Press 'Thanh toán lệ phí trực tuyến' on the dossier page; the bank's page."""
        page = self.open(f"/ho-so/{code}")
        assert "Thanh toán lệ phí trực tuyến" in page
        return self.open(f"/ho-so/{code}/thanh-toan", {"csrf_token": self.token(page)})

    def bank(self, bank_page: str, action: str) -> str:
        """Press 'Thanh toán' or 'Hủy giao dịch' on the bank's page; the return page."""
        query = html.unescape(re.search(r'name="q" value="([^"]*)"', bank_page).group(1))
        return self.open("/sandbox-bank/paymentv2/xac-nhan",
                         {"csrf_token": self.token(bank_page), "q": query, "action": action})


def event_count(sessions, code: str) -> int:
    with transaction(sessions) as s:
        return s.scalar(select(func.count()).select_from(Event).where(
            Event.dossier_id == runner.get_dossier(s, code).id))


def pay_online(base: str, sessions, code: str) -> str:
    browser = Browser(base)
    browser.login("congdan")
    bank_page = browser.bank(browser.start_payment(code), "pay")
    return bank_page


def test_citizen_pays_on_the_sandbox_bank_and_the_dossier_goes_to_reception(deployed, public_url):
    sessions = deployed
    code = submit_online(sessions)
    assert dossier(sessions, code).status == "awaiting_payment"
    assert open_tasks(sessions, code) == []
    with transaction(sessions) as s:
        [job] = s.scalars(select(Job).where(Job.operator == "fee.collect")).all()
        assert job.status == "waiting" and job.attempts == 1
        [pending] = s.scalars(select(Payment)).all()
        assert (pending.status, pending.amount, pending.gateway) == ("pending", 75000, "sandbox")
    browser = Browser(public_url)
    browser.login("congdan")
    page = browser.open(f"/ho-so/{code}")
    assert "Chờ thanh toán" in page and "75.000" in page
    bank_page = browser.start_payment(code)
    assert browser.url.startswith(f"{public_url}/sandbox-bank/paymentv2/vpcpay.html?")
    for text in ("Cổng dịch vụ công trực tuyến", "75.000 VND", f"Nop le phi ho so {code}",
                 "Thanh toán", "Hủy giao dịch", pending.reference):
        assert text in bank_page, text
    back = browser.bank(bank_page, "pay")
    assert browser.url.startswith(f"{public_url}/thanh-toan/ket-qua?")
    assert "Bạn đã nộp thành công 75.000" in back

    with transaction(sessions) as s:
        payment = s.scalar(select(Payment).where(Payment.reference == pending.reference))
        assert payment.status == "paid" and payment.transaction_no and payment.bank_code == "NCB"
        job = s.get(Job, job.id)
        assert job.status == "done" and job.result["status"] == "paid"
        assert job.result["reference"] == payment.reference and job.result["amount"] == 75000
        assert job.result["transaction_no"] == payment.transaction_no and job.result["paid_at"]
        notices = s.scalars(select(PaymentNotice).order_by(PaymentNotice.id)).all()
        assert [(n.source, n.verdict) for n in notices] == [("ipn", "00"), ("return", "ok")]
    with ledger.books() as conn:
        txn = ledger.find(conn, config.SANDBOX_TMN_CODE, pending.reference)
    assert txn.status == "paid" and txn.amount == 75000
    work(sessions)
    assert dossier(sessions, code).status == "submitted"
    assert [t.element_id for t in open_tasks(sessions, code)] == ["reception"]
    page = browser.open(f"/ho-so/{code}")
    assert "Đã thanh toán phí, lệ phí 75.000" in page and "Biên lai thu phí, lệ phí" in page
    receipt = browser.open(f"/bien-lai/{payment.reference}")
    assert "Thanh toán trực tuyến" in receipt and payment.transaction_no in receipt

    # the same notification again: refused as already confirmed, nothing changes
    before = event_count(sessions, code)
    ipn = notices[0].params
    answer = json.loads(browser.open("/thanh-toan/ipn?" + urllib.parse.urlencode(ipn)))
    assert answer == {"RspCode": "02", "Message": "Order already confirmed"}
    assert event_count(sessions, code) == before
    with transaction(sessions) as s:
        assert s.scalar(select(PaymentNotice.verdict).order_by(PaymentNotice.id.desc())) == "02"


def signed(params: dict[str, str]) -> dict[str, str]:
    return {**params, "vnp_SecureHash": p.sign(params, config.sandbox_secret())}


def ipn_params(reference: str, amount: int, code: str = "00") -> dict[str, str]:
    return {"vnp_Amount": str(amount * 100), "vnp_BankCode": "NCB", "vnp_OrderInfo": "x",
            "vnp_PayDate": "20260302090000", "vnp_ResponseCode": code,
            "vnp_TmnCode": config.SANDBOX_TMN_CODE, "vnp_TransactionNo": "14999999",
            "vnp_TransactionStatus": code, "vnp_TxnRef": reference}


def test_forged_wrong_amount_and_unknown_notifications_are_refused_logged_and_change_nothing(
        app, deployed):
    sessions = deployed
    code = submit_online(sessions)
    with transaction(sessions) as s:
        reference = s.scalar(select(Payment.reference))
    before = event_count(sessions, code)
    client = app.test_client()

    def send(params: dict[str, str]) -> dict[str, str]:
        response = client.get("/thanh-toan/ipn", query_string=params)
        assert response.status_code == 200
        return response.get_json()

    good = ipn_params(reference, 75000)
    forged = {**good, "vnp_SecureHash": p.sign(good, "not-the-secret")}
    assert send(forged)["RspCode"] == "97"
    assert send({**signed(good), "vnp_Amount": "100"})["RspCode"] == "97"  # altered after signing
    assert send(signed(ipn_params(reference, 7500)))["RspCode"] == "04"
    assert send(signed(ipn_params("TT999999DEADBEEF", 75000)))["RspCode"] == "01"
    assert send({k: v for k, v in good.items()})["RspCode"] == "97"  # unsigned
    with transaction(sessions) as s:
        verdicts = [(n.verdict, n.reference) for n in
                    s.scalars(select(PaymentNotice).order_by(PaymentNotice.id))]
        assert verdicts == [("97", reference), ("97", reference), ("04", reference),
                            ("01", "TT999999DEADBEEF"), ("97", reference)]
        assert s.scalar(select(Payment.status)) == "pending"
        assert s.scalar(select(Job.status).where(Job.operator == "fee.collect")) == "waiting"
    assert event_count(sessions, code) == before
    assert dossier(sessions, code).status == "awaiting_payment"
    # the return page trusts nothing it cannot verify either
    response = client.get("/thanh-toan/ket-qua", query_string=forged)
    assert response.status_code == 400 and "Không xác thực được" in response.get_data(as_text=True)
    # a genuine one is accepted, once
    assert send(signed(good)) == {"RspCode": "00", "Message": "Confirm Success"}
    assert send(signed(good))["RspCode"] == "02"
    with transaction(sessions) as s:
        assert s.scalar(select(Job.status).where(Job.operator == "fee.collect")) == "done"


def test_cancel_at_the_bank_leaves_the_dossier_waiting_and_payable_again(deployed, public_url):
    sessions = deployed
    code = submit_online(sessions)
    browser = Browser(public_url)
    browser.login("congdan")
    back = browser.bank(browser.start_payment(code), "cancel")
    assert "Bạn đã hủy giao dịch" in back
    with transaction(sessions) as s:
        [first] = s.scalars(select(Payment)).all()
        assert first.status == "cancelled" and first.response_code == "24"
        assert s.scalar(select(Job.status).where(Job.operator == "fee.collect")) == "waiting"
    assert dossier(sessions, code).status == "awaiting_payment"
    back = browser.bank(browser.start_payment(code), "pay")  # a new attempt, a new reference
    assert "Bạn đã nộp thành công" in back
    with transaction(sessions) as s:
        rows = s.scalars(select(Payment).order_by(Payment.id)).all()
        assert [r.status for r in rows] == ["cancelled", "paid"]
        assert rows[0].reference != rows[1].reference


def test_return_before_the_ipn_settles_through_a_status_query(deployed, public_url, monkeypatch):
    sessions = deployed
    code = submit_online(sessions)
    monkeypatch.setenv("MOTCUA_SANDBOX_IPN_URL", f"{public_url}/khong-co")  # the IPN is lost
    back = pay_online(public_url, sessions, code)
    assert "Bạn đã nộp thành công" in back
    with transaction(sessions) as s:
        assert s.scalar(select(Payment.status)) == "paid"
        assert [n.source for n in s.scalars(select(PaymentNotice).order_by(PaymentNotice.id))] == [
            "return", "query"]


def test_resuming_a_job_that_is_not_waiting_is_refused(deployed):
    sessions = deployed
    code = submit_online(sessions)
    with transaction(sessions) as s:
        job = s.scalar(select(Job).where(Job.operator == "fee.collect"))
        # the lease sweep never takes a waiting job back
        assert outbox.claim_jobs(s, "w", now=datetime(2099, 1, 1, tzinfo=VIETNAM_TZ)) == []
        payments.record_counter_payment(s, code, "tiepnhan")
    with transaction(sessions) as s, pytest.raises(outbox.NotWaiting, match="not waiting"):
        outbox.resume_job(s, job.id, {"status": "paid"})
    with transaction(sessions) as s:
        assert s.scalar(select(func.count()).select_from(outbox.Incident)) == 0


def test_rejected_dossier_is_refunded_through_the_gateway_exactly_once(deployed, public_url):
    sessions = deployed
    code = submit_online(sessions)
    pay_online(public_url, sessions, code)
    work(sessions)
    with transaction(sessions) as s:
        reference = s.scalar(select(Payment.reference))

    # the refund's answer is lost the first time: the job is retried
    real = operators.handler_for("fee.refund")
    calls: list[str] = []

    def answer_lost(ctx):  # type: ignore[no-untyped-def]
        calls.append(ctx.idempotency_key)
        result = real(ctx)
        if len(calls) == 1:
            raise operators.RetryableError("gateway timed out")
        return result

    operators.register("fee.refund")(answer_lost)
    try:
        [step] = PERMIT.paths["reject"]
        complete(sessions, code, step.element_id, step.data, step.actor)
        work(sessions)
        with transaction(sessions) as s:
            job = s.scalar(select(Job).where(Job.operator == "fee.refund"))
            assert job.status == "pending" and "timed out" in job.last_error
            job.next_attempt_at = job.created_at
        work(sessions)
    finally:
        operators.register("fee.refund")(real)
    assert len(calls) == 2 and calls[0] == calls[1]
    with transaction(sessions) as s:
        job = s.scalar(select(Job).where(Job.operator == "fee.refund"))
        assert job.status == "done" and job.result["status"] == "refunded"
        [refund] = s.scalars(select(Refund)).all()
        assert (refund.amount, refund.method, refund.status) == (75000, "gateway", "done")
        assert refund.reference == payments.refund_reference(job.idempotency_key)
        assert s.scalar(select(Payment.status)) == "refunded"
        ctx_key = job.idempotency_key
    assert ledger.refund_count(reference) == 1
    # the handler running once more still refunds nothing new
    from engine.outbox.worker import _context
    with transaction(sessions) as s:
        ctx = _context(s, s.scalar(select(Job).where(Job.idempotency_key == ctx_key)))
    assert real(ctx)["status"] == "refunded"
    assert ledger.refund_count(reference) == 1
    assert dossier(sessions, code).status == "rejected"
    browser = Browser(public_url)
    browser.login("congdan")
    page = browser.open(f"/ho-so/{code}")
    assert "Đã hoàn trả 75.000" in page and "Chứng từ hoàn trả" in page
    receipt = browser.open(f"/bien-lai-hoan-tra/{refund.reference}")
    assert "Hoàn qua cổng thanh toán" in receipt and "75.000" in receipt
    # the gateway agrees: nothing to reconcile
    from connectors.payment.reconcile import reconcile_day
    today = datetime.now(VIETNAM_TZ).date()
    with transaction(sessions) as s:
        assert reconcile_day(s, today) == []


def test_cash_at_the_counter_and_its_refund_handed_back(app, deployed):
    sessions = deployed
    with transaction(sessions) as s:
        code = runner.submit(s, "marital_status", MARITAL.application, actor="tiepnhan",
                             channel="counter").code
    work(sessions)
    assert dossier(sessions, code).status == "awaiting_payment"
    client = login(app.test_client(), "tiepnhan")
    page = client.get(f"/can-bo/ho-so/{code}").get_data(as_text=True)
    assert "Thu tiền mặt 15.000" in page
    r = client.post(f"/can-bo/ho-so/{code}/thu-phi",
                    data={"csrf_token": csrf_token(client, f"/can-bo/ho-so/{code}")})
    receipt = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Biên lai thu phí, lệ phí" in receipt and "Tiền mặt tại Bộ phận Một cửa" in receipt
    r = client.post(f"/can-bo/ho-so/{code}/thu-phi",
                    data={"csrf_token": csrf_token(client, f"/can-bo/ho-so/{code}")})
    assert r.status_code == 409  # taken once only
    work(sessions)
    with transaction(sessions) as s:
        job = s.scalar(select(Job).where(Job.operator == "fee.collect"))
        assert job.result["channel"] == "counter" and job.result["received_by"] == "tiepnhan"
    [step] = MARITAL.paths["refuse"][:1]
    complete(sessions, code, step.element_id, step.data, step.actor)
    work(sessions)
    with transaction(sessions) as s:
        [refund] = s.scalars(select(Refund)).all()
        assert (refund.method, refund.status, refund.amount) == ("counter", "due", 15000)
        refund_id = refund.id
    page = client.get(f"/can-bo/ho-so/{code}").get_data(as_text=True)
    assert "chờ trả tiền mặt cho người nộp" in page
    r = client.post(f"/can-bo/hoan-tra/{refund_id}",
                    data={"csrf_token": csrf_token(client, f"/can-bo/ho-so/{code}")})
    assert r.status_code == 302
    with transaction(sessions) as s:
        assert s.get(Refund, refund_id).status == "handed_back"
        assert s.scalar(select(Payment.status)) == "refunded"
    with transaction(sessions) as s, pytest.raises(Conflict):
        payments.hand_back_refund(s, refund_id, "tiepnhan")


def test_free_dossier_is_waived_at_once_and_nothing_to_refund(deployed):
    sessions = deployed
    code = submit_online(sessions, MARITAL)  # free online
    with transaction(sessions) as s:
        job = s.scalar(select(Job).where(Job.operator == "fee.collect"))
        assert job.status == "done" and job.result["status"] == "waived"
        assert s.scalar(select(func.count()).select_from(Payment)) == 0
    [step] = MARITAL.paths["refuse"][:1]
    complete(sessions, code, step.element_id, step.data, step.actor)
    work(sessions)
    with transaction(sessions) as s:
        job = s.scalar(select(Job).where(Job.operator == "fee.refund"))
        assert job.result["status"] == "nothing_to_refund"


def test_reconciliation_finds_mismatches_and_the_cli_prints_them(deployed, public_url, db_url,
                                                                monkeypatch):
    sessions = deployed
    code = submit_online(sessions)
    pay_online(public_url, sessions, code)
    third = submit_online(sessions)
    pay_online(public_url, sessions, third)
    other = submit_online(sessions)
    with transaction(sessions) as s:
        # a bad record: the app thinks this one paid, the bank never saw it
        pending = s.scalar(select(Payment).where(Payment.status == "pending"))
        pending.status, pending.paid_at = "paid", pending.created_at
        runner.get_dossier(s, code).fee_amount = 80000
        # and this one refunded, though the bank refunded nothing
        refunded = s.scalar(select(Payment).where(
            Payment.dossier_id == runner.get_dossier(s, third).id))
        refunded.status, refunded.refunded_at = "refunded", refunded.paid_at
    today = datetime.now(VIETNAM_TZ).date()
    from connectors.payment.reconcile import reconcile_day
    with transaction(sessions) as s:
        found = {(m.dossier, m.problem) for m in reconcile_day(s, today)}
    assert (code, "paid 75000 đ but the dossier's fee is 80000 đ") in found
    assert (other, "the gateway does not know this payment") in found
    assert (other, "paid, but the dossier did not go on with this payment") in found
    assert (third, "refunded here but not at the gateway") in found
    assert len(found) == 4

    from click.testing import CliRunner

    from web.cli import main
    monkeypatch.setenv("MOTCUA_DATABASE_URL", db_url)
    result = CliRunner().invoke(main, ["payments", "reconcile", "--date", f"{today:%d/%m/%Y}"])
    assert result.exit_code == 1 and "4 mismatch(es)" in result.output and other in result.output
    result = CliRunner().invoke(main, ["payments", "reconcile", "--date", "01/01/2020"])
    assert result.exit_code == 0 and "no mismatches" in result.output
    result = CliRunner().invoke(main, ["payments", "reconcile", "--date", "2020-01-01"])
    assert result.exit_code == 2 and "dd/mm/yyyy" in result.output


def test_waiting_is_an_outcome_of_its_own_not_a_failure(deployed):
    sessions = deployed
    with transaction(sessions) as s:
        code = runner.submit(s, PERMIT.procedure, PERMIT.application, actor="congdan",
                             applicant_user="congdan").code
        job = next(j for j in outbox.claim_jobs(s, "w1") if j.operator == "fee.collect")
        from engine.outbox.worker import _context
        ctx = _context(s, job)
    from engine.outbox.worker import run_job
    assert run_job(sessions, ctx) == "waiting"
    with transaction(sessions) as s:
        job = s.get(Job, job.id)
        assert (job.status, job.attempts, job.last_error) == ("waiting", 1, None)
        assert job.payload["waiting"]["reason"] == "payment"
        assert s.scalar(select(func.count()).select_from(outbox.Incident)) == 0
        waiting = s.scalars(select(Event.type).where(Event.type == "job_waiting")).all()
        assert waiting == ["job_waiting"]
    assert dossier(sessions, code).status == "awaiting_payment"


def test_receipts_are_for_the_payer_and_the_officers_only(app, deployed):
    sessions = deployed
    code = submit_online(sessions)
    with transaction(sessions) as s:
        reference = payments.record_counter_payment(s, code, "tiepnhan").reference
    mine = login(app.test_client(), "congdan").get(f"/bien-lai/{reference}")
    assert mine.status_code == 200 and reference in mine.get_data(as_text=True)
    assert login(app.test_client(), "congdan2").get(f"/bien-lai/{reference}").status_code == 404
    assert login(app.test_client(), "tiepnhan").get(f"/bien-lai/{reference}").status_code == 200


def test_two_copies_of_one_notification_at_once_settle_it_once(app, deployed):
    import threading

    sessions = deployed
    code = submit_online(sessions)
    with transaction(sessions) as s:
        reference = s.scalar(select(Payment.reference))
    params = signed(ipn_params(reference, 75000))
    answers: list[str] = []
    start = threading.Barrier(2)

    def send() -> None:
        client = app.test_client()
        start.wait()
        answers.append(client.get("/thanh-toan/ipn", query_string=params).get_json()["RspCode"])

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers) == ["00", "02"]
    with transaction(sessions) as s:
        assert s.scalar(select(func.count()).select_from(Event).where(
            Event.type == "service_completed", Event.dossier_id == runner.get_dossier(s, code).id)) == 1


def test_every_payments_string_has_an_english_translation_agreeing_with_the_others():
    from pathlib import Path

    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
    from babel.messages.pofile import read_po

    web = Path(__file__).resolve().parents[2] / "web"
    found = set()
    for folder, method in (("payments", "python"), ("templates/payments", "jinja2")):
        pattern = "**.py" if method == "python" else "**.html"
        for _, _, message, _, _ in extract_from_dir(str(web / folder), [(pattern, method)],
                                                    keywords=DEFAULT_KEYWORDS):
            found.add(message if isinstance(message, str) else message[0])
    catalogues = {}
    for po in sorted((web / "translations" / "en" / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as fh:
            catalogues[po.name] = {m.id: m.string for m in read_po(fh) if m.id and m.string}
    ours = catalogues.pop("payments.po")
    assert sorted(found - set(ours)) == []
    for name, theirs in catalogues.items():
        assert {k: (v, theirs[k]) for k, v in ours.items() if k in theirs and theirs[k] != v} == {}, name


def test_ipn_by_post_needs_no_csrf_token(app, deployed):
    sessions = deployed
    submit_online(sessions)
    with transaction(sessions) as s:
        reference = s.scalar(select(Payment.reference))
    response = app.test_client().post("/thanh-toan/ipn", data=signed(ipn_params(reference, 75000)))
    assert response.get_json() == {"RspCode": "00", "Message": "Confirm Success"}


def test_no_sandbox_bank_when_a_real_gateway_is_configured(sessions, monkeypatch):
    from web.app import create_app

    monkeypatch.setenv("MOTCUA_PAYMENT_MODE", "gateway")
    monkeypatch.setenv("MOTCUA_PAYMENT_URL", "https://pay.example.vn/vpcpay.html")
    monkeypatch.setenv("MOTCUA_PAYMENT_API_URL", "https://pay.example.vn/api")
    monkeypatch.setenv("MOTCUA_PAYMENT_TMN_CODE", "TMN00001")
    monkeypatch.setenv("MOTCUA_PAYMENT_SECRET", "from-the-environment")
    client = create_app(sessions, TESTING=True, SECRET_KEY="x").test_client()
    assert client.get("/sandbox-bank/paymentv2/vpcpay.html").status_code == 404
    assert client.get("/thanh-toan/ipn").get_json()["RspCode"] == "97"
