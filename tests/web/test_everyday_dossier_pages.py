"""What applicants and officers read about a dossier: the receipt slip's documents and
chosen delivery, codes typed in any case, no appointment once refused, skipped notices."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from sqlalchemy import select

from engine.audit.event_types import EventType
from engine.db import transaction
from engine.dossiers import runner
from engine.dossiers.drafts import add_attachment
from engine.models import Event, User
from engine.procedures import procedures
from engine.scenario.scenario import SCENARIOS, Scenario, drive

from ..conftest import PROCESSES, login
from ..helpers import complete, work

SCENARIO = Scenario.load(SCENARIOS / "marital_status.json")
RECEIVE = {"reception_decision": "receive", "giay_to_da_nhan": ["to_khai", "giay_to_nhan_than"]}


@pytest.fixture
def deployed(sessions, people):
    with transaction(sessions) as s:
        procedures.deploy_path(s, PROCESSES, "test")
    return sessions


def _rows(page: str) -> list[tuple[str, str]]:
    table = re.search(r'<table class="slip-table">(.*?)</table>', page, re.S).group(1)
    return [(name.strip(), how.strip()) for name, how in
            re.findall(r"<tr><td>\d+</td><td>(.*?)</td><td>(.*?)</td></tr>", table, re.S)]


def _received_with_upload(sessions, application: dict) -> str:
    code = drive(sessions, replace(SCENARIO, application=application), "approve", steps=0)
    with transaction(sessions) as s:
        dossier = runner.get_dossier(s, code)
        add_attachment(s, uploaded_by="congdan", document_code="to_khai", filename="to-khai.pdf",
                       media_type="application/pdf", data=b"%PDF-1.4 to khai", dossier_id=dossier.id)
    work(sessions)
    complete(sessions, code, "reception", RECEIVE, actor="tiepnhan")
    work(sessions)
    return code


def test_receipt_lists_each_document_once_as_received_and_the_chosen_delivery(app, deployed):
    code = _received_with_upload(deployed, {**SCENARIO.application, "hinh_thuc_nhan_ket_qua": "email"})
    client = login(app.test_client(), "tiepnhan")
    page = client.get(f"/can-bo/ho-so/{code}/phieu/tiep-nhan").get_data(as_text=True)
    rows = _rows(page)
    names = [name for name, _ in rows]
    assert len(names) == len(set(names)) == 2, rows
    how = dict(rows)
    declaration = next(v for k, v in how.items() if k.startswith("Tờ khai"))
    assert "to-khai.pdf" in declaration and "Bản giấy" not in declaration
    identity = next(v for k, v in how.items() if not k.startswith("Tờ khai"))
    assert identity == "Bản giấy, đã đối chiếu"
    assert "Qua thư điện tử, gửi tới nguyenvanan@example.vn" in page
    assert "Cổng Dịch vụ công" not in page.split("Đăng ký nhận kết quả tại", 1)[1]


def test_receipt_says_post_and_its_address(app, deployed):
    address = "Số 5 ngõ Trạm, phường Hoàn Kiếm, Hà Nội"
    code = _received_with_upload(deployed, {**SCENARIO.application, "hinh_thuc_nhan_ket_qua": "post",
                                            "dia_chi_nhan_ket_qua": address})
    page = login(app.test_client(), "tiepnhan").get(
        f"/can-bo/ho-so/{code}/phieu/tiep-nhan").get_data(as_text=True)
    assert f"Qua dịch vụ bưu chính, gửi tới {address}" in page


@pytest.mark.parametrize("typed", ["lower", " padded "])
def test_lookup_and_verification_take_codes_in_any_case_with_spaces(app, deployed, typed):
    code = drive(deployed, SCENARIO, "approve", steps=1)
    given = code.lower() if typed == "lower" else f"  {code}  "
    page = app.test_client().get("/tra-cuu", query_string={"ma": given, "so": "0912345678"}
                                 ).get_data(as_text=True)
    assert "Không tìm thấy hồ sơ" not in page and f"<code>{code}</code>" in page
    verify = app.test_client().get("/xac-minh", query_string={"ma": given}).get_data(as_text=True)
    assert f'value="{code}"' in verify


@pytest.mark.parametrize("path", ["refuse", "reject"])
def test_refused_or_rejected_dossier_promises_no_appointment(app, deployed, path):
    code = drive(deployed, SCENARIO, path)
    public = app.test_client().get("/tra-cuu", query_string={"ma": code, "so": "0912345678"}
                                   ).get_data(as_text=True)
    citizen = login(app.test_client(), "congdan")
    pages = [public, citizen.get(f"/ho-so/{code}").get_data(as_text=True),
             citizen.get(f"/ho-so/{code}/bien-nhan").get_data(as_text=True)]
    for page in pages:
        assert "Sẽ có khi cán bộ tiếp nhận hồ sơ" not in page
        assert "Không có — hồ sơ đã bị từ chối" in page
        promised = re.search(r"Ngày hẹn trả kết quả</dt>\s*<dd>(.*?)</dd>", page, re.S).group(1)
        assert not re.search(r"\d\d/\d\d/\d{4}", promised), promised


def test_a_skipped_notice_reads_as_skipped(app, deployed):
    code = drive(deployed, replace(SCENARIO, applicant="congdan2"), "approve", steps=0)
    with transaction(deployed) as s:
        dossier = runner.get_dossier(s, code)
        dossier.application = {k: v for k, v in dossier.application.items()
                               if k not in ("email", "so_dien_thoai")}
        user = s.scalar(select(User).where(User.username == "congdan2"))
        user.email = user.phone = None
    work(deployed)
    complete(deployed, code, "reception", {"reception_decision": "refuse", "ly_do_tu_choi_tiep_nhan":
                                           "Không thuộc thẩm quyền của phường."}, actor="tiepnhan")
    work(deployed)
    with transaction(deployed) as s:
        dossier = runner.get_dossier(s, code)
        skipped = [e for e in s.scalars(select(Event).where(Event.dossier_id == dossier.id))
                   if e.type in (EventType.NOTICE_SENT, EventType.SERVICE_COMPLETED)
                   and (e.payload.get("result") or e.payload.get("data") or {}).get("sent") is False]
    assert skipped, "no notice was skipped"
    page = login(app.test_client(), "tiepnhan").get(f"/can-bo/ho-so/{code}").get_data(as_text=True)
    assert not re.search(r"Đã gửi thông báo cho người nộp:\s*<", page)
    assert "Không gửi được thông báo: người nộp không có địa chỉ thư điện tử hay số điện thoại" in page
    mine = login(app.test_client(), "congdan2").get(f"/ho-so/{code}").get_data(as_text=True)
    assert "Đã gửi thông báo cho bạn" not in mine
