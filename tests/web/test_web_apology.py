"""Officer pages for overdue dossiers: the flag in the inbox and on the dossier
page, the refusal to complete a task before the apology slip, the slip form
and the printable slip; the board still counts the dossier late."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from engine.db import transaction
from engine.deadlines.calendar_store import load_calendar
from engine.dossiers import runner
from engine.dossiers.apology import earliest_new_appointment
from engine.models import ApologySlip, Job, utcnow
from engine.procedures import procedures
from engine.scenario.scenario import all_scenarios

from ..conftest import PROCESSES, csrf_token, login
from ..helpers import complete, received_long_ago, task, work

SCENARIO = all_scenarios()["marital_status"]
RECEIVE = {"reception_decision": "receive", "giay_to_da_nhan": ["to_khai", "giay_to_nhan_than"]}


@pytest.fixture
def overdue(sessions, people):
    return received_long_ago(sessions)


def _post(client, path, data, token_from):
    return client.post(path, data={"csrf_token": csrf_token(client, token_from), **data})


def test_overdue_dossier_is_flagged_and_its_task_refused_until_the_slip(app, sessions, overdue):
    code = overdue
    review = task(sessions, code, "review")
    specialist = login(app.test_client(), "chuyenvien")
    inbox = specialist.get("/can-bo/hop-viec").get_data(as_text=True)
    row = re.search(rf"<tr[^>]*data-task=\"{review.id}\".*?</tr>", inbox, re.S).group(0)
    assert "Hồ sơ quá hạn" in row
    page = specialist.get(f"/can-bo/ho-so/{code}").get_data(as_text=True)
    assert "data-overdue" in page and f"/can-bo/ho-so/{code}/xin-loi" in page

    data = dict(SCENARIO.paths["approve"][1].data)
    r = _post(specialist, f"/can-bo/viec/{review.id}/hoan-thanh", data, f"/can-bo/viec/{review.id}")
    body = r.get_data(as_text=True)
    assert r.status_code == 409
    assert f"Hồ sơ {code} đã quá hạn: cần <a href=\"/can-bo/ho-so/{code}/xin-loi\">lập phiếu xin " \
           "lỗi và hẹn lại ngày trả kết quả</a> trước khi hoàn thành bước này." in body
    assert task(sessions, code, "review").state == "open"

    desk = login(app.test_client(), "tiepnhan")
    form = f"/can-bo/ho-so/{code}/xin-loi"
    with transaction(sessions) as s:
        earliest = earliest_new_appointment(s, runner.get_dossier(s, code), utcnow())
        calendar = load_calendar(s)
    weekend = earliest
    while calendar.is_working_day(weekend):
        weekend += timedelta(days=1)
    r = _post(desk, form, {"reason": "Chờ xác minh", "new_appointment": weekend.isoformat()}, form)
    assert r.status_code == 400
    assert "Ngày hẹn mới phải là ngày làm việc" in r.get_data(as_text=True)
    r = _post(desk, form, {"reason": "", "new_appointment": earliest.isoformat()}, form)
    assert r.status_code == 400 and "Ghi rõ lý do chậm trả kết quả" in r.get_data(as_text=True)
    r = _post(desk, form, {"reason": "Chờ xác minh", "new_appointment": "không phải ngày"}, form)
    assert r.status_code == 400 and "Chọn ngày hẹn trả kết quả mới" in r.get_data(as_text=True)
    with transaction(sessions) as s:
        assert s.query(ApologySlip).count() == 0

    reason = "Cần xác minh thêm thông tin cư trú tại địa phương khác"
    r = _post(desk, form, {"reason": reason, "new_appointment": earliest.isoformat()}, form)
    assert r.status_code == 302
    assert r.headers["Location"].endswith(f"/can-bo/ho-so/{code}/phieu/xin-loi/1")
    slip = desk.get(f"/can-bo/ho-so/{code}/phieu/xin-loi/1").get_data(as_text=True)
    with transaction(sessions) as s:
        d = runner.get_dossier(s, code)
        [row_slip] = s.query(ApologySlip).all()
        late_job = s.get(Job, row_slip.job_id)
    for text in ("PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ", code, d.applicant_name, reason,
                 row_slip.previous_appointment.strftime("%d/%m/%Y"),
                 earliest.strftime("%d/%m/%Y"), "xin lỗi Ông/Bà", "Người lập phiếu: Nguyễn Thị Hoa",
                 d.received_at.astimezone(calendar.tz).strftime("%d/%m/%Y")):
        assert text in slip, text
    assert d.appointment_date == earliest
    assert late_job.payload["params"]["template"] == "late"

    page = specialist.get(f"/can-bo/ho-so/{code}").get_data(as_text=True)
    assert "data-overdue" not in page and "/phieu/xin-loi/1" in page
    r = _post(specialist, f"/can-bo/viec/{review.id}/hoan-thanh", data, f"/can-bo/viec/{review.id}")
    assert r.status_code == 302

    board = login(app.test_client(), "admin").get("/board").get_data(as_text=True)
    row = re.search(r'<tr data-procedure="marital_status">(.*?)</tr>', board, re.S).group(1)
    cells = re.findall(r"<td data-label=[^>]*>(.*?)</td>", row, re.S)
    assert cells[4:] == ["0", "1"]  # no longer overdue now, one apology slip


def test_mark_late_then_slip(app, sessions, people):
    with transaction(sessions) as s:
        procedures.deploy_path(s, PROCESSES, "test")
        code = runner.submit(s, "marital_status", SCENARIO.application, actor="congdan",
                             applicant_user="congdan").code
    work(sessions)
    complete(sessions, code, "reception", RECEIVE, actor="tiepnhan")
    work(sessions)
    specialist = login(app.test_client(), "chuyenvien")
    page = f"/can-bo/ho-so/{code}"
    assert "data-overdue" not in specialist.get(page).get_data(as_text=True)
    r = _post(specialist, f"/can-bo/ho-so/{code}/se-tre-han", {"reason": "abc"}, page)
    assert r.status_code == 302
    assert "data-overdue" not in specialist.get(page).get_data(as_text=True)
    r = _post(specialist, f"/can-bo/ho-so/{code}/se-tre-han",
              {"reason": "Cơ quan phối hợp chưa trả lời"}, page)
    body = specialist.get(page).get_data(as_text=True)
    assert "data-overdue" in body and "Cơ quan phối hợp chưa trả lời" in body
    assert login(app.test_client(), "congdan").get(f"/can-bo/ho-so/{code}/xin-loi").status_code == 403


def test_the_new_appointment_is_typed_and_shown_day_first(app, sessions, overdue):
    """Vietnamese dates are dd/mm/yyyy on the apology form, whatever the browser's language."""
    code = overdue
    desk = login(app.test_client(), "tiepnhan")
    form = f"/can-bo/ho-so/{code}/xin-loi"
    page = desk.get(form).get_data(as_text=True)
    assert 'placeholder="dd/mm/yyyy"' in page and 'type="date"' not in page
    with transaction(sessions) as s:
        earliest = earliest_new_appointment(s, runner.get_dossier(s, code), utcnow())
    assert earliest.strftime("%d/%m/%Y") in page
    r = _post(desk, form, {"reason": "Chờ xác minh",
                           "new_appointment": earliest.strftime("%d/%m/%Y")}, form)
    assert r.status_code == 302
