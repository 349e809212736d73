"""A NUL character in any form, query or file name is a clear 400 naming the field, on
both databases (PostgreSQL's text and JSONB cannot store it), and nothing is stored."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine.db import transaction
from engine.models import Dossier, Draft, User
from engine.procedures import procedures

from ..conftest import DEMO_PASSWORD, PROCESSES, csrf_token, login


@pytest.fixture
def deployed(sessions, people):
    with transaction(sessions) as s:
        procedures.deploy_path(s, PROCESSES, "test")
    return sessions


def _count(sessions, model) -> int:
    with transaction(sessions) as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_registration_with_a_nul_character_is_refused_and_stores_nothing(app, sessions):
    client = app.test_client()
    response = client.post("/register", data={
        "csrf_token": csrf_token(client, "/register"), "username": "moi",
        "full_name": "Người\x00Mới", "id_number": "001094012345", "phone": "0912345678",
        "password": DEMO_PASSWORD, "password2": DEMO_PASSWORD})
    assert response.status_code == 400
    assert "Không được chứa ký tự NUL" in response.get_data(as_text=True)
    with transaction(sessions) as s:
        assert s.scalar(select(User).where(User.username == "moi")) is None


def test_the_citizens_form_and_the_walk_in_desk_refuse_it(app, deployed):
    from .test_web_officer import _walk_in_form

    citizen = login(app.test_client(), "congdan")
    path = "/thu-tuc/marital_status/nop"
    response = citizen.post(path, data={"csrf_token": csrf_token(citizen, path), "action": "save",
                                        "ho_ten": "Nguyễn\x00Văn An"},
                            content_type="multipart/form-data")
    assert response.status_code == 400
    assert _count(deployed, Draft) == 0

    desk = login(app.test_client(), "tiepnhan")
    path = "/can-bo/tiep-nhan-truc-tiep/marital_status"
    form = {**_walk_in_form(csrf_token(desk, path)), "ho_ten": "Trần\x00Thị Thu"}
    response = desk.post(path, data=form, content_type="multipart/form-data")
    assert response.status_code == 400
    assert _count(deployed, Dossier) == 0


def test_a_query_with_a_nul_character_is_refused(app, people):
    officer = login(app.test_client(), "tiepnhan")
    response = officer.get("/can-bo/hop-viec?q=ab%00cd")
    assert response.status_code == 400
    assert "Yêu cầu chứa ký tự không hợp lệ" in response.get_data(as_text=True)
