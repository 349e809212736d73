"""Officers in a real browser, at a desk and on a phone: a specialist claims several
building-permit reviews at once, finds the application's figures filled in, completes
one and lands on the next; the leader's page shows the proposal up front; the desk
prints several receipts on one page."""

from __future__ import annotations

import re

import pytest

from engine.db import transaction
from engine.procedures import procedures
from engine.scenario.scenario import all_scenarios, drive

from ..conftest import PROCESSES
from ..helpers import task
from .test_browser_officer import sign_in
from .test_phone_layout import PHONE, misfits

PERMIT = all_scenarios()["construction_permit"]
DESK = {"width": 1200, "height": 900}


@pytest.fixture
def deployed(sessions, people):
    with transaction(sessions) as s:
        procedures.deploy_path(s, PROCESSES, "test")


def fill_review(page) -> None:
    """What the specialist still writes: the opinion and the permit's own lines."""
    page.fill("[name=y_kien_tong_hop]", "Đủ điều kiện cấp phép theo hồ sơ thiết kế.")
    page.fill("[name=cot_nen_xay_dung]", "+0,45 m so với cốt vỉa hè ngõ")
    page.fill("[name=chi_gioi_duong_do]", "Trùng ranh giới thửa đất phía ngõ")
    page.fill("[name=chi_gioi_xay_dung]", "Trùng chỉ giới đường đỏ")
    page.fill("[name=mat_do_xay_dung_phan_tram]", "88")


def test_claim_several_complete_one_land_on_the_next(live_server, browser, screens, sessions,
                                                     deployed):
    codes = [drive(sessions, PERMIT, "approve", steps=3) for _ in range(3)]
    reviews = [task(sessions, c, "review").id for c in codes]

    page, errors = sign_in(browser, live_server, "chuyenvien_qldt", DESK)
    claim = page.locator("button:has-text('Nhận xử lý các việc đã chọn')")
    assert claim.is_disabled()  # nothing ticked yet
    for task_id in reviews[:2]:
        page.check(f"tr[data-task='{task_id}'] input[name=task]")
    screens.shot(page, "desk-inbox-ticked")
    claim.click()
    assert f"Đã nhận xử lý 2 việc: {codes[0]}, {codes[1]}." in page.inner_text(".flash")
    assert page.locator("table.inbox tr[data-task]").count() == 2  # the "mine" tab
    screens.shot(page, "desk-inbox-claimed")

    page.click(f"tr[data-task='{reviews[0]}'] a:has-text('Tổng hợp')")
    floors = page.locator("[data-field=so_tang]")
    assert page.input_value("[name=so_tang]") == "5"
    assert "Điền sẵn từ hồ sơ: đơn, tờ khai" in floors.inner_text()
    assert page.input_value("[name=chieu_cao_m]") == "18.6"
    screens.shot(page, "desk-review-prefilled")
    page.fill("[name=chieu_cao_m]", "18.5")  # changed: no longer the dossier's
    assert page.locator("[data-field=chieu_cao_m] .prefilled").count() == 0
    fill_review(page)
    page.click("button.decision:text-is('Duyệt')")
    assert page.url.endswith(f"/can-bo/viec/{reviews[1]}")
    told = page.inner_text("main .flash >> nth=0")
    assert f"Đã hoàn thành bước “Tổng hợp, dự thảo giấy phép xây dựng” của hồ sơ {codes[0]}" in told
    assert codes[1] in page.inner_text("h1")
    screens.shot(page, "desk-next-task")
    page.click(f".flash a:text-is('Xem lại hồ sơ {codes[0]}')")
    assert page.url.endswith(f"/can-bo/ho-so/{codes[0]}")

    phone, errors2 = sign_in(browser, live_server, "chuyenvien_qldt", PHONE, phone=True)
    assert misfits(phone) == []
    phone.check(f"tr[data-task='{reviews[2]}'] input[name=task]")
    screens.shot(phone, "phone-inbox-ticked")
    phone.click("button:has-text('Nhận xử lý các việc đã chọn')")
    assert f"Đã nhận xử lý 1 việc: {codes[2]}." in phone.inner_text(".flash")
    assert misfits(phone) == []
    phone.click(f"tr[data-task='{reviews[1]}'] a:has-text('Tổng hợp')")
    assert phone.input_value("[name=tong_dien_tich_san_m2]") == "275"
    assert misfits(phone) == []
    screens.shot(phone, "phone-review-prefilled")
    fill_review(phone)
    phone.click("button.decision:text-is('Duyệt')")
    assert phone.url.endswith(f"/can-bo/viec/{reviews[2]}")
    assert misfits(phone) == []
    screens.shot(phone, "phone-next-task")
    assert errors == errors2 == []


def test_the_leader_s_page_and_the_desk_s_receipts(live_server, browser, screens, sessions,
                                                    deployed):
    codes = [drive(sessions, PERMIT, "approve", steps=4) for _ in range(2)]
    approval = task(sessions, codes[0], "approval").id
    for viewport, name in ((DESK, "desk"), (PHONE, "phone")):
        page, errors = sign_in(browser, live_server, "lanhdao", viewport, phone=viewport == PHONE)
        page.goto(f"{live_server}/can-bo/viec/{approval}")
        proposal = page.locator("section.proposal")
        assert proposal.is_visible()
        text = proposal.inner_text()
        assert "Đủ điều kiện, trình cấp giấy phép xây dựng" in text and "Đủ điều kiện cấp phép." in text
        box = proposal.bounding_box()
        assert box and box["y"] < page.locator("form.task-form").bounding_box()["y"]
        assert page.input_value("[name=nguoi_ky]") == "Lê Quang Hải"
        if viewport == PHONE:
            assert misfits(page) == []
        screens.shot(page, f"{name}-leader-approval")
        assert errors == []

    for viewport, name in ((DESK, "desk"), (PHONE, "phone")):
        page, errors = sign_in(browser, live_server, "tiepnhan", viewport, phone=viewport == PHONE)
        received = page.locator("section.received-today")
        for code in codes:
            received.locator(f"tr[data-received='{code}'] input[name=ma]").check()
        screens.shot(page, f"{name}-received-today")
        received.locator("button:has-text('In giấy tiếp nhận các hồ sơ đã chọn')").click()
        assert re.search(r"/can-bo/giay-tiep-nhan\?ma=", page.url)
        page.wait_for_load_state("load")  # the stylesheet that hides each slip's own tools
        assert page.locator("article.slip").count() == 2
        assert page.locator(".slip-sheet .slip-tools").first.is_hidden()
        page.emulate_media(media="print")  # each receipt on a sheet of its own
        assert page.evaluate("Array.from(document.querySelectorAll('.slip-sheet'), "
                             "s => getComputedStyle(s).breakBefore)") == ["auto", "page"]
        page.emulate_media(media="screen")
        if viewport == PHONE:
            assert misfits(page) == []
        screens.shot(page, f"{name}-receipts")
        assert errors == []
