"""Public dossier tracking: code plus the applicant's phone or ID number, the
same answer for a wrong pair and an unknown code, rate-limited."""

from __future__ import annotations

import re

import pytest

from engine.db import transaction
from engine.procedures import procedures
from engine.scenario.scenario import SCENARIOS, Scenario, drive

from ..conftest import PROCESSES

SCENARIO = Scenario.load(SCENARIOS / "marital_status.json")
NOT_FOUND = "Không tìm thấy hồ sơ với mã và số điện thoại hoặc số định danh đã nhập."


@pytest.fixture
def code(sessions):
    with transaction(sessions) as s:
        procedures.deploy_path(s, PROCESSES, "test")
    return drive(sessions, SCENARIO, "approve", steps=1)  # received, in progress


def result_section(page: str) -> str:
    match = re.search(r'<section class="card lookup-result">(.*?)</section>', page, re.S)
    assert match, "no result on the page"
    return match.group(1)


def test_form_is_prefilled_with_the_code(app):
    page = app.test_client().get("/tra-cuu?ma=UBND-PHK-250101-0001").get_data(as_text=True)
    assert 'name="ma" value="UBND-PHK-250101-0001"' in page and 'method="get"' in page
    assert "lookup-result" not in page


@pytest.mark.parametrize("proof", ["0912345678", "+84 912 345 678", "001094012345"])
def test_right_phone_or_id_number_shows_the_status(app, code, proof):
    r = app.test_client().get("/tra-cuu", query_string={"ma": code, "so": proof})
    page = r.get_data(as_text=True)
    assert r.status_code == 200
    result = result_section(page)
    assert code in result and "Cấp Giấy xác nhận tình trạng hôn nhân" in result
    assert "Đang xử lý" in result and "4. Đang xử lý" in result
    assert re.search(r"\d\d/\d\d/\d{4}", result)  # received and appointment dates
    # nothing about the applicant
    for private in ("Nguyễn Văn An", "0912345678", "001094012345", "Hàng Bạc", "Trần Thị Mai"):
        assert private not in page


def test_wrong_phone_and_unknown_code_give_the_same_answer(app, code):
    client = app.test_client()
    wrong = client.get("/tra-cuu", query_string={"ma": code, "so": "0999999999"})
    unknown = client.get("/tra-cuu", query_string={"ma": "UBND-PHK-000000-9999", "so": "0999999999"})
    assert wrong.status_code == unknown.status_code == 200
    wrong_page, unknown_page = wrong.get_data(as_text=True), unknown.get_data(as_text=True)
    assert NOT_FOUND in wrong_page
    assert result_section(wrong_page) == result_section(unknown_page)
    assert wrong_page.replace(code, "X") == unknown_page.replace("UBND-PHK-000000-9999", "X")
    for private in ("Nguyễn Văn An", "Đang xử lý", "Cấp Giấy xác nhận"):
        assert private not in wrong_page
    # a dossier is not found by an empty or partial proof either
    partial = client.get("/tra-cuu", query_string={"ma": code, "so": "0912"}).get_data(as_text=True)
    assert NOT_FOUND in partial


def test_lookups_are_rate_limited(sessions, code):
    from web.app import create_app
    from web.extensions import limiter

    app = create_app(sessions, TESTING=True, SESSION_COOKIE_SECURE=False, SECRET_KEY="t",
                     RATELIMIT_ENABLED=True)
    limiter.reset()
    client = app.test_client()
    for _ in range(3):  # opening the empty form is not a look-up
        assert client.get("/tra-cuu").status_code == 200
    for i in range(10):
        r = client.get("/tra-cuu", query_string={"ma": code, "so": f"09000000{i:02d}"})
        assert r.status_code == 200
    r = client.get("/tra-cuu", query_string={"ma": code, "so": "0912345678"})
    assert r.status_code == 429 and "Quá nhiều yêu cầu" in r.get_data(as_text=True)
    limiter.reset()
