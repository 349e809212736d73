"""One unit of work per request (web.unit_of_work): a route's writes are committed
before its answer leaves, or not at all; a commit that fails gets the app's own error
page or JSON error, and HTML pages and the API take the same path."""

from __future__ import annotations

import json

import pytest
from flask import g
from sqlalchemy import event, func, select

from engine.accounts import accounts
from engine.db import transaction
from engine.errors import Conflict, InvalidInput
from engine.models import Draft, User
from engine.procedures import procedures
from web.unit_of_work import attempt

from ..conftest import PROCESSES, ROOT, csrf_token

MARITAL = json.loads((ROOT / "examples" / "scenarios" / "marital_status.json").read_text())


def _users(sessions, prefix: str) -> list[str]:
    with sessions() as s:
        return sorted(s.scalars(select(User.username).where(User.username.like(f"{prefix}%"))))


@pytest.fixture
def username_taken_at_commit(sessions, people):
    """Once armed, each commit of the app's sessions also stores an account named like one
    that exists: the database refuses the whole commit, as when a key is taken meanwhile."""
    armed: list[bool] = []

    def add_duplicate(session):  # type: ignore[no-untyped-def]
        if armed and not session.in_nested_transaction():
            session.add(User(username="congdan", full_name="Bản trùng", password_hash=None))

    event.listen(sessions, "before_commit", add_duplicate)
    yield lambda: armed.append(True)
    event.remove(sessions, "before_commit", add_duplicate)


def test_a_page_whose_commit_fails_shows_the_error_page_and_stores_nothing(
        app, sessions, username_taken_at_commit):
    client = app.test_client()
    token = csrf_token(client, "/register")
    username_taken_at_commit()
    response = client.post("/register", data={
        "csrf_token": token, "username": "nguoimoi", "full_name": "Người Mới",
        "id_number": "001094012345", "phone": "0912345678", "email": "",
        "password": "matkhau-moi-123", "password2": "matkhau-moi-123"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409, page[:500]
    assert "chưa được lưu" in page and "<html" in page  # the app's page, in Vietnamese
    assert "Đăng ký thành công" not in page
    assert _users(sessions, "nguoimoi") == []


def test_the_error_page_of_a_failed_commit_speaks_english_too(
        app, sessions, username_taken_at_commit):
    client = app.test_client()
    token = csrf_token(client, "/register")
    client.get("/lang/en")
    username_taken_at_commit()
    response = client.post("/register", data={
        "csrf_token": token, "username": "nguoimoi", "full_name": "Người Mới",
        "id_number": "001094012345", "phone": "0912345678", "email": "",
        "password": "matkhau-moi-123", "password2": "matkhau-moi-123"})
    assert response.status_code == 409
    assert "was not saved" in response.get_data(as_text=True)


@pytest.fixture
def token(sessions, people) -> str:
    with transaction(sessions) as s:
        procedures.deploy_path(s, PROCESSES, "test")
        _, clear = accounts.create_api_token(s, accounts.find_user(s, "congdan"), "test")
    return clear


def _drafts(sessions) -> int:
    with sessions() as s:
        return s.scalar(select(func.count(Draft.id))) or 0


def test_an_api_call_whose_commit_fails_answers_a_json_error_and_stores_nothing(
        app, sessions, token, username_taken_at_commit):
    username_taken_at_commit()
    response = app.test_client().post(
        "/api/v1/drafts", headers={"Authorization": f"Bearer {token}"},
        json={"procedure": MARITAL["procedure"], "application": MARITAL["application"]})
    assert response.status_code == 409, response.get_data(as_text=True)[:500]
    assert response.is_json and "chưa được lưu" in response.get_json()["error"]
    assert _drafts(sessions) == 0


def test_an_api_call_refused_after_a_write_stores_nothing(app, sessions, token):
    response = app.test_client().post(
        "/api/v1/dossiers", headers={"Authorization": f"Bearer {token}"},
        json={"procedure": MARITAL["procedure"], "application": {}})
    assert response.status_code == 400, response.get_data(as_text=True)[:500]
    assert response.is_json
    assert _drafts(sessions) == 0  # the draft made on the way is gone with the refusal


def test_the_same_call_once_complete_is_committed_before_the_answer(app, sessions, token):
    response = app.test_client().post(
        "/api/v1/drafts", headers={"Authorization": f"Bearer {token}"},
        json={"procedure": MARITAL["procedure"], "application": MARITAL["application"]})
    assert response.status_code == 201
    assert _drafts(sessions) == 1


@pytest.fixture
def probe(app, people):
    """Routes that write an account, then fail or carry on, at a page and an API path."""

    def write_then_refuse(name: str):  # type: ignore[no-untyped-def]
        accounts.create_user(g.db, name, "Tạm", None, [("citizen", "*")])
        raise Conflict("refused after a write")

    def write_then_attempt(name: str):  # type: ignore[no-untyped-def]
        accounts.create_user(g.db, name, "Giữ", None, [("citizen", "*")])
        try:
            with attempt():
                accounts.create_user(g.db, f"{name}-bo", "Bỏ", None, [("citizen", "*")])
                raise InvalidInput("refused step", {"name": ["refused"]})
        except InvalidInput:
            return "carried on", 400
        return "not refused", 200

    for prefix in ("/thu", "/api/thu"):
        app.add_url_rule(f"{prefix}/loi/<name>", f"{prefix}-loi", write_then_refuse)
        app.add_url_rule(f"{prefix}/tiep/<name>", f"{prefix}-tiep", write_then_attempt)
    return app.test_client()


@pytest.mark.parametrize("prefix", ["/thu", "/api/thu"])
def test_a_domain_error_after_a_write_reaches_the_handler_and_leaves_nothing(
        probe, sessions, prefix):
    response = probe.get(f"{prefix}/loi/tam")
    assert response.status_code == 409
    assert response.is_json == prefix.startswith("/api/")
    assert _users(sessions, "tam") == []


@pytest.mark.parametrize("prefix", ["/thu", "/api/thu"])
def test_a_refused_attempt_leaves_nothing_and_the_route_keeps_the_rest(probe, sessions, prefix):
    response = probe.get(f"{prefix}/tiep/giu")
    assert response.get_data(as_text=True) == "carried on"
    assert _users(sessions, "giu") == ["giu"]
