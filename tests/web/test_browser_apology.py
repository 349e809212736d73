"""In a real browser: the specialist meets an overdue dossier, is refused, and
the desk issues the apology slip and prints it."""

from __future__ import annotations

import re

import pytest

from ..helpers import received_long_ago
from .test_browser_officer import sign_in


@pytest.fixture
def overdue(sessions, people):
    return received_long_ago(sessions)


def test_issuing_an_apology_slip(browser, live_server, overdue, screens):
    code = overdue
    page, errors = sign_in(browser, live_server, "chuyenvien")
    row = page.locator(f"tr:has(code:text-is('{code}'))")
    assert "Hồ sơ quá hạn" in row.inner_text()
    screens.shot(page, "inbox-overdue")
    row.locator("a:has-text('Thẩm định')").click()
    page.fill("[name=y_kien_tham_dinh]", "Hồ sơ đã đầy đủ.")
    page.select_option("[name=tinh_trang_hon_nhan_xac_nhan]", "chua_dang_ky_ket_hon")
    page.fill("[name=noi_dung_xac_nhan]", "Chưa đăng ký kết hôn với ai")
    page.click("button.decision:text-is('Duyệt')")
    alert = page.locator("div.alert[role=alert]").first.inner_text()
    assert f"Hồ sơ {code} đã quá hạn" in alert
    screens.shot(page, "task-refused")

    page, errors2 = sign_in(browser, live_server, "tiepnhan")
    page.goto(f"{live_server}/can-bo/ho-so/{code}")
    page.click("a.button:has-text('Lập phiếu xin lỗi')")
    assert "Lập phiếu xin lỗi và hẹn lại ngày trả kết quả" in page.inner_text("h1")
    page.fill("[name=reason]", "Cần xác minh thêm thông tin cư trú tại địa phương khác.")
    new_date = page.input_value("[name=new_appointment]")  # the earliest allowed, dd/mm/yyyy
    screens.shot(page, "apology-form")
    page.click("button:has-text('Lập phiếu và thông báo cho người nộp')")
    slip = page.inner_text("article.slip")
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in slip
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4}", new_date)
    assert new_date in slip and "Nguyễn Thị Hoa" in slip and code in slip
    shot = screens.shot(page, "apology-slip")
    assert shot.stat().st_size > 10_000
    assert errors == [] and errors2 == []
