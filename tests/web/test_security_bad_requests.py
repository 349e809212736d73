"""Requests a browser or client should not send still get a clear 4xx, never a 500:
ids beyond the database's integer range, absurd page numbers, line breaks in ?next=,
a damaged ZIP; and the mounted PKI answers with the app's security headers."""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import func, select

from engine.accounts.accounts import create_api_token, find_user
from engine.db import transaction
from engine.models import ProcedureVersion
from engine.procedures import procedures
from engine.procedures.bundle import load_bundle

from ..conftest import PROCESSES, csrf_token, login

HUGE = "99999999999999999999"


@pytest.fixture
def deployed(sessions, people):
    with transaction(sessions) as s:
        procedures.deploy_path(s, PROCESSES, "test")
    return sessions


def _token(sessions, username: str) -> str:
    with transaction(sessions) as s:
        return create_api_token(s, find_user(s, username), "kiểm thử")[1]


def test_ids_beyond_the_integer_range_are_not_found(app, deployed):
    bearer = {"Authorization": f"Bearer {_token(deployed, 'chuyenvien')}"}
    api = app.test_client()
    for path in (f"/api/v1/tasks/{HUGE}/complete", f"/api/v1/tasks/{HUGE}/claim"):
        response = api.post(path, json={}, headers=bearer)
        assert response.status_code == 404, path
        assert response.is_json and response.json["status"] == 404
    # a route that has one method for a small id has none for a huge one: 404, not 405
    applicant = {"Authorization": f"Bearer {_token(deployed, 'congdan')}"}
    for method in ("GET", "PUT"):
        response = api.open(f"/api/v1/drafts/{2**35}", method=method, json={}, headers=applicant)
        assert response.status_code == 404, method
    citizen = login(app.test_client(), "congdan")
    assert citizen.get(f"/tep/{HUGE}").status_code == 404
    officer = login(app.test_client(), "chuyenvien")
    for path in (f"/can-bo/viec/{HUGE}", f"/can-bo/ho-so/X/tep/{HUGE}"):
        response = officer.get(path)
        assert response.status_code == 404, path
        assert "Không tìm thấy trang" in response.get_data(as_text=True)
    admin = login(app.test_client(), "admin")
    assert admin.get(f"/quan-tri/nguoi-dung/{HUGE}").status_code == 404
    # the largest id the database holds is still an id: simply none such
    assert admin.get(f"/quan-tri/nguoi-dung/{2**31 - 1}").status_code == 404
    assert admin.get(f"/quan-tri/nguoi-dung/{2**31}").status_code == 404


@pytest.mark.parametrize(("who", "path"), [
    ("admin", f"/quan-tri/nguoi-dung?trang={HUGE}"),
    ("admin", f"/quan-tri/nhat-ky-tai-khoan?page={HUGE}"),
    ("tiepnhan", f"/can-bo/hop-viec?page={HUGE}"),
    ("tiepnhan", f"/can-bo/so-van-ban?page={HUGE}&nam={HUGE}"),
    ("admin", "/quan-tri/nguoi-dung?trang=-1"),
])
def test_absurd_page_numbers_are_refused_clearly(app, deployed, who, path):
    response = login(app.test_client(), who).get(path)
    assert response.status_code == 400, path
    assert "Số trang không hợp lệ" in response.get_data(as_text=True)


def test_api_page_numbers_beyond_range_are_refused(app, deployed):
    bearer = {"Authorization": f"Bearer {_token(deployed, 'chuyenvien')}"}
    response = app.test_client().get(f"/api/v1/tasks?page={HUGE}", headers=bearer)
    assert response.status_code == 400 and "page" in response.json["fields"]


@pytest.mark.parametrize("next_", ["/ho-so%0aSet-Cookie:x=1", "/ho-so%0d%0aX:1", "%0a"])
def test_line_breaks_in_next_do_not_break_the_redirect(app, people, next_):
    import re

    from ..conftest import DEMO_PASSWORD

    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(f"/login?next={next_}", data={
        "username": "congdan", "password": DEMO_PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "\n" not in location and "\r" not in location
    assert "Set-Cookie" not in response.headers or "x=1" not in response.headers["Set-Cookie"]


def test_a_zip_with_a_bad_checksum_is_refused_and_nothing_is_stored(app, deployed):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for path, text in load_bundle(PROCESSES / "marital_status").files.items():
            archive.writestr(f"marital_status/{path}", text.replace("1", "2", 1)
                             if path == "procedure.toml" else text)
    data = bytearray(buffer.getvalue())
    # flip a byte inside the stored procedure.toml: its CRC no longer matches
    at = data.index(b'code = "marital_status"')
    data[at + 8] ^= 0x01
    with transaction(deployed) as s:
        before = s.scalar(select(func.count()).select_from(ProcedureVersion))
    analyst = login(app.test_client(), "admin")
    response = analyst.post("/quy-trinh/trien-khai", data={
        "csrf_token": csrf_token(analyst, "/quy-trinh"), "note": "",
        "bundle": (io.BytesIO(bytes(data)), "quy-trinh.zip")}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "procedure.toml: cannot be read from the archive" in response.get_data(as_text=True)
    with transaction(deployed) as s:
        assert s.scalar(select(func.count()).select_from(ProcedureVersion)) == before


def test_the_pki_answers_with_the_security_headers(app):
    response = app.test_client().get("/pki/no-such-thing")
    assert response.status_code == 404
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
