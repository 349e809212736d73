"""A citizen in a real browser: registers, applies for a certificate of marital
status with a PDF, reviews, submits once and gets the receipt."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from engine.db import transaction
from engine.models import Attachment, Dossier
from engine.procedures import procedures

from ..conftest import PROCESSES

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
       b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


@pytest.fixture
def deployed(sessions):
    with transaction(sessions) as s:
        procedures.deploy_path(s, PROCESSES, "test")


def test_citizen_registers_applies_reviews_submits_and_gets_a_receipt(
        live_server, browser, screens, sessions, deployed, tmp_path):
    pdf = tmp_path / "to-khai.pdf"
    pdf.write_bytes(PDF)
    page = browser.new_page(viewport={"width": 1100, "height": 900}, locale="vi-VN")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    page.goto(f"{live_server}/register")
    page.fill("input[name=username]", "tranthibinh")
    page.fill("input[name=full_name]", "Trần Thị Bình")
    page.fill("input[name=id_number]", "001195012345")
    page.fill("input[name=phone]", "0987654321")
    page.fill("input[name=email]", "binh@example.vn")
    page.fill("input[name=password]", "mat-khau-dai-1")
    page.fill("input[name=password2]", "mat-khau-dai-1")
    screens.shot(page, "register")
    page.click("button:has-text('Đăng ký')")
    assert "Đăng ký thành công" in page.inner_text("main")

    page.click("header nav a:text-is('Thủ tục')")
    assert "Thủ tục hành chính trực tuyến" in page.inner_text("h1")
    screens.shot(page, "catalogue")
    card = page.locator("section.procedure-card", has_text="Cấp Giấy xác nhận tình trạng hôn nhân")
    card.locator("text=Nộp hồ sơ trực tuyến").click()

    assert "Nộp hồ sơ trực tuyến: Cấp Giấy xác nhận tình trạng hôn nhân" in page.inner_text("h1")
    assert page.input_value("[name=ho_ten]") == "Trần Thị Bình"  # from the account
    # a first try without the documents and the declaration: told what is missing
    page.click("button:has-text('Tiếp tục')")
    main = page.inner_text("main")
    assert "mục cần sửa" in main and "Chưa đính kèm giấy tờ bắt buộc này." in main
    screens.shot(page, "apply-errors")

    page.fill("[name=ngay_sinh]", "1995-03-08")
    page.select_option("[name=gioi_tinh]", "nu")
    page.fill("[name=noi_cu_tru]", "Số 8 phố Hàng Gai, phường Hoàn Kiếm, Hà Nội")
    page.select_option("[name=tinh_trang_hon_nhan]", "chua_dang_ky_ket_hon")
    page.select_option("[name=muc_dich_su_dung]", "ket_hon")
    page.fill("[name='nguoi_du_dinh_ket_hon.ho_ten']", "Lê Văn Cường")
    page.fill("[name='nguoi_du_dinh_ket_hon.ngay_sinh']", "1993-11-20")
    page.fill("[name='nguoi_du_dinh_ket_hon.so_dinh_danh']", "001093067890")
    page.check("input[type=checkbox][name=cam_doan]")
    page.set_input_files("[name=tep__to_khai]", str(pdf))
    page.set_input_files("[name=tep__giay_to_nhan_than]", str(pdf))
    screens.shot(page, "apply-filled")
    page.click("button:has-text('Tiếp tục')")

    assert "Kiểm tra lại hồ sơ trước khi nộp" in page.inner_text("h1")
    main = page.inner_text("main")
    for text in ("Trần Thị Bình", "08/03/1995", "Nữ", "Đăng ký kết hôn", "Lê Văn Cường",
                 "to-khai.pdf", "Miễn phí"):
        assert text in main, text
    screens.shot(page, "review")
    page.click("button:has-text('Nộp hồ sơ')")

    assert "Giấy biên nhận hồ sơ trực tuyến".upper() in page.inner_text("h1").upper()
    main = page.inner_text("main")
    code = re.search(r"Mã hồ sơ: (UBND-PHK-\d{6}-\d{4})", main).group(1)
    assert f"Đã nộp hồ sơ {code} thành công." in main
    assert "Sẽ có khi cán bộ tiếp nhận hồ sơ" in main and "to-khai.pdf" in main
    qr = page.locator("figure.qr img")
    assert qr.get_attribute("src").startswith("data:image/svg+xml")
    assert qr.evaluate("img => img.naturalWidth") > 0  # the browser drew it (CSP allows it)
    assert page.locator("button[data-print]").is_visible()
    screens.shot(page, "receipt")

    page.click("header nav a:text-is('Hồ sơ của tôi')")
    assert code in page.inner_text("main")
    screens.shot(page, "my-dossiers")

    page.goto(f"{live_server}/tra-cuu?ma={code}")
    page.fill("[name=so]", "0987654321")
    page.click("button:has-text('Tra cứu')")
    assert "Chờ" in page.inner_text("section.lookup-result")
    screens.shot(page, "lookup")

    with transaction(sessions) as s:
        assert s.scalar(select(func.count()).select_from(Dossier)) == 1
        assert s.scalar(select(func.count()).select_from(Attachment)
                        .where(Attachment.dossier_id.is_not(None))) == 2
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_citizen_answers_a_supplement_request_then_rates_the_result(
        live_server, browser, screens, sessions, deployed, people, tmp_path):
    from engine.scenario.scenario import SCENARIOS, Scenario, drive

    from ..conftest import DEMO_PASSWORD

    scenario = Scenario.load(SCENARIOS / "marital_status.json")
    waiting = drive(sessions, scenario, "supplement", steps=2)
    returned = drive(sessions, scenario, "approve")
    pdf = tmp_path / "xac-nhan.pdf"
    pdf.write_bytes(PDF)
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", "congdan")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("main button")

    page.goto(f"{live_server}/ho-so")
    # above the list, wherever the dossier falls in it, and in the list itself
    row = page.locator("#waiting-for-me tr", has_text=waiting)
    assert "Chờ bạn bổ sung hồ sơ" in row.inner_text()
    assert "Chờ bạn bổ sung hồ sơ" in page.locator("#submitted tr", has_text=waiting).inner_text()
    screens.shot(page, "my-dossiers-supplement")
    row.locator(f"text={waiting}").click()
    box = page.locator("#bo-sung")
    assert "Hải Phòng, 2015–2019" in box.inner_text()
    screens.shot(page, "supplement-asked")
    box.locator("[name=noi_dung_bo_sung]").fill("Đã xin giấy xác nhận của UBND phường Lê Chân.")
    box.locator("[name=tep__khac]").set_input_files(str(pdf))
    box.locator("button:has-text('Gửi bổ sung')").click()
    assert "Bạn cần đánh dấu xác nhận." in page.inner_text("#bo-sung")  # declaration missing
    assert page.input_value("[name=noi_dung_bo_sung]").startswith("Đã xin giấy xác nhận")
    page.check("input[type=checkbox][name=cam_ket_bo_sung]")
    page.click("#bo-sung button:has-text('Gửi bổ sung')")
    main = page.inner_text("main")
    assert "Đã gửi nội dung bổ sung" in main and "Đang xử lý" in main
    assert "Bạn đã nộp bổ sung hồ sơ." in main and "xac-nhan.pdf" in main
    screens.shot(page, "supplement-sent")

    page.goto(f"{live_server}/ho-so/{returned}")
    assert "Kết quả đã sẵn sàng để tải về." in page.inner_text("main")
    page.check("[name=diem][value='5']")
    page.fill("[name=nhan_xet]", "Đúng hẹn, cán bộ nhiệt tình.")
    page.click("button:has-text('Gửi đánh giá')")
    assert "Bạn đã đánh giá 5/5" in page.inner_text("#danh-gia")
    screens.shot(page, "returned-rated")
