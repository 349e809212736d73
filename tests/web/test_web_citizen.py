"""Citizen pages: catalogue, applying with drafts and uploads, review, one
submission only, receipt, my dossiers, supplements, ratings, and that no
citizen reaches another's dossier, receipt, file or draft."""

from __future__ import annotations

import html
import io
import json
import re

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from sqlalchemy import func, select

from engine.db import transaction
from engine.models import Attachment, Dossier, Draft, Event, Rating, utcnow
from engine.procedures import procedures
from engine.scenario.scenario import SCENARIOS, Scenario, drive
from web.schema_form import flat_values

from ..conftest import PROCESSES, csrf_token, login
from ..helpers import complete, work

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082")
APPLY = "/thu-tuc/marital_status/nop"
SCENARIO = Scenario.load(SCENARIOS / "marital_status.json")


@pytest.fixture
def deployed(sessions):
    with transaction(sessions) as s:
        procedures.deploy_path(s, PROCESSES, "test")


@pytest.fixture
def citizen(app, people, deployed):
    return login(app.test_client(), "congdan")


def form_fields(application: dict) -> dict[str, str]:
    """The application as the browser posts it: dotted names, checkboxes 'on'."""
    out = {}
    for name, value in flat_values(application).items():
        out[name] = "on" if value is True else str(value)
    return out


def post_apply(client, fields: dict, files: dict | None = None, action: str = "continue",
               draft: int | None = None):
    data = {"csrf_token": csrf_token(client, APPLY), "action": action, **fields}
    if draft is not None:
        data["nhap"] = str(draft)
    for name, (content, filename) in (files or {}).items():
        data[name] = (io.BytesIO(content), filename)
    return client.post(APPLY, data=data, content_type="multipart/form-data")


def field_errors(page: str, name: str) -> list[str]:
    """The error messages shown inside the field block named `name`."""
    pattern = r'<div class="field[^"]*" data-field="' + re.escape(name) + r'">(.*?)</div>'
    match = re.search(pattern, page, re.S)
    assert match, f"no field {name} on the page"
    return [html.unescape(m) for m in re.findall(r'class="field-error">([^<]*)<', match.group(1))]


def valid_files() -> dict:
    return {"tep__to_khai": (PDF, "to-khai.pdf"), "tep__giay_to_nhan_than": (PNG, "cccd.png")}


def draft_of(sessions, owner: str = "congdan") -> Draft:
    with transaction(sessions) as s:
        return s.scalars(select(Draft).where(Draft.owner == owner).order_by(Draft.id.desc())).first()


def submit_online(client, sessions) -> str:
    """Apply through the pages and submit; return the dossier code."""
    r = post_apply(client, form_fields(SCENARIO.application), valid_files())
    assert r.status_code == 302 and "/xem-lai" in r.headers["Location"], r.get_data(as_text=True)[:800]
    draft = draft_of(sessions)
    r = client.post(f"/ho-so/nhap/{draft.id}/nop",
                    data={"csrf_token": csrf_token(client, r.headers["Location"])})
    assert r.status_code == 302
    with transaction(sessions) as s:
        return s.get(Dossier, s.get(Draft, draft.id).dossier_id).code


# -- catalogue ---------------------------------------------------------------------


def test_catalogue_shows_names_agency_deadline_fees_and_documents(app, deployed):
    client = app.test_client()
    page = client.get("/thu-tuc").get_data(as_text=True)
    assert "Cấp Giấy xác nhận tình trạng hôn nhân" in page
    assert "Ủy ban nhân dân phường Hoàn Kiếm" in page and "Cấp xã" in page
    assert "3 ngày làm việc" in page and "15 ngày làm việc" in page
    assert "Miễn phí" in page and "15.000 ₫" in page and "75.000 ₫" in page
    assert 'class="fee-online"' in page
    assert "8.000 ₫" in page and "Số bản sao trích lục" in page  # per-unit part
    assert "Tờ khai cấp Giấy xác nhận tình trạng hôn nhân (theo mẫu)" in page and "Bắt buộc" in page
    detail = client.get("/thu-tuc/marital_status").get_data(as_text=True)
    assert "Luật Hộ tịch số 60/2014/QH13" in detail and "Toàn trình" in detail
    assert client.get("/thu-tuc/khong_co").status_code == 404
    client.get("/lang/en")
    english = client.get("/thu-tuc").get_data(as_text=True)
    assert "Certificate of marital status" in english and "Free of charge" in english
    assert "Hoan Kiem Ward People&#39;s Committee" in english


def test_applying_needs_a_signed_in_citizen(app, people, deployed):
    client = app.test_client()
    r = client.get(APPLY)
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    login(client, "tiepnhan")
    assert client.get(APPLY).status_code == 403


def test_start_form_is_rendered_from_its_schema_and_prefilled(citizen):
    page = citizen.get(APPLY).get_data(as_text=True)
    assert 'name="ho_ten"' in page and 'value="Nguyễn Văn An"' in page  # from the account
    assert 'value="001094012345"' in page and 'value="Kinh"' in page  # account, schema default
    assert 'placeholder="dd/mm/yyyy"' in page and '<select id="f-gioi_tinh"' in page  # dates typed day first
    assert 'data-show-values="ket_hon"><legend>Người dự định kết hôn' in page
    assert 'name="tep__to_khai"' in page and 'name="tep__van_ban_uy_quyen"' in page
    assert 'enctype="multipart/form-data"' in page


# -- validation and uploads --------------------------------------------------------


def test_validation_errors_are_shown_next_to_each_field(citizen, sessions):
    fields = form_fields(SCENARIO.application)
    fields.update({"ho_ten": "A", "so_dinh_danh": "12345", "so_ban": "nhiều",
                   "nguoi_du_dinh_ket_hon.so_dinh_danh": "", "ngay_sinh": "1994-13-45"})
    del fields["gioi_tinh"], fields["cam_doan"]
    r = post_apply(citizen, fields)
    page = r.get_data(as_text=True)
    assert r.status_code == 400
    assert field_errors(page, "ho_ten") == ["Cần ít nhất 2 ký tự."]
    assert field_errors(page, "so_dinh_danh") == ["Không đúng định dạng, xem hướng dẫn của ô nhập."]
    assert field_errors(page, "gioi_tinh") == ["Bắt buộc nhập."]
    assert field_errors(page, "so_ban") == ["Phải là số nguyên."]
    assert field_errors(page, "ngay_sinh") == ["Ngày không hợp lệ."]
    assert field_errors(page, "cam_doan") == ["Bạn cần đánh dấu xác nhận."]
    assert field_errors(page, "tep__to_khai") == ["Chưa đính kèm giấy tờ bắt buộc này."]
    assert field_errors(page, "tep__giay_to_nhan_than") == ["Chưa đính kèm giấy tờ bắt buộc này."]
    assert field_errors(page, "tep__van_ban_uy_quyen") == []  # optional
    assert "Cần nhập ít nhất một trong các thông tin: Số định danh cá nhân, Số hộ chiếu" in page
    assert 'value="A"' in page and 'value="nhiều"' in page  # what was typed is shown again
    assert draft_of(sessions).data["ho_ten"] == "A"  # and kept in the draft


@pytest.mark.parametrize("content, filename, message", [
    (b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024), "lon.pdf", "lớn hơn 10 MB"),
    (b"day chi la van ban, khong phai PDF", "gia.pdf", "không phải PDF, JPEG hoặc PNG"),
    (b"", "rong.pdf", "rỗng"),
], ids=["oversized", "wrong-type", "empty"])  # a mislabelled file is taken: test_uploads_by_content
def test_refused_upload_says_why_and_loses_nothing(citizen, sessions, content, filename, message):
    fields = form_fields(SCENARIO.application)
    r = post_apply(citizen, fields, {"tep__to_khai": (content, filename),
                                     "tep__giay_to_nhan_than": (PNG, "cccd.png")})
    page = r.get_data(as_text=True)
    assert r.status_code == 400
    [error] = field_errors(page, "tep__to_khai")
    assert message in error and filename in error
    assert 'value="Số 12 phố Hàng Bạc, phường Hoàn Kiếm, thành phố Hà Nội"' in page
    assert 'value="Trần Thị Mai"' in page
    draft = draft_of(sessions)
    assert draft.data == SCENARIO.application  # the typed data is in the draft
    with transaction(sessions) as s:
        kept = list(s.scalars(select(Attachment).where(Attachment.draft_id == draft.id)))
    assert [(a.document_code, a.filename) for a in kept] == [("giay_to_nhan_than", "cccd.png")]
    assert "cccd.png" in page  # the good file is listed, not lost


def test_draft_is_saved_and_resumed_from_my_dossiers(citizen, sessions):
    fields = form_fields(SCENARIO.application)
    fields["noi_cu_tru"] = "Số 5 phố Hàng Đào"
    del fields["cam_doan"]
    r = post_apply(citizen, fields, {"tep__to_khai": (PDF, "to-khai.pdf")}, action="save")
    assert r.status_code == 302
    draft = draft_of(sessions)
    assert f"nhap={draft.id}" in r.headers["Location"]
    listing = citizen.get("/ho-so").get_data(as_text=True)
    assert "Cấp Giấy xác nhận tình trạng hôn nhân" in listing and f"nhap={draft.id}" in listing
    page = citizen.get(f"{APPLY}?nhap={draft.id}").get_data(as_text=True)
    assert 'value="Số 5 phố Hàng Đào"' in page and "to-khai.pdf" in page
    assert f'name="nhap" value="{draft.id}"' in page
    # resumed: finish the form, drop the file, add both documents again
    with transaction(sessions) as s:
        first = s.scalar(select(Attachment).where(Attachment.draft_id == draft.id))
    fields["cam_doan"] = "on"
    r = post_apply(citizen, {**fields, "xoa_tep": str(first.id)}, valid_files(), draft=draft.id)
    assert r.status_code == 302 and f"/ho-so/nhap/{draft.id}/xem-lai" in r.headers["Location"]
    with transaction(sessions) as s:
        assert s.scalar(select(func.count()).select_from(Draft)) == 1
        names = sorted(a.filename for a in s.scalars(
            select(Attachment).where(Attachment.draft_id == draft.id)))
    assert names == ["cccd.png", "to-khai.pdf"]
    assert draft_of(sessions).data["noi_cu_tru"] == "Số 5 phố Hàng Đào"


def test_review_shows_data_documents_and_online_fee(citizen, sessions):
    r = post_apply(citizen, form_fields(SCENARIO.application), valid_files())
    page = citizen.get(r.headers["Location"]).get_data(as_text=True)
    assert "Kiểm tra lại hồ sơ trước khi nộp" in page
    assert "Nguyễn Văn An" in page and "12/05/1994" in page and "Đăng ký kết hôn" in page
    assert "Trần Thị Mai" in page and "Người dự định kết hôn" in page
    assert "to-khai.pdf" in page and "cccd.png" in page
    assert "Lệ phí nộp trực tuyến" in page and "Miễn phí" in page
    assert re.search(r"<form[^>]*data-once", page) and "Nộp hồ sơ" in page


def test_review_refuses_an_incomplete_draft(citizen, sessions):
    post_apply(citizen, form_fields(SCENARIO.application), action="save")
    draft = draft_of(sessions)
    r = citizen.get(f"/ho-so/nhap/{draft.id}/xem-lai")
    assert r.status_code == 302 and f"nhap={draft.id}" in r.headers["Location"]
    token = csrf_token(citizen, "/ho-so")
    r = citizen.post(f"/ho-so/nhap/{draft.id}/nop", data={"csrf_token": token})
    assert r.status_code == 302 and f"nhap={draft.id}" in r.headers["Location"]
    with transaction(sessions) as s:
        assert s.scalar(select(func.count()).select_from(Dossier)) == 0


def test_double_submit_creates_one_dossier(citizen, sessions):
    post_apply(citizen, form_fields(SCENARIO.application), valid_files())
    draft = draft_of(sessions)
    token = csrf_token(citizen, f"/ho-so/nhap/{draft.id}/xem-lai")
    first = citizen.post(f"/ho-so/nhap/{draft.id}/nop", data={"csrf_token": token})
    second = citizen.post(f"/ho-so/nhap/{draft.id}/nop", data={"csrf_token": token})
    assert first.status_code == second.status_code == 302
    with transaction(sessions) as s:
        dossiers = list(s.scalars(select(Dossier)))
        assert len(dossiers) == 1
        moved = list(s.scalars(select(Attachment).where(Attachment.dossier_id == dossiers[0].id)))
    assert len(moved) == 2
    code = dossiers[0].code
    assert dossiers[0].applicant_user == "congdan" and dossiers[0].channel == "online"
    for response in (first, second):
        target = citizen.get(response.headers["Location"])
        assert target.status_code == 302 and target.headers["Location"].endswith(
            f"/ho-so/{code}/bien-nhan")
    # the submitted draft is no longer offered for editing
    assert citizen.get(f"{APPLY}?nhap={draft.id}").status_code == 302
    assert f"nhap={draft.id}" not in citizen.get("/ho-so").get_data(as_text=True)


def test_simultaneous_submits_of_one_draft_create_one_dossier(app, citizen, sessions):
    """Two posts racing (a double click that got through): the draft lock makes
    the second one find the first one's dossier."""
    import threading

    post_apply(citizen, form_fields(SCENARIO.application), valid_files())
    draft = draft_of(sessions)
    clients = [login(app.test_client(), "congdan") for _ in range(2)]
    tokens = [csrf_token(c, f"/ho-so/nhap/{draft.id}/xem-lai") for c in clients]
    barrier, statuses = threading.Barrier(2), []

    def post(client, token):
        barrier.wait()
        statuses.append(client.post(f"/ho-so/nhap/{draft.id}/nop",
                                    data={"csrf_token": token}).status_code)

    threads = [threading.Thread(target=post, args=pair) for pair in zip(clients, tokens,
                                                                        strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [302, 302]
    with transaction(sessions) as s:
        assert s.scalar(select(func.count()).select_from(Dossier)) == 1


def test_pages_speak_english_when_chosen(citizen, sessions):
    code = submit_online(citizen, sessions)
    citizen.get("/lang/en")
    receipt = citizen.get(f"/ho-so/{code}/bien-nhan").get_data(as_text=True)
    assert "Online dossier receipt" in receipt and "Certificate of marital status" in receipt
    assert "Set when an officer receives the dossier" in receipt
    page = citizen.get(f"/ho-so/{code}").get_data(as_text=True)
    assert "You submitted the dossier." in page and "Progress" in page
    form = citizen.get(APPLY).get_data(as_text=True)
    assert "Full name" in form and "Save draft" in form and "Attached documents" in form
    listing = citizen.get("/ho-so").get_data(as_text=True)
    assert "Submitted dossiers" in listing and code in listing


# -- receipt, my dossiers, dossier page ------------------------------------------


def test_receipt_shows_code_appointment_fee_documents_and_qr(citizen, sessions, people):
    from web.citizen.qr import qr_data_uri

    code = submit_online(citizen, sessions)
    r = citizen.get(f"/ho-so/{code}/bien-nhan")
    page = r.get_data(as_text=True)
    assert r.status_code == 200
    assert code in page and "Cấp Giấy xác nhận tình trạng hôn nhân" in page
    assert "Sẽ có khi cán bộ tiếp nhận hồ sơ" in page
    assert "Miễn phí" in page and "to-khai.pdf" in page and "cccd.png" in page
    assert "data-print" in page
    src = html.unescape(re.search(r'<img src="([^"]+)" alt="Mã QR', page).group(1))
    assert src == qr_data_uri(f"http://localhost/tra-cuu?ma={code}")
    assert f"http://localhost/tra-cuu?ma={code}" in page
    # once received, the appointment date is on the receipt
    work(sessions)
    complete(sessions, code, "reception", {"reception_decision": "receive"}, actor="tiepnhan")
    with transaction(sessions) as s:
        day = s.scalar(select(Dossier).where(Dossier.code == code)).appointment_date
    page = citizen.get(f"/ho-so/{code}/bien-nhan").get_data(as_text=True)
    assert day.strftime("%d/%m/%Y") in page and "Sẽ có khi cán bộ" not in page


def test_my_dossiers_lists_status_step_and_appointment(citizen, sessions):
    code = submit_online(citizen, sessions)
    work(sessions)
    page = citizen.get("/ho-so").get_data(as_text=True)
    assert code in page and "Chờ tiếp nhận" in page and "1. Mới đăng ký" in page
    assert "Tiếp nhận, kiểm tra hồ sơ" in page  # the current step
    complete(sessions, code, "reception", {"reception_decision": "receive"}, actor="tiepnhan")
    work(sessions)
    page = citizen.get("/ho-so").get_data(as_text=True)
    assert "Đang xử lý" in page and "Thẩm định, xác minh tình trạng hôn nhân" in page
    with transaction(sessions) as s:
        day = s.scalar(select(Dossier).where(Dossier.code == code)).appointment_date
    assert day.strftime("%d/%m/%Y") in page


def test_my_dossiers_pages_twenty_newest_first_and_keeps_those_waiting_for_me_above(
        citizen, sessions):
    from datetime import timedelta

    from engine.dossiers import runner

    waiting = drive(sessions, SCENARIO, "supplement", steps=2)  # the oldest: on page 2
    codes = []
    with transaction(sessions) as s:
        for minutes in range(1, 21):
            codes.append(runner.submit(
                s, "marital_status", SCENARIO.application, actor="congdan",
                applicant_user="congdan", at=utcnow() + timedelta(minutes=minutes)).code)
    first = citizen.get("/ho-so").get_data(as_text=True)
    listed = re.findall(r'<section class="card" id="submitted">(.*?)</section>', first, re.S)[0]
    shown = re.findall(r"<code>([^<]+)</code>", listed)
    assert shown == codes[::-1]  # newest first, twenty of them
    assert "(21)" in listed and "Trang 1 / 2" in listed and "trang=2" in listed
    above = re.findall(r'id="waiting-for-me">(.*?)</section>', first, re.S)[0]
    assert re.findall(r"<code>([^<]+)</code>", above) == [waiting]
    assert "Chờ bạn bổ sung hồ sơ" in above
    second = citizen.get("/ho-so?trang=2").get_data(as_text=True)
    listed = re.findall(r'id="submitted">(.*?)</section>', second, re.S)[0]
    assert re.findall(r"<code>([^<]+)</code>", listed) == [waiting]
    assert "Trang 2 / 2" in listed and "trang=1" in listed
    assert "Trang 2 / 2" in citizen.get("/ho-so?trang=9").get_data(as_text=True)
    assert citizen.get("/ho-so?trang=0").status_code == 400
    assert citizen.get("/ho-so?trang=x").status_code == 400


def test_overdue_dossier_is_flagged(citizen, sessions):
    code = submit_online(citizen, sessions)
    work(sessions)
    complete(sessions, code, "reception", {"reception_decision": "receive"}, actor="tiepnhan")
    with transaction(sessions) as s:
        found = s.scalar(select(Dossier).where(Dossier.code == code))
        found.appointment_date = found.appointment_date.replace(year=2020)
    assert "Quá hạn" in citizen.get("/ho-so").get_data(as_text=True)
    assert "Quá hạn" in citizen.get(f"/ho-so/{code}").get_data(as_text=True)


def test_dossier_page_shows_documents_and_a_plain_timeline_without_internal_data(
        app, people, deployed, sessions):
    from engine.dossiers.officers import record_view

    code = drive(sessions, SCENARIO, "supplement", steps=2)
    with transaction(sessions) as s:
        record_view(s, s.scalar(select(Dossier.id).where(Dossier.code == code)), "chuyenvien")
    client = login(app.test_client(), "congdan")
    page = client.get(f"/ho-so/{code}").get_data(as_text=True)
    assert "Bạn đã nộp hồ sơ." in page
    assert "Hồ sơ đã được tiếp nhận. Ngày hẹn trả kết quả" in page
    assert "Trạng thái hồ sơ: Đang xử lý." in page and "Hồ sơ được miễn phí, lệ phí." in page
    assert "Đề nghị bổ sung xác nhận tình trạng hôn nhân tại nơi cư trú trước đây" in page
    assert "Tạm dừng tính thời hạn giải quyết" in page
    # internal: the specialist's opinion, who viewed it, claims, jobs, checkpoints
    assert "Thiếu thông tin thời gian cư trú trước đây." not in page
    assert "chuyenvien" not in page and "checkpoint" not in page and "notify.send" not in page


def test_reminders_to_officers_stay_out_of_the_timeline(app, people, deployed, sessions):
    from datetime import timedelta

    code = drive(sessions, SCENARIO, "approve", steps=1)  # review open, reminder timer set
    work(sessions, when=utcnow() + timedelta(days=7))
    with transaction(sessions) as s:
        subjects = [e.payload["data"].get("subject") for e in s.scalars(select(Event).where(
            Event.type == "service_completed")) if e.payload.get("operator") == "notify.send"]
    assert any("Nhắc việc" in (x or "") for x in subjects)  # the reminder was sent
    page = login(app.test_client(), "congdan").get(f"/ho-so/{code}").get_data(as_text=True)
    assert "đã được tiếp nhận”" in page  # the applicant's own notice is shown
    assert "Nhắc việc" not in page


def test_attachments_download_for_their_owner_only(citizen, app, sessions):
    code = submit_online(citizen, sessions)
    with transaction(sessions) as s:
        pdf = s.scalar(select(Attachment).where(Attachment.filename == "to-khai.pdf"))
    page = citizen.get(f"/ho-so/{code}").get_data(as_text=True)
    assert f"/tep/{pdf.id}" in page
    r = citizen.get(f"/tep/{pdf.id}")
    assert r.status_code == 200 and r.data == PDF and r.mimetype == "application/pdf"
    assert r.headers["Content-Disposition"].startswith("inline")
    assert citizen.get("/tep/99999").status_code == 404


# -- nobody sees another citizen's things -----------------------------------------


def test_a_citizen_cannot_reach_another_citizens_dossier_receipt_file_or_draft(
        citizen, app, sessions):
    code = submit_online(citizen, sessions)
    post_apply(citizen, form_fields(SCENARIO.application), action="save")
    draft = draft_of(sessions)
    with transaction(sessions) as s:
        attachment = s.scalar(select(Attachment).where(Attachment.dossier_id.is_not(None)))
    other = login(app.test_client(), "congdan2")
    assert other.get(f"/ho-so/{code}").status_code == 404
    assert other.get(f"/ho-so/{code}/bien-nhan").status_code == 404
    assert other.get(f"/tep/{attachment.id}").status_code == 404
    assert other.get(f"{APPLY}?nhap={draft.id}").status_code == 404
    assert other.get(f"/ho-so/nhap/{draft.id}/xem-lai").status_code == 404
    token = csrf_token(other, "/ho-so")
    assert other.post(f"/ho-so/nhap/{draft.id}/nop", data={"csrf_token": token}).status_code == 404
    assert other.post(f"/ho-so/nhap/{draft.id}/xoa", data={"csrf_token": token}).status_code == 404
    r = other.post(APPLY, data={"csrf_token": token, "action": "save", "nhap": str(draft.id),
                                "ho_ten": "Kẻ gian"}, content_type="multipart/form-data")
    assert r.status_code == 404
    assert draft_of(sessions).data["ho_ten"] == "Nguyễn Văn An"
    assert other.post(f"/ho-so/{code}/danh-gia", data={"csrf_token": token,
                                                       "diem": "1"}).status_code == 404
    listing = other.get("/ho-so").get_data(as_text=True)
    assert code not in listing and f"nhap={draft.id}" not in listing
    with transaction(sessions) as s:
        assert s.scalar(select(func.count()).select_from(Dossier)) == 1


# -- supplement --------------------------------------------------------------------


def test_supplement_answer_moves_the_dossier_back_to_in_progress(app, people, deployed, sessions):
    code = drive(sessions, SCENARIO, "supplement", steps=2)
    client = login(app.test_client(), "congdan")
    page = client.get(f"/ho-so/{code}").get_data(as_text=True)
    assert "Cơ quan giải quyết yêu cầu bạn bổ sung hồ sơ" in page
    assert "Hải Phòng, 2015–2019" in page
    assert 'name="noi_dung_bo_sung"' in page and 'name="tep__giay_to_nhan_than"' in page
    assert "Chờ bạn bổ sung hồ sơ" in client.get("/ho-so").get_data(as_text=True)
    task = int(re.search(r'name="task" value="(\d+)"', page).group(1))
    token = csrf_token(client, f"/ho-so/{code}")

    # another citizen cannot answer it
    other = login(app.test_client(), "congdan2")
    r = other.post(f"/ho-so/{code}/bo-sung", data={"csrf_token": csrf_token(other, "/ho-so"),
                                                   "task": str(task)})
    assert r.status_code == 404

    # errors: the declaration is missing and the file is not a PDF; the text is kept
    r = client.post(f"/ho-so/{code}/bo-sung", content_type="multipart/form-data", data={
        "csrf_token": token, "task": str(task), "noi_dung_bo_sung": "Đã xin xác nhận ở Lê Chân.",
        "tep__khac": (io.BytesIO(b"not a pdf"), "xac-nhan.pdf")})
    page = r.get_data(as_text=True)
    assert r.status_code == 400
    assert field_errors(page, "cam_ket_bo_sung") == ["Bạn cần đánh dấu xác nhận."]
    assert "không phải PDF" in field_errors(page, "tep__khac")[0]
    assert "Đã xin xác nhận ở Lê Chân." in page
    with transaction(sessions) as s:
        assert s.scalar(select(Dossier.status).where(Dossier.code == code)) == "supplement_requested"

    r = client.post(f"/ho-so/{code}/bo-sung", content_type="multipart/form-data", data={
        "csrf_token": token, "task": str(task), "noi_dung_bo_sung": "Đã xin xác nhận ở Lê Chân.",
        "cam_ket_bo_sung": "on", "tep__khac": (io.BytesIO(PDF), "xac-nhan-le-chan.pdf")})
    assert r.status_code == 302
    with transaction(sessions) as s:
        dossier = s.scalar(select(Dossier).where(Dossier.code == code))
        supplements = list(s.scalars(select(Attachment).where(
            Attachment.dossier_id == dossier.id, Attachment.purpose == "supplement")))
    assert dossier.status == "in_progress"
    assert [a.filename for a in supplements] == ["xac-nhan-le-chan.pdf"]
    page = client.get(f"/ho-so/{code}").get_data(as_text=True)
    assert "Cơ quan giải quyết yêu cầu bạn bổ sung hồ sơ" not in page
    assert "Bạn đã nộp bổ sung hồ sơ." in page and "xac-nhan-le-chan.pdf" in page
    # posting the same answer again changes nothing
    r = client.post(f"/ho-so/{code}/bo-sung", data={"csrf_token": token, "task": str(task),
                                                    "noi_dung_bo_sung": "lần nữa",
                                                    "cam_ket_bo_sung": "on"})
    assert r.status_code == 302
    assert "đã được trả lời" in client.get(f"/ho-so/{code}").get_data(as_text=True)


# -- rating and results ------------------------------------------------------------


def test_rating_once_after_the_result_is_returned(app, people, deployed, sessions):
    from web.citizen.ratings import rating_summary

    waiting = drive(sessions, SCENARIO, "approve", steps=1)
    code = drive(sessions, SCENARIO, "approve")
    client = login(app.test_client(), "congdan")
    token = csrf_token(client, "/ho-so")
    assert client.post(f"/ho-so/{waiting}/danh-gia",
                       data={"csrf_token": token, "diem": "5"}).status_code == 409
    page = client.get(f"/ho-so/{code}").get_data(as_text=True)
    assert "Đánh giá mức độ hài lòng" in page and 'name="diem"' in page
    assert client.post(f"/ho-so/{code}/danh-gia",
                       data={"csrf_token": token, "diem": "9"}).status_code == 400
    r = client.post(f"/ho-so/{code}/danh-gia", data={"csrf_token": token, "diem": "4",
                                                     "nhan_xet": "Nhanh, đúng hẹn."})
    assert r.status_code == 302
    again = client.post(f"/ho-so/{code}/danh-gia", data={"csrf_token": token, "diem": "1"})
    assert again.status_code == 409 and "chỉ đánh giá một lần" in again.get_data(as_text=True)
    with transaction(sessions) as s:
        ratings = list(s.scalars(select(Rating)))
        summary = rating_summary(s)
    assert [(r.score, r.comment) for r in ratings] == [(4, "Nhanh, đúng hẹn.")]
    assert summary == [{"code": "marital_status", "name_vi": "Cấp Giấy xác nhận tình trạng hôn nhân",
                        "name_en": "Certificate of marital status", "count": 1, "average": 4.0,
                        "scores": {1: 0, 2: 0, 3: 0, 4: 1, 5: 0}}]
    page = client.get(f"/ho-so/{code}").get_data(as_text=True)
    assert "Bạn đã đánh giá 4/5" in page and 'name="diem"' not in page


def test_result_document_is_downloadable_by_the_applicant(app, people, deployed, sessions):
    code = drive(sessions, SCENARIO, "approve")
    client = login(app.test_client(), "congdan")
    page = client.get(f"/ho-so/{code}").get_data(as_text=True)
    assert "Kết quả đã sẵn sàng để tải về." in page and "Đã trả kết quả" in page
    link = re.search(r'href="(/ho-so/' + re.escape(code) + r'/ket-qua/[0-9a-f]{64})"', page).group(1)
    r = client.get(link)
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    signed = PdfFileReader(io.BytesIO(r.get_data()))
    assert [s.field_name for s in signed.embedded_signatures] == ["LanhDao", "CoQuan"]  # as issued
    other = login(app.test_client(), "congdan2")
    assert other.get(link).status_code == 404
    assert client.get(f"/ho-so/{code}/ket-qua/{'0' * 64}").status_code == 404


def test_scenario_application_is_what_the_form_posts():
    """The test data goes through the form parser unchanged (guards the helpers above)."""
    from werkzeug.datastructures import MultiDict

    from web.schema_form import parse

    schema = json.loads((PROCESSES / "marital_status/forms/application.json").read_text())
    assert parse(schema, MultiDict(form_fields(SCENARIO.application))) == SCENARIO.application
