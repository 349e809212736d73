"""A citizen pays a fee on the sandbox bank's page in headless Chromium."""

from __future__ import annotations

from sqlalchemy import select

from engine.db import transaction
from engine.models import Payment

from ..conftest import DEMO_PASSWORD
from ..helpers import open_tasks, work
from .test_payments import deployed, public_url, submit_online  # noqa: F401  (fixtures)


def test_citizen_pays_on_the_bank_page_in_a_browser(deployed, public_url, browser, screens):  # noqa: F811
    sessions = deployed
    code = submit_online(sessions)
    page = browser.new_page(locale="vi-VN")
    page.goto(f"{public_url}/login")
    page.fill("input[name=username]", "congdan")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("main button:has-text('Đăng nhập')")
    page.wait_for_load_state()
    page.goto(f"{public_url}/ho-so/{code}")
    panel = page.inner_text("#le-phi")
    assert "75.000" in panel and "Chờ thanh toán" in panel
    screens.shot(page, "dossier-awaiting-payment")
    page.click("button:has-text('Thanh toán lệ phí trực tuyến')")
    page.wait_for_url("**/sandbox-bank/paymentv2/vpcpay.html?**")
    bank = page.inner_text("main")
    assert "75.000 VND" in bank and f"Nop le phi ho so {code}" in bank
    screens.shot(page, "sandbox-bank")
    page.click("button:has-text('Thanh toán')")
    page.wait_for_url("**/thanh-toan/ket-qua?**")
    assert "Bạn đã nộp thành công 75.000" in page.inner_text("#ket-qua")
    screens.shot(page, "payment-returned")
    work(sessions)
    assert [t.element_id for t in open_tasks(sessions, code)] == ["reception"]
    page.click("a:has-text('Xem hồ sơ')")
    assert "Đã thanh toán lúc" in page.inner_text("#le-phi")
    page.click("a:has-text('Biên lai thu phí, lệ phí')")
    with transaction(sessions) as s:
        reference = s.scalar(select(Payment.reference))
    assert reference in page.inner_text("main")
    screens.shot(page, "fee-receipt")
    page.close()
