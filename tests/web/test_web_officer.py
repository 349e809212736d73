"""Officers' pages: inbox, task and dossier pages, walk-in, slips, delegation."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.db import transaction
from engine.dossiers import runner
from engine.models import Attachment, Dossier, Event, HumanTask, Job, utcnow
from engine.procedures import procedures
from engine.scenario.scenario import all_scenarios, drive
from web import access
from web.formats import vn_datetime

from ..conftest import PROCESSES, csrf_token, login
from ..helpers import complete, open_tasks, task, work

SCENARIO = all_scenarios()["marital_status"]
RECEIVE = {"reception_decision": "receive", "giay_to_da_nhan": ["to_khai", "giay_to_nhan_than"]}
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
       b"\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00"
       b"\x00IEND\xaeB`\x82")


@pytest.fixture
def deployed(sessions, people):
    with transaction(sessions) as s:
        procedures.deploy_path(s, PROCESSES, "test")
    return sessions


def submit(sessions, when=None, procedure="marital_status", application=None) -> str:
    """A dossier submitted online by congdan, its fee job run: reception is waiting."""
    app_data = application or SCENARIO.application
    with transaction(sessions) as s:
        code = runner.submit(s, procedure, app_data, actor="congdan", applicant_user="congdan",
                             at=when).code
    work(sessions, when)
    return code


def at_review(sessions) -> str:
    code = submit(sessions)
    complete(sessions, code, "reception", RECEIVE, actor="tiepnhan")
    work(sessions)
    return code


def at_approval(sessions) -> str:
    return drive(sessions, SCENARIO, "approve", steps=2)


def client_of(app, username):
    return login(app.test_client(), username)


def page(client, path) -> tuple[int, str]:
    response = client.get(path)
    return response.status_code, response.get_data(as_text=True)


def post(client, path, data, token_from=None):
    data = {"csrf_token": csrf_token(client, token_from or path), **data}
    return client.post(path, data=data)


def tasks_table(inbox: str) -> str:
    """The inbox's table of open tasks (the desk's page also lists what it received today)."""
    return re.search(r'<table class="inbox stack">.*?</table>', inbox, re.S).group(0)


def events(sessions, code, type_=None) -> list[Event]:
    with transaction(sessions) as s:
        dossier = runner.get_dossier(s, code)
        query = select(Event).where(Event.dossier_id == dossier.id).order_by(Event.seq)
        if type_:
            query = query.where(Event.type == type_)
        return list(s.scalars(query))


# -- inbox ---------------------------------------------------------------------------


def test_inbox_shows_only_tasks_of_my_role_and_department(app, deployed):
    sessions = deployed
    code = submit(sessions)
    status, body = page(client_of(app, "tiepnhan"), "/can-bo/hop-viec")
    assert status == 200 and code in body and "Tiếp nhận, kiểm tra hồ sơ" in body
    assert code not in page(client_of(app, "chuyenvien"), "/can-bo/hop-viec")[1]

    complete(sessions, code, "reception", RECEIVE, actor="tiepnhan")
    work(sessions)
    status, body = page(client_of(app, "chuyenvien"), "/can-bo/hop-viec")
    assert code in body and "Thẩm định, xác minh tình trạng hôn nhân" in body
    assert code not in page(client_of(app, "chuyenvien_qldt"), "/can-bo/hop-viec")[1]
    assert code not in tasks_table(page(client_of(app, "tiepnhan"), "/can-bo/hop-viec")[1])

    assert client_of(app, "congdan").get("/can-bo/hop-viec").status_code == 403
    assert app.test_client().get("/can-bo/hop-viec").status_code == 302


def test_inbox_tabs_counts_filters_sorting_and_deadline_colours(app, deployed):
    sessions = deployed
    late = submit(sessions, when=utcnow() - timedelta(days=14))
    fresh = [submit(sessions) for _ in range(2)]
    client = client_of(app, "tiepnhan")
    status, body = page(client, "/can-bo/hop-viec")
    assert status == 200
    row = re.search(rf'<tr class="([^"]*)" data-task="\d+">\s*<td><a[^>]*><code>{late}', body)
    assert row and row.group(1) == "due-overdue"
    assert re.search(rf'<tr class="due-soon" data-task="\d+">\s*<td><a[^>]*><code>{fresh[0]}', body)

    first = task(sessions, fresh[0], "reception")
    post(client, f"/can-bo/viec/{first.id}/nhan", {}, token_from="/can-bo/hop-viec")
    body = page(client, "/can-bo/hop-viec")[1]
    counts = dict(re.findall(r'data-tab="(\w+)">[^<]*<span class="count">(\d+)</span>', body))
    assert counts == {"unclaimed": "2", "mine": "1", "all": "3"}
    mine = page(client, "/can-bo/hop-viec?tab=mine")[1]
    assert fresh[0] in mine and late not in mine and fresh[1] not in mine

    overdue = page(client, "/can-bo/hop-viec?due=overdue")[1]
    assert late in overdue and fresh[0] not in overdue
    soon = page(client, "/can-bo/hop-viec?due=soon")[1]
    assert late not in soon and fresh[0] in soon
    assert late not in page(client, "/can-bo/hop-viec?procedure=birth_registration")[1]
    assert late in page(client, "/can-bo/hop-viec?procedure=marital_status&status=submitted")[1]

    by_code = page(client, "/can-bo/hop-viec?sort=code&dir=desc")[1]
    order = [c for c in re.findall(r"<code>([^<]+)</code>", by_code) if c in (late, *fresh)]
    assert order == sorted([late, *fresh], reverse=True)
    by_due = page(client, "/can-bo/hop-viec?sort=due")[1]
    assert by_due.index(late) < by_due.index(fresh[0])


def test_inbox_pages_fifty_rows(app, deployed):
    sessions = deployed
    with transaction(sessions) as s:
        for _ in range(53):
            runner.submit(s, "marital_status", SCENARIO.application, actor="congdan",
                          applicant_user="congdan")
    work(sessions)
    client = client_of(app, "tiepnhan")
    body = page(client, "/can-bo/hop-viec")[1]
    assert body.count('data-task="') == 50 and "Trang 1 / 2" in body
    body = page(client, "/can-bo/hop-viec?page=2")[1]
    assert body.count('data-task="') == 3


# -- task page -----------------------------------------------------------------------


def test_officer_of_another_department_cannot_open_the_task_nor_the_dossier(app, deployed):
    sessions = deployed
    code = at_review(sessions)
    review = task(sessions, code, "review")
    before = len(events(sessions, code))
    other = client_of(app, "chuyenvien_qldt")
    assert other.get(f"/can-bo/viec/{review.id}").status_code == 403
    assert other.get(f"/can-bo/ho-so/{code}").status_code == 403
    assert other.get(f"/can-bo/ho-so/{code}/phieu/kiem-soat").status_code == 403
    assert other.post(f"/can-bo/viec/{review.id}/hoan-thanh", data={
        "csrf_token": csrf_token(other, "/can-bo/hop-viec"),
        "review_decision": "reject"}).status_code == 403
    assert len(events(sessions, code)) == before  # nothing recorded, not even a view
    assert client_of(app, "congdan").get(f"/can-bo/viec/{review.id}").status_code == 403
    assert client_of(app, "chuyenvien").get(f"/can-bo/viec/{review.id}").status_code == 200


def test_task_page_shows_the_dossier_readably_and_offers_the_decisions(app, deployed):
    code = submit(deployed)
    reception = task(deployed, code, "reception")
    status, body = page(client_of(app, "tiepnhan"), f"/can-bo/viec/{reception.id}")
    assert status == 200
    for text in ("Họ, chữ đệm và tên", "Nguyễn Văn An", "Chưa đăng ký kết hôn với ai",
                 "12/05/1994", "Người dự định kết hôn", "Trần Thị Mai", "Nộp hồ sơ trực tuyến",
                 "Lệ phí được miễn", "Ai đã xem", "Nội dung yêu cầu bổ sung, hoàn thiện"):
        assert text in body, text
    buttons = re.findall(r'name="reception_decision" value="(\w+)"[^>]*>([^<]+)</button>', body)
    assert buttons == [("receive", "Tiếp nhận"), ("supplement", "Yêu cầu bổ sung"),
                       ("refuse", "Từ chối")]


def test_claim_and_release(app, deployed):
    sessions = deployed
    code = submit(sessions)
    reception = task(sessions, code, "reception")
    client = client_of(app, "tiepnhan")
    r = post(client, f"/can-bo/viec/{reception.id}/nhan", {}, f"/can-bo/viec/{reception.id}")
    assert r.status_code == 302
    assert task(sessions, code, "reception").assignee == "tiepnhan"
    body = page(client, f"/can-bo/viec/{reception.id}")[1]
    assert "Bạn đã nhận xử lý việc này." in body and "Trả lại để người khác nhận" in body
    post(client, f"/can-bo/viec/{reception.id}/tra-lai", {}, f"/can-bo/viec/{reception.id}")
    assert task(sessions, code, "reception").assignee is None
    types = [e.type for e in events(sessions, code)]
    assert "task_claimed" in types and "task_released" in types


def test_invalid_task_data_is_shown_again_with_errors_and_nothing_changes(app, deployed):
    sessions = deployed
    code = submit(sessions)
    reception = task(sessions, code, "reception")
    client = client_of(app, "tiepnhan")
    before = len(events(sessions, code))
    r = post(client, f"/can-bo/viec/{reception.id}/hoan-thanh",
             {"reception_decision": "supplement", "ghi_chu_tiep_nhan": "Ghi chú giữ lại",
              "giay_to_da_nhan": "to_khai"}, f"/can-bo/viec/{reception.id}")
    body = r.get_data(as_text=True)
    assert r.status_code == 400
    field = re.search(r'data-field="noi_dung_yeu_cau_bo_sung">.*?</div>', body, re.S).group(0)
    assert "has-error" in body and "Bắt buộc nhập." in field
    assert "Ghi chú giữ lại" in body
    assert re.search(r'value="to_khai" checked', body)
    assert task(sessions, code, "reception").state == "open"
    assert len(events(sessions, code)) == before + 1  # only the page view before the post


def test_second_completion_sees_who_completed_it(app, deployed):
    sessions = deployed
    code = at_approval(sessions)
    approval = task(sessions, code, "approval")
    first, second = client_of(app, "lanhdao"), client_of(app, "pholanhdao")
    path = f"/can-bo/viec/{approval.id}"
    tokens = [csrf_token(c, path) for c in (first, second)]
    data = {"leader_decision": "approve", "nguoi_ky": "Lê Quang Hải",
            "chuc_vu_nguoi_ky": "pho_chu_tich", "signing_passphrase": "motcua-demo"}
    r = first.post(f"{path}/hoan-thanh", data={**data, "csrf_token": tokens[0]})
    # no other approval waits: back to the inbox
    assert r.status_code == 302 and r.headers["Location"].endswith("/can-bo/hop-viec")
    r = second.post(f"{path}/hoan-thanh", data={**data, "csrf_token": tokens[1]})
    body = r.get_data(as_text=True)
    assert r.status_code == 409
    assert "Việc này đã được Lê Quang Hải hoàn thành lúc" in body
    assert len(events(sessions, code, "task_completed")) == 3


def test_completing_moves_the_dossier_on(app, deployed):
    sessions = deployed
    code = submit(sessions)
    reception = task(sessions, code, "reception")
    client = client_of(app, "tiepnhan")
    r = post(client, f"/can-bo/viec/{reception.id}/hoan-thanh", RECEIVE,
             f"/can-bo/viec/{reception.id}")
    assert r.status_code == 302
    body = page(client, f"/can-bo/ho-so/{code}")[1]
    assert "Đã hoàn thành bước “Tiếp nhận, kiểm tra hồ sơ”" in body
    assert "Hoàn thành bước “Tiếp nhận, kiểm tra hồ sơ”: Tiếp nhận hồ sơ" in body
    assert "Giấy tiếp nhận hồ sơ và hẹn trả kết quả" in body
    work(sessions)
    assert [t.element_id for t in open_tasks(sessions, code)] == ["review"]


def test_views_are_recorded_and_listed(app, deployed):
    sessions = deployed
    code = at_review(sessions)
    review = task(sessions, code, "review")
    page(client_of(app, "chuyenvien"), f"/can-bo/viec/{review.id}")
    page(client_of(app, "tiepnhan"), f"/can-bo/ho-so/{code}")
    viewed = events(sessions, code, "viewed")
    assert [e.actor for e in viewed] == ["chuyenvien", "tiepnhan"]
    body = page(client_of(app, "chuyenvien"), f"/can-bo/ho-so/{code}")[1]
    # folded per person in the timeline, each look behind a <details>
    timeline = re.search(r'<ol class="timeline">.*?</ol>', body, re.S).group(0)
    assert "Đã xem hồ sơ" not in timeline
    viewers = re.search(r'<ul class="viewers">.*?</ul>', body, re.S).group(0)
    with transaction(sessions) as s:
        last = s.scalars(select(Event.at).join(Dossier).where(
            Dossier.code == code, Event.actor == "chuyenvien", Event.type == "viewed")).all()
    assert len(last) == 2
    assert (f"Trần Văn Minh đã xem 2 lần, lần cuối {vn_datetime(last[-1])}</summary>"
            in viewers)
    assert "Nguyễn Thị Hoa đã xem 1 lần" in viewers
    minh = re.search(r'<li data-viewer="chuyenvien">.*?</details>', viewers, re.S).group(0)
    assert len(re.findall(r"<li><time>", minh)) == 2


def test_attachments_are_served_only_to_those_who_see_the_dossier(app, deployed):
    sessions = deployed
    code = submit(sessions)
    with transaction(sessions) as s:
        dossier = runner.get_dossier(s, code)
        from engine.dossiers.drafts import add_attachment

        attachment = add_attachment(s, uploaded_by="congdan", document_code="to_khai",
                                    filename="to khai.png", media_type="image/png", data=PNG,
                                    dossier_id=dossier.id)
        path = f"/can-bo/ho-so/{code}/tep/{attachment.id}"
    r = client_of(app, "tiepnhan").get(path)
    assert r.status_code == 200 and r.data == PNG and r.mimetype == "image/png"
    assert r.headers["Content-Disposition"].startswith("inline")
    assert client_of(app, "chuyenvien_qldt").get(path).status_code == 403
    assert client_of(app, "congdan2").get(path).status_code == 403
    other = submit(sessions)
    assert client_of(app, "tiepnhan").get(
        f"/can-bo/ho-so/{other}/tep/{attachment.id}").status_code == 404


# -- walk-in ---------------------------------------------------------------------------


def _walk_in_form(token: str) -> dict:
    a = SCENARIO.application
    form = {"csrf_token": token, "ho_ten": "Bùi Thị Thu", "ngay_sinh": "1990-02-03",
            "gioi_tinh": "nu", "so_dinh_danh": "001190000111", "noi_cu_tru": a["noi_cu_tru"],
            "tinh_trang_hon_nhan": "chua_dang_ky_ket_hon", "muc_dich_su_dung": "khac",
            "muc_dich_khac": "Bổ túc hồ sơ xin việc", "so_ban": "1",
            "so_dien_thoai": "0987000111", "cam_doan": "on", "dan_toc": "Kinh",
            "quoc_tich": "Việt Nam"}
    return form


def test_walk_in_registers_a_counter_dossier_and_prints_the_receipt(app, deployed):
    sessions = deployed
    client = client_of(app, "tiepnhan")
    status, body = page(client, "/can-bo/tiep-nhan-truc-tiep")
    assert status == 200 and "Cấp Giấy xác nhận tình trạng hôn nhân" in body
    assert "Cấp giấy phép xây dựng" in body  # reception MOTCUA receives every bundle here
    path = "/can-bo/tiep-nhan-truc-tiep/marital_status"
    form = _walk_in_form(csrf_token(client, path))
    form["doc.to_khai"] = (io.BytesIO(PNG), "to-khai.png")
    r = client.post(path, data=form, content_type="multipart/form-data")
    assert r.status_code == 302 and "/phieu/tiep-nhan" in r.headers["Location"]
    code = r.headers["Location"].split("/ho-so/")[1].split("/")[0]
    with transaction(sessions) as s:
        dossier = runner.get_dossier(s, code)
        assert dossier.channel == "counter" and dossier.applicant_name == "Bùi Thị Thu"
        assert dossier.fee_amount == 15000
        files = list(s.scalars(select(Attachment).where(Attachment.dossier_id == dossier.id)))
        assert [(f.document_code, f.filename) for f in files] == [("to_khai", "to-khai.png")]
    submitted = events(sessions, code, "submitted")[0]
    assert submitted.actor == "tiepnhan" and submitted.payload["data"]["channel"] == "counter"
    body = page(client, r.headers["Location"])[1]
    for text in ("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", code, "Bùi Thị Thu",
                 "Bản điện tử: to-khai.png", "Nguyễn Thị Hoa", "dự kiến"):
        assert text in body, text
    work(sessions)
    assert open_tasks(sessions, code) == []  # the fee first: cash at the counter
    body = page(client, f"/can-bo/ho-so/{code}")[1]
    assert "Thu tiền mặt 15.000" in body
    r = client.post(f"/can-bo/ho-so/{code}/thu-phi", data={"csrf_token": csrf_token(client, f"/can-bo/ho-so/{code}")})
    assert r.status_code == 302 and "/bien-lai/BL" in r.headers["Location"]
    receipt = page(client, r.headers["Location"])[1]
    assert "Biên lai thu phí, lệ phí" in receipt and "15.000" in receipt
    work(sessions)
    assert [t.element_id for t in open_tasks(sessions, code)] == ["reception"]


def test_walk_in_with_errors_shows_them_and_creates_nothing(app, deployed):
    sessions = deployed
    client = client_of(app, "tiepnhan")
    path = "/can-bo/tiep-nhan-truc-tiep/marital_status"
    form = _walk_in_form(csrf_token(client, path))
    form.update(so_dinh_danh="123", ho_ten="")
    form["doc.to_khai"] = (io.BytesIO(b"not a picture"), "to-khai.png")
    r = client.post(path, data=form, content_type="multipart/form-data")
    body = r.get_data(as_text=True)
    assert r.status_code == 400
    assert "Không đúng định dạng, xem hướng dẫn của ô nhập." in body and "Bắt buộc nhập." in body
    assert "không phải PDF, JPEG hoặc PNG" in body and "001190000111" not in body
    assert "Bổ túc hồ sơ xin việc" in body
    with transaction(sessions) as s:
        assert s.scalar(select(Dossier.id)) is None


def test_walk_in_is_for_reception_only(app, deployed):
    assert client_of(app, "chuyenvien").get("/can-bo/tiep-nhan-truc-tiep").status_code == 403
    assert client_of(app, "congdan").get(
        "/can-bo/tiep-nhan-truc-tiep/marital_status").status_code == 403


# -- slips -----------------------------------------------------------------------------

HEADING = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
           "ỦY BAN NHÂN DÂN PHƯỜNG HOÀN KIẾM")


def test_receipt_slip_after_reception(app, deployed):
    sessions = deployed
    code = at_review(sessions)
    with transaction(sessions) as s:
        dossier = runner.get_dossier(s, code)
        appointment = dossier.appointment_date.strftime("%d/%m/%Y")
    status, body = page(client_of(app, "tiepnhan"), f"/can-bo/ho-so/{code}/phieu/tiep-nhan")
    assert status == 200
    for text in (*HEADING, "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", code, "Nguyễn Văn An",
                 "Cấp Giấy xác nhận tình trạng hôn nhân", "Hộ chiếu, thẻ căn cước",
                 "3 ngày làm việc", f"ngày {appointment}", "Nguyễn Thị Hoa", "Hoàn Kiếm, ngày"):
        assert text in body, text
    assert "dự kiến" not in body


def test_supplement_and_refusal_slips(app, deployed):
    sessions = deployed
    code = drive(sessions, SCENARIO, "supplement", steps=2)
    client = client_of(app, "chuyenvien")
    status, body = page(client, f"/can-bo/ho-so/{code}/phieu/bo-sung")
    assert status == 200
    for text in (*HEADING, "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ", code,
                 "Đề nghị bổ sung xác nhận tình trạng hôn nhân tại nơi cư trú trước đây",
                 "Trần Văn Minh"):
        assert text in body, text
    assert client.get(f"/can-bo/ho-so/{code}/phieu/tu-choi").status_code == 404

    refused = drive(sessions, SCENARIO, "refuse")
    status, body = page(client_of(app, "tiepnhan"), f"/can-bo/ho-so/{refused}/phieu/tu-choi")
    assert status == 200
    for text in (*HEADING, "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
                 "người yêu cầu không cư trú tại phường", "Lý do từ chối tiếp nhận"):
        assert text in body, text
    assert client.get(f"/can-bo/ho-so/{code}/phieu/khac").status_code == 404


def test_control_sheet_lists_each_handoff_and_marks_a_late_step(app, deployed):
    sessions = deployed
    code = submit(sessions)
    reception = task(sessions, code, "reception")
    late = reception.created_at + timedelta(days=10)
    complete(sessions, code, "reception", RECEIVE, actor="tiepnhan", when=late)
    work(sessions, late)
    complete(sessions, code, "review", SCENARIO.paths["approve"][1].data, actor="chuyenvien",
             when=late + timedelta(hours=1))
    work(sessions, late + timedelta(hours=1))  # the draft is made, the leader's task opens
    status, body = page(client_of(app, "lanhdao"), f"/can-bo/ho-so/{code}/phieu/kiem-soat")
    assert status == 200
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in body
    rows = re.findall(r"<tr>\s*<td>(\d+)</td>(.*?)</tr>", body, re.S)
    assert len(rows) == 2
    assert "Tiếp nhận, kiểm tra hồ sơ" in rows[0][1] and "Nguyễn Thị Hoa" in rows[0][1]
    assert "Thẩm định, xác minh" in rows[0][1]  # handed to the review
    assert '<td class="timeliness">Quá hạn</td>' in rows[0][1]
    assert "Trần Văn Minh" in rows[1][1] and "Phê duyệt, ký Giấy xác nhận" in rows[1][1]
    assert '<td class="timeliness">Trước hạn</td>' in rows[1][1]


# -- delegation -----------------------------------------------------------------------


def test_deputy_acts_for_the_leader_while_delegated(app, deployed):
    sessions = deployed
    code, later = at_approval(sessions), at_approval(sessions)
    leader, deputy = client_of(app, "lanhdao"), client_of(app, "pholanhdao")
    for c in (code, later):
        approval = task(sessions, c, "approval")
        post(leader, f"/can-bo/viec/{approval.id}/nhan", {}, "/can-bo/hop-viec")
    assert code not in page(deputy, "/can-bo/hop-viec")[1]  # claimed by a colleague

    # the day in Hà Nội (after 17:00 UTC it is already tomorrow), typed day first
    today = access.today().strftime("%d/%m/%Y")
    r = post(leader, "/can-bo/uy-quyen", {"deputy": "pholanhdao", "start": today, "end": today,
                                          "reason": "Đi công tác"})
    assert r.status_code == 302
    body = page(deputy, "/can-bo/hop-viec")[1]
    assert code in body and "thay mặt Lê Quang Hải" in body
    assert "Hôm nay bạn xử lý thay: Lê Quang Hải" in body

    approval = task(sessions, code, "approval")
    r = post(deputy, f"/can-bo/viec/{approval.id}/hoan-thanh",
             {"leader_decision": "approve", "nguoi_ky": "Đặng Thu Hà",
              "chuc_vu_nguoi_ky": "pho_chu_tich", "signing_passphrase": "motcua-demo"},
             f"/can-bo/viec/{approval.id}")
    assert r.status_code == 302
    done = events(sessions, code, "task_completed")[-1]
    assert done.actor == "pholanhdao" and done.payload["on_behalf_of"] == "lanhdao"
    with transaction(sessions) as s:
        assert s.get(HumanTask, approval.id).on_behalf_of == "lanhdao"
    work(sessions)
    with transaction(sessions) as s:
        signed = s.scalar(select(Job.result).where(Job.operator == "result.sign",
                                                   Job.dossier_id == approval.dossier_id))
    # the deputy signs with the deputy's own key, "thay mặt" the leader
    assert signed["signer"] == "pholanhdao" and signed["signer_name"] == "Đặng Thu Hà"
    assert signed["on_behalf_of"] == "lanhdao"
    body = page(deputy, f"/can-bo/ho-so/{code}")[1]
    assert re.search(r"<b>Đặng Thu Hà</b> <span class=\"badge behalf\">thay mặt Lê Quang Hải</span>",
                     body)

    body = page(leader, "/can-bo/uy-quyen")[1]
    assert "Đặng Thu Hà" in body and "Đang hiệu lực" in body
    delegation = re.search(r'data-delegation="(\d+)"', body).group(1)
    post(leader, f"/can-bo/uy-quyen/{delegation}/thu-hoi", {}, "/can-bo/uy-quyen")
    assert "Đã thu hồi" in page(leader, "/can-bo/uy-quyen")[1]
    assert later not in page(deputy, "/can-bo/hop-viec")[1]
    later_task = task(sessions, later, "approval")
    r = post(deputy, f"/can-bo/viec/{later_task.id}/hoan-thanh", {"leader_decision": "approve"},
             "/can-bo/hop-viec")
    assert r.status_code == 409 and "đang do Lê Quang Hải xử lý" in r.get_data(as_text=True)


def test_delegation_form_checks_its_fields(app, deployed):
    leader = client_of(app, "lanhdao")
    r = post(leader, "/can-bo/uy-quyen", {"deputy": "chuyenvien", "start": "2026-05-02",
                                          "end": "2026-05-01"})
    body = r.get_data(as_text=True)
    assert r.status_code == 400
    assert "Chọn một lãnh đạo khác" in body and "Ngày kết thúc phải từ ngày bắt đầu" in body
    assert client_of(app, "chuyenvien").get("/can-bo/uy-quyen").status_code == 403


# -- language --------------------------------------------------------------------------

WEB = PROCESSES.parent / "web"


def _catalogue(name: str) -> dict[str, str]:
    from babel.messages.pofile import read_po

    with (WEB / "translations" / "en" / "LC_MESSAGES" / name).open("rb") as fh:
        return {m.id: m.string for m in read_po(fh) if m.id and m.string}


def test_every_officer_string_has_an_english_translation_agreeing_with_the_others():
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir

    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    found = set()
    for folder, method in (("officer", "python"), ("templates/officer", "jinja2")):
        pattern = "**.py" if method == "python" else "**.html"
        for _, _, message, _, _ in extract_from_dir(str(WEB / folder), [(pattern, method)],
                                                    keywords=keywords):
            found.add(message if isinstance(message, str) else message[0])
    ours = _catalogue("officer.po")
    assert sorted(found - set(ours)) == []
    for other in sorted((WEB / "translations" / "en" / "LC_MESSAGES").glob("*.po")):
        if other.name != "officer.po":  # one merged catalogue: a msgid has one translation
            theirs = _catalogue(other.name)
            assert {k: (v, theirs[k]) for k, v in ours.items() if k in theirs and theirs[k] != v} \
                == {}, other.name


def test_pages_in_english(app, deployed):
    code = submit(deployed)
    client = client_of(app, "tiepnhan")
    client.get("/lang/en")
    body = page(client, "/can-bo/hop-viec")[1]
    assert "Unclaimed" in body and "Due within one working day" in body
    reception = task(deployed, code, "reception")
    body = page(client, f"/can-bo/viec/{reception.id}")[1]
    assert ">Receive</button>" in body and "Who has viewed it" in body
    body = page(client, f"/can-bo/ho-so/{code}/phieu/kiem-soat")[1]
    assert "SOCIALIST REPUBLIC OF VIETNAM" in body and "Process control sheet".upper() in body


def test_inbox_query_merges_several_queues_in_order_and_caps_counts(deployed, monkeypatch):
    from datetime import date

    from engine.dossiers import inbox as queries

    sessions = deployed
    code = submit(sessions)
    base = date(2026, 3, 2)
    with transaction(sessions) as s:
        dossier = runner.get_dossier(s, code)
        for i, (role, dept, days, who) in enumerate([
                ("specialist", "TUPHAP", 5, None), ("specialist", "QLDT", 1, None),
                ("specialist", "TUPHAP", 3, "chuyenvien"), ("specialist", "QLDT", 4, "khac"),
                ("specialist", "TNMT", 2, None), ("specialist", "QLDT", 0, None)]):
            s.add(HumanTask(dossier_id=dossier.id, workflow_task_id=f"bench-{i}", element_id="x",
                            name=f"t{i}", role=role, department=dept, state="open",
                            created_at=utcnow(), due_date=base + timedelta(days=days),
                            assignee=who))
    scope = queries.Scope(frozenset({("specialist", "TUPHAP"), ("specialist", "QLDT")}),
                          frozenset({"chuyenvien"}))
    monkeypatch.setattr(queries, "PAGE_SIZE", 2)
    with transaction(sessions) as s:
        names = []
        for number in (1, 2):
            result = queries.inbox(s, scope, queries.Filters(page=number), base, base)
            names += [r.name for r in result.rows]
        assert names == ["t5", "t1", "t2", "t0"]  # by due date over both queues; t3 is not mine
        assert result.counts == {"unclaimed": 3, "mine": 1, "all": 4} and result.pages == 2
        desc = queries.inbox(s, scope, queries.Filters(descending=True), base, base)
        assert [r.name for r in desc.rows] == ["t0", "t2"] and desc.has_next
        monkeypatch.setattr(queries, "COUNT_CAP", 2)
        capped = queries.inbox(s, scope, queries.Filters(), base, base)
        assert capped.pages is None and capped.badge(capped.counts["all"]) == "2+"
        assert capped.has_next


def test_walk_in_dossier_belongs_to_no_account(app, deployed):
    client = client_of(app, "tiepnhan")
    path = "/can-bo/tiep-nhan-truc-tiep/marital_status"
    r = client.post(path, data=_walk_in_form(csrf_token(client, path)))
    code = r.headers["Location"].split("/ho-so/")[1].split("/")[0]
    with transaction(deployed) as s:
        assert runner.get_dossier(s, code).applicant_user is None
