"""Officers in a real browser: reception receives an online dossier, the
specialist asks for a supplement and then approves, the leader signs off, the
slips print; and a walk-in registration at the counter."""

from __future__ import annotations

import pytest

from engine.db import transaction
from engine.dossiers import runner
from engine.procedures import procedures
from engine.scenario.scenario import all_scenarios

from ..conftest import DEMO_PASSWORD, PROCESSES
from ..helpers import complete, open_tasks, work

SCENARIO = all_scenarios()["marital_status"]
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
       b"\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00"
       b"\x00IEND\xaeB`\x82")


@pytest.fixture
def deployed(sessions, people):
    with transaction(sessions) as s:
        procedures.deploy_path(s, PROCESSES, "test")


def sign_in(browser, live_server, username, viewport=None, phone=False):
    """An officer signed in, on the inbox; a phone's browser when `phone`."""
    context = browser.new_context(viewport=viewport or {"width": 1200, "height": 900},
                                  locale="vi-VN", is_mobile=phone, has_touch=phone)
    page = context.new_page()
    errors: list[str] = []  # script errors and CSP refusals; a 400 re-render is expected
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error"
            and not m.text.startswith("Failed to load resource") else None)
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("main button:has-text('Đăng nhập')")
    page.click("header nav a:text-is('Hộp việc')")
    assert "Hộp việc" in page.inner_text("h1")
    return page, errors


def test_reception_receives_specialist_asks_for_more_leader_approves(
        live_server, browser, screens, sessions, deployed):
    with transaction(sessions) as s:
        code = runner.submit(s, "marital_status", SCENARIO.application, actor="congdan",
                             applicant_user="congdan").code
    work(sessions)

    page, errors = sign_in(browser, live_server, "tiepnhan")
    row = page.locator(f"tr:has(code:text-is('{code}'))")
    assert "Tiếp nhận, kiểm tra hồ sơ" in row.inner_text()
    assert "due-soon" in (row.get_attribute("class") or "")
    screens.shot(page, "reception-inbox")
    row.locator("a:has-text('Tiếp nhận, kiểm tra hồ sơ')").click()
    main = page.inner_text("main")
    assert "Nguyễn Văn An" in main and "Trần Thị Mai" in main and "Ai đã xem" in main
    page.click("button:has-text('Nhận xử lý')")
    assert "Bạn đã nhận xử lý việc này." in page.inner_text("main")
    page.check("[name=giay_to_da_nhan][value=to_khai]")
    page.check("[name=giay_to_da_nhan][value=giay_to_nhan_than]")
    screens.shot(page, "reception-task")
    page.click("button.decision:text-is('Tiếp nhận')")
    main = page.inner_text("main")
    assert "Đã hoàn thành bước “Tiếp nhận, kiểm tra hồ sơ”" in main
    page.click(f".flash a:text-is('Xem lại hồ sơ {code}')")  # no other dossier waits
    assert "Nguyễn Thị Hoa đã xem" in page.inner_text("ul.viewers")
    page.click("a:has-text('Giấy tiếp nhận hồ sơ và hẹn trả kết quả')")
    slip = page.inner_text("article.slip")
    for text in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
                 code, "Nguyễn Văn An", "Tờ khai cấp Giấy xác nhận tình trạng hôn nhân"):
        assert text in slip, text
    screens.shot(page, "receipt-slip")
    work(sessions)

    page, errors2 = sign_in(browser, live_server, "chuyenvien")
    page.click(f"tr:has(code:text-is('{code}')) a:has-text('Thẩm định')")
    page.click("button.decision:text-is('Yêu cầu bổ sung')")
    assert "Biểu mẫu còn lỗi" in page.inner_text("main")
    field = page.locator("[data-field=yeu_cau_bo_sung_tham_dinh]")
    assert "Bắt buộc nhập." in field.inner_text()
    screens.shot(page, "review-errors")
    page.fill("[name=y_kien_tham_dinh]", "Cần xác nhận nơi cư trú trước đây.")
    page.fill("[name=yeu_cau_bo_sung_tham_dinh]",
              "Bổ sung giấy xác nhận tình trạng hôn nhân tại Hải Phòng (2015–2019).")
    page.click("button.decision:text-is('Yêu cầu bổ sung')")
    assert "Yêu cầu bổ sung" in page.inner_text("main")
    page.click(f".flash a:text-is('Xem lại hồ sơ {code}')")
    page.click("a:has-text('Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ')")
    assert "Bổ sung giấy xác nhận tình trạng hôn nhân tại Hải Phòng" in page.inner_text(
        "article.slip")
    screens.shot(page, "supplement-slip")

    work(sessions)
    complete(sessions, code, "supplement_review",
             {"noi_dung_bo_sung": "Đã nộp giấy xác nhận.", "cam_ket_bo_sung": True},
             actor="congdan")
    work(sessions)
    page.goto(f"{live_server}/can-bo/hop-viec")
    page.click(f"tr:has(code:text-is('{code}')) a:has-text('Thẩm định')")
    page.fill("[name=y_kien_tham_dinh]", "Hồ sơ đã đầy đủ.")
    page.select_option("[name=tinh_trang_hon_nhan_xac_nhan]", "chua_dang_ky_ket_hon")
    page.fill("[name=noi_dung_xac_nhan]", "Chưa đăng ký kết hôn với ai")
    page.click("button.decision:text-is('Duyệt')")
    assert "Đã hoàn thành" in page.inner_text("main")
    work(sessions)  # the draft of the result is rendered; the leader's task opens

    page, errors3 = sign_in(browser, live_server, "lanhdao")
    page.click(f"tr:has(code:text-is('{code}')) a:has-text('Phê duyệt')")
    assert page.locator("a:has-text('Xem dự thảo văn bản (PDF)')").count() == 1
    page.fill("[name=nguoi_ky]", "Lê Quang Hải")
    page.select_option("[name=chuc_vu_nguoi_ky]", "pho_chu_tich")
    page.fill("[name=signing_passphrase]", "sai mật khẩu")
    page.click("button.decision:text-is('Duyệt')")
    assert "Mật khẩu khóa ký số không đúng." in page.inner_text("main")
    page.fill("[name=signing_passphrase]", "motcua-demo")
    screens.shot(page, "approval-task")
    page.click("button.decision:text-is('Duyệt')")
    assert "Văn bản kết quả đang được ký số" in page.inner_text("main")
    work(sessions)
    page.click(f".flash a:text-is('Xem lại hồ sơ {code}')")
    page.click("a:has-text('Phiếu kiểm soát quá trình giải quyết hồ sơ')")
    sheet = page.inner_text("article.slip")
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in sheet
    assert page.locator("table.control tr").count() == 6  # header + five hand-offs
    screens.shot(page, "control-sheet")
    page.goto(f"{live_server}/can-bo/ho-so/{code}")
    assert "Đã trả kết quả" in page.inner_text("main")
    assert "Bản đã ký số" in page.inner_text("table.documents")
    screens.shot(page, "dossier-page")
    page.click("table.documents a:has-text('Kiểm tra chữ ký')")
    assert "mọi chữ ký số đều hợp lệ" in page.inner_text("main")
    page.goto(f"{live_server}/xac-minh?ma={code}")
    report = page.inner_text("main")
    assert "Lê Quang Hải" in report and "HỢP LỆ" in report and "mọi chữ ký số đều hợp lệ" in report
    screens.shot(page, "public-verification")
    assert not open_tasks(sessions, code)
    assert errors == errors2 == errors3 == []


def test_reception_registers_a_walk_in_dossier(live_server, browser, screens, sessions, deployed,
                                               tmp_path):
    scan = tmp_path / "to-khai.png"
    scan.write_bytes(PNG)
    page, errors = sign_in(browser, live_server, "tiepnhan")
    page.click("a:has-text('Tiếp nhận hồ sơ trực tiếp')")
    page.click("a:has-text('Cấp Giấy xác nhận tình trạng hôn nhân')")
    assert page.input_value("[name=quoc_tich]") == "Việt Nam"
    page.fill("[name=ho_ten]", "Bùi Thị Thu")
    page.fill("[name=ngay_sinh]", "1990-02-03")
    page.select_option("[name=gioi_tinh]", "nu")
    page.fill("[name=so_dinh_danh]", "001190000111")
    page.fill("[name=noi_cu_tru]", "Số 5 phố Hàng Đào, phường Hoàn Kiếm, Hà Nội")
    page.select_option("[name=tinh_trang_hon_nhan]", "chua_dang_ky_ket_hon")
    page.select_option("[name=muc_dich_su_dung]", "khac")
    page.fill("[name=muc_dich_khac]", "Bổ túc hồ sơ xin việc")
    page.fill("[name=so_dien_thoai]", "0987000111")
    page.check("input[type=checkbox][name=cam_doan]")
    page.set_input_files("[name='doc.to_khai']", str(scan))
    screens.shot(page, "walk-in-form")
    page.click("button:has-text('Tạo hồ sơ và in giấy tiếp nhận')")
    main = page.inner_text("main")
    assert "(nộp trực tiếp)" in main and "thu tiền ở mục “Phí, lệ phí”" in main
    slip = page.inner_text("article.slip")
    for text in ("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "Bùi Thị Thu", "Bản điện tử: to-khai.png",
                 "Nguyễn Thị Hoa", "15.000 ₫"):
        assert text in slip, text
    screens.shot(page, "walk-in-receipt")
    work(sessions)
    walk_in_code = page.url.split("/ho-so/")[1].split("/")[0]
    page.goto(f"{live_server}/can-bo/ho-so/{walk_in_code}")
    page.click("button:has-text('Thu tiền mặt')")
    assert "Biên lai thu phí, lệ phí" in page.inner_text("main") and "15.000" in page.inner_text("main")
    screens.shot(page, "walk-in-fee-receipt")
    work(sessions)
    page.goto(f"{live_server}/can-bo/hop-viec")
    row = page.locator("tr:has-text('Bùi Thị Thu')")
    assert "Nộp trực tiếp" in row.inner_text()
    row.locator("a:has-text('Tiếp nhận, kiểm tra hồ sơ')").click()
    with page.expect_popup() as popup:
        page.click("a:has-text('to-khai.png')")
    assert popup.value.url.endswith(tuple("0123456789"))
    screens.shot(page, "walk-in-task")
    assert errors == []


def test_leader_delegates_and_the_deputy_signs_on_their_behalf(live_server, browser, screens,
                                                               sessions, deployed):
    from engine.scenario.scenario import drive

    code = drive(sessions, SCENARIO, "approve", steps=2)
    page, errors = sign_in(browser, live_server, "lanhdao")
    page.click(f"tr:has(code:text-is('{code}')) a:has-text('Phê duyệt')")
    page.click("button:has-text('Nhận xử lý')")
    page.goto(f"{live_server}/can-bo/hop-viec")
    page.click("a:has-text('Ủy quyền')")
    page.select_option("[name=deputy]", "pholanhdao")
    page.fill("[name=reason]", "Đi công tác Đà Nẵng")
    page.click("main button:has-text('Ủy quyền')")
    assert "Đã ủy quyền cho Đặng Thu Hà" in page.inner_text("main")
    assert "Đang hiệu lực" in page.inner_text("table")
    screens.shot(page, "delegations")

    deputy, errors2 = sign_in(browser, live_server, "pholanhdao")
    row = deputy.locator(f"tr:has(code:text-is('{code}'))")
    assert "thay mặt Lê Quang Hải" in row.inner_text()
    screens.shot(deputy, "deputy-inbox")
    row.locator("a:has-text('Phê duyệt')").click()
    assert "thay mặt Lê Quang Hải" in deputy.inner_text(".task-box")
    deputy.fill("[name=nguoi_ky]", "Đặng Thu Hà")
    deputy.select_option("[name=chuc_vu_nguoi_ky]", "pho_chu_tich")
    deputy.fill("[name=signing_passphrase]", "motcua-demo")
    deputy.click("button.decision:text-is('Duyệt')")
    deputy.click(f".flash a:text-is('Xem lại hồ sơ {code}')")
    last = deputy.locator("ol.timeline li.ev-task_completed").last.inner_text()
    assert "Đặng Thu Hà" in last and "thay mặt Lê Quang Hải" in last
    screens.shot(deputy, "deputy-done")
    assert errors == errors2 == []
