"""E-mail addresses and phone numbers are checked where they are entered (registration,
the account page, the administrators' form, the application on the web, at the counter
and through the engine's submission that the API uses): a line break or a second
address never gets in, and the person is told what is wrong in words."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine.contacts import valid_email, valid_phone
from engine.db import transaction
from engine.dossiers import runner
from engine.errors import InvalidInput
from engine.models import Dossier, User
from engine.procedures import procedures
from engine.scenario.scenario import all_scenarios

from ..conftest import DEMO_PASSWORD, PROCESSES, csrf_token, login

MARITAL = all_scenarios()["marital_status"]
BAD_EMAILS = ["an@example.vn\r\nBcc: x@evil.example", "an@example.vn\n", "an@ex ample.vn",
              "an@@example.vn", "an@example", "<an@example.vn>", "a\x00n@example.vn"]
BAD_PHONES = ["0912345678\r\n", "091234", "09123456789999", "+1 555 0100", "0912-345-678"]


def test_the_rules():
    assert all(valid_email(e) for e in ("an@example.vn", "nguyen.van.an+hs@ubnd.ha-noi.gov.vn"))
    assert not any(valid_email(e) for e in BAD_EMAILS)
    assert all(valid_phone(p) for p in ("0912345678", "+84912345678", "02438251234"))
    assert not any(valid_phone(p) for p in BAD_PHONES)


def _users(sessions) -> int:
    with transaction(sessions) as s:
        return s.scalar(select(func.count()).select_from(User))


@pytest.mark.parametrize(("email", "phone", "field"), [
    ("an@example.vn\r\nBcc: x@evil.example", "0912345678", "email"),
    ("an@example.vn", "0912\r\n345678", "phone"),
])
def test_registration_refuses_a_broken_contact(app, sessions, email, phone, field):
    client = app.test_client()
    before = _users(sessions)
    response = client.post("/register", data={
        "csrf_token": csrf_token(client, "/register"), "username": "moi", "full_name": "Người Mới",
        "id_number": "001094012345", "phone": phone, "email": email,
        "password": DEMO_PASSWORD, "password2": DEMO_PASSWORD})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert {"email": "Địa chỉ thư điện tử không hợp lệ",
            "phone": "Số điện thoại không hợp lệ"}[field] in text
    assert _users(sessions) == before


def test_the_account_page_refuses_a_broken_email_and_keeps_the_old_one(app, people, sessions):
    citizen = login(app.test_client(), "congdan")
    response = citizen.post("/tai-khoan/lien-he", data={
        "csrf_token": csrf_token(citizen, "/tai-khoan"),
        "email": "an@example.vn\r\nBcc: x@evil.example", "phone": "0912345678"})
    assert response.status_code == 400
    assert "Địa chỉ thư điện tử không hợp lệ" in response.get_data(as_text=True)
    response = citizen.post("/tai-khoan/lien-he", data={
        "csrf_token": csrf_token(citizen, "/tai-khoan"),
        "email": "an.moi@example.vn", "phone": "+84912345678"})
    assert response.status_code == 302
    with transaction(sessions) as s:
        user = s.scalar(select(User).where(User.username == "congdan"))
        assert (user.email, user.phone) == ("an.moi@example.vn", "+84912345678")


def test_the_admin_form_refuses_a_line_break(app, people, sessions):
    admin = login(app.test_client(), "admin")
    before = _users(sessions)
    response = admin.post("/quan-tri/nguoi-dung/moi", data={
        "csrf_token": csrf_token(admin, "/quan-tri/nguoi-dung/moi"), "username": "canbo_moi",
        "full_name": "Cán Bộ Mới", "email": "canbo@example.vn\nBcc: x@evil.example", "phone": "",
        "password": "mat-khau-du-dai-12", "password2": "mat-khau-du-dai-12",
        "roles-0-role": "reception", "roles-0-department": "MOTCUA"})
    assert response.status_code == 400
    assert "Địa chỉ thư điện tử không hợp lệ" in response.get_data(as_text=True)
    assert _users(sessions) == before


def test_account_creation_in_the_engine_refuses_it_too(sessions):
    from engine.accounts.accounts import create_user

    with transaction(sessions) as s, pytest.raises(InvalidInput) as refused:
        create_user(s, "khac", "Người Khác", "mat-khau-123", [("citizen", "*")],
                    email="khac@example.vn\r\nBcc: x@evil.example")
    assert set(refused.value.errors) == {"email"}


@pytest.fixture
def deployed(sessions, people):
    with transaction(sessions) as s:
        procedures.deploy_path(s, PROCESSES, "test")
    return sessions


def _dossiers(sessions) -> int:
    with transaction(sessions) as s:
        return s.scalar(select(func.count()).select_from(Dossier))


def test_the_engines_submission_refuses_a_broken_application_email(deployed):
    application = {**MARITAL.application, "email": "an@example.vn\r\nBcc: x@evil.example"}
    with transaction(deployed) as s, pytest.raises(InvalidInput) as refused:
        runner.submit(s, "marital_status", application, actor="congdan",
                      applicant_user="congdan")
    assert "email" in refused.value.errors
    assert _dossiers(deployed) == 0


def test_walk_in_registration_refuses_a_broken_email(app, deployed):
    from .test_web_officer import _walk_in_form

    desk = login(app.test_client(), "tiepnhan")
    path = "/can-bo/tiep-nhan-truc-tiep/marital_status"
    form = {**_walk_in_form(csrf_token(desk, path)), "email": "thu@example.vn\nBcc: x@evil.example"}
    response = desk.post(path, data=form, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Địa chỉ thư điện tử không hợp lệ" in response.get_data(as_text=True)
    assert _dossiers(deployed) == 0
