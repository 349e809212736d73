"""Every citizen page and the officer inbox on a 390 × 844 phone: the page never
scrolls sideways and what matters (a dossier's status, its code) is on screen."""

from __future__ import annotations

import re

from engine.db import transaction
from engine.dossiers import drafts
from engine.models import Dossier
from engine.scenario.scenario import all_scenarios, drive

from ..conftest import login
from .test_browser_officer import sign_in
from .test_payments import deployed, public_url, submit_online  # noqa: F401  (fixtures)

PHONE = {"width": 390, "height": 844}
MARITAL = all_scenarios()["marital_status"]


def misfits(page, *key: str) -> list[str]:
    """What is wrong with the page on a phone: the document wider than the screen
    (sideways scrolling), or a key element (a CSS selector) missing or off screen."""
    wrong = []
    page.wait_for_load_state("load")  # a click may have just started the next page
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > PHONE["width"] + 1:
        wrong.append(f"{page.url} is {width} px wide")
    for selector in key:
        boxes = [b for b in (e.bounding_box() for e in page.locator(selector).all()) if b]
        if not boxes:
            wrong.append(f"{page.url}: nothing shown matches {selector}")
        wrong += [f"{page.url}: {selector} at x={b['x']:.0f}..{b['x'] + b['width']:.0f}"
                  for b in boxes if b["x"] < 0 or b["x"] + b["width"] > PHONE["width"] + 1]
    return wrong


def citizen_page(browser, app, base: str):
    """A phone whose browser holds the demo citizen's session (signed in through the
    real form by the test client)."""
    client = login(app.test_client(), "congdan")
    context = browser.new_context(viewport=PHONE, locale="vi-VN", is_mobile=True,
                                  has_touch=True)
    context.add_cookies([{"name": "session", "value": client.get_cookie("session").value,
                          "url": base}])
    return context.new_page()


def test_citizen_pages_and_the_officer_inbox_fit_a_phone(
        app, deployed, public_url, browser, screens):  # noqa: F811
    sessions = deployed
    permit = submit_online(sessions)  # awaiting its online fee
    submitted = submit_online(sessions, MARITAL)  # waits for reception
    returned = drive(sessions, MARITAL, "approve")  # signed result handed back
    with transaction(sessions) as s:  # a file with a long name, as phones name them
        dossier_id = s.query(Dossier.id).filter_by(code=submitted).scalar()
        drafts.add_attachment(s, uploaded_by="congdan", document_code="to_khai",
                              filename="Scan_to_khai_xac_nhan_tinh_trang_hon_nhan_2025_ban_goc.pdf",
                              media_type="application/pdf", data=b"%PDF-1.4\n%%EOF\n",
                              dossier_id=dossier_id)

    page = citizen_page(browser, app, public_url)

    wrong: list[str] = []

    def visit(path: str, name: str, *key: str) -> None:
        if path:
            page.goto(f"{public_url}{path}")
        wrong.extend(misfits(page, *key))
        screens.shot(page, name)

    visit("/", "home")
    visit("/thu-tuc", "procedures", "section.procedure-card h2")
    visit("/thu-tuc/construction_permit", "procedure")
    visit("/thu-tuc/marital_status/nop", "apply-form", "button:has-text('Tiếp tục')")
    page.click("button:has-text('Tiếp tục')")  # nothing filled in: told what is missing
    visit("", "apply-errors", ".field-error")
    visit("/ho-so", "my-dossiers", "table.list .badge[class*=' s-']", "table.list code")
    assert {permit, submitted, returned} <= set(re.findall(r"UBND-\w+-\d{6}-\d{4}",
                                                            page.inner_text("main")))
    visit(f"/ho-so/{submitted}", "dossier-submitted")
    visit(f"/ho-so/{submitted}/bien-nhan", "dossier-receipt")
    visit(f"/ho-so/{returned}", "dossier-returned")
    visit(f"/ho-so/{permit}", "dossier-awaiting-payment", "#le-phi button")
    page.click("button:has-text('Thanh toán lệ phí trực tuyến')")
    page.wait_for_url("**/sandbox-bank/paymentv2/vpcpay.html?**")
    visit("", "sandbox-bank")
    page.click("button:has-text('Thanh toán')")
    page.wait_for_url("**/thanh-toan/ket-qua?**")
    visit("", "payment-returned", "#ket-qua")
    page.click("a:has-text('Biên lai thu phí, lệ phí')")
    visit("", "fee-receipt")
    visit(f"/tra-cuu?ma={submitted}&so=0912345678", "lookup", "section.lookup-result .badge")
    visit(f"/xac-minh?ma={returned}", "verify", "section.verify-result")
    page.context.close()

    officer, _errors = sign_in(browser, public_url, "tiepnhan")
    officer.set_viewport_size(PHONE)
    page = officer
    visit("/can-bo/hop-viec", "officer-inbox", "table.inbox code", "table.inbox .badge[class*=' s-']")
    assert submitted in page.inner_text("table.inbox")
    visit("/can-bo/hop-viec?tab=all", "officer-inbox-all")
    assert wrong == [], "\n".join(wrong)
