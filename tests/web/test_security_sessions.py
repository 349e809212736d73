"""A session cookie stops working once its account signs out, changes its password, is
deactivated (and reactivated) or unlocked: a copy taken before keeps no access. API
tokens are separate credentials, but a deactivated account's tokens are refused."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.accounts.accounts import create_api_token, find_user
from engine.db import transaction
from engine.models import User

from ..conftest import DEMO_PASSWORD, csrf_token, login

PRIVATE = "/ho-so"  # the citizen's own dossiers: needs a signed-in session


def _copy(client, app):
    """A second browser holding a copy of the client's session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    assert thief.get(PRIVATE).status_code == 200  # the copy works as long as the session does
    return thief


def _signed_out(client) -> bool:
    response = client.get(PRIVATE)
    return response.status_code == 302 and "/login" in response.headers["Location"]


def _id(sessions, username: str) -> int:
    with transaction(sessions) as s:
        return s.scalar(select(User.id).where(User.username == username))


def test_a_copied_cookie_dies_at_sign_out(app, people):
    citizen = login(app.test_client(), "congdan")
    other_device = login(app.test_client(), "congdan")
    thief = _copy(citizen, app)
    response = citizen.post("/logout", data={"csrf_token": csrf_token(citizen, PRIVATE)})
    assert response.status_code == 302
    assert _signed_out(thief)
    assert _signed_out(other_device)  # signing out ends every session of the account
    assert _signed_out(citizen)
    login(app.test_client(), "congdan")  # and signing in again works


def test_a_copied_cookie_dies_when_the_password_changes(app, people, sessions):
    citizen = login(app.test_client(), "congdan")
    thief = _copy(citizen, app)
    response = citizen.post("/tai-khoan/mat-khau", data={
        "csrf_token": csrf_token(citizen, "/tai-khoan"), "current": DEMO_PASSWORD,
        "password": "mat-khau-moi-123", "password2": "mat-khau-moi-123"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert _signed_out(thief) and _signed_out(citizen)
    login(app.test_client(), "congdan", "mat-khau-moi-123")
    with transaction(sessions) as s:
        from engine.audit.account_log import entries
        assert "password_changed" in [e.action for e in entries(s, "congdan")]


def test_a_wrong_current_password_changes_nothing(app, people):
    citizen = login(app.test_client(), "congdan")
    thief = _copy(citizen, app)
    response = citizen.post("/tai-khoan/mat-khau", data={
        "csrf_token": csrf_token(citizen, "/tai-khoan"), "current": "khong-dung",
        "password": "mat-khau-moi-123", "password2": "mat-khau-moi-123"})
    assert response.status_code == 400
    assert "Mật khẩu hiện tại không đúng" in response.get_data(as_text=True)
    assert not _signed_out(thief)
    login(app.test_client(), "congdan")


def _admin(app):
    admin = login(app.test_client(), "admin")
    return admin, csrf_token(admin, "/quan-tri/nguoi-dung")


def test_a_copied_cookie_stays_dead_after_deactivation_and_reactivation(app, people, sessions):
    citizen = login(app.test_client(), "congdan")
    thief = _copy(citizen, app)
    admin, token = _admin(app)
    uid = _id(sessions, "congdan")
    assert admin.post(f"/quan-tri/nguoi-dung/{uid}/vo-hieu-hoa",
                      data={"csrf_token": token}).status_code == 302
    assert admin.post(f"/quan-tri/nguoi-dung/{uid}/kich-hoat",
                      data={"csrf_token": token}).status_code == 302
    assert _signed_out(thief) and _signed_out(citizen)
    login(app.test_client(), "congdan")


def test_a_copied_cookie_dies_when_the_account_is_unlocked(app, people, sessions):
    citizen = login(app.test_client(), "congdan")
    thief = _copy(citizen, app)
    with transaction(sessions) as s:  # someone guessed passwords until the account locked
        from datetime import timedelta

        from engine.models import utcnow
        find_user(s, "congdan").locked_until = utcnow() + timedelta(minutes=15)
    admin, token = _admin(app)
    assert admin.post(f"/quan-tri/nguoi-dung/{_id(sessions, 'congdan')}/mo-khoa",
                      data={"csrf_token": token}).status_code == 302
    assert _signed_out(thief) and _signed_out(citizen)
    login(app.test_client(), "congdan")


def test_a_deactivated_accounts_api_token_is_refused_even_after_reactivation(app, people,
                                                                              sessions):
    with transaction(sessions) as s:
        clear = create_api_token(s, find_user(s, "chuyenvien"), "tích hợp")[1]
    api = app.test_client()
    bearer = {"Authorization": f"Bearer {clear}"}
    assert api.get("/api/v1/tasks", headers=bearer).status_code == 200
    admin, token = _admin(app)
    uid = _id(sessions, "chuyenvien")
    admin.post(f"/quan-tri/nguoi-dung/{uid}/vo-hieu-hoa", data={"csrf_token": token})
    assert api.get("/api/v1/tasks", headers=bearer).status_code == 401
    admin.post(f"/quan-tri/nguoi-dung/{uid}/kich-hoat", data={"csrf_token": token})
    assert api.get("/api/v1/tasks", headers=bearer).status_code == 401


def test_a_session_from_before_the_upgrade_must_sign_in_again(app, people, sessions):
    """A cookie naming only the user id (no generation) opens nothing."""
    forged = app.test_client()
    with forged.session_transaction() as session:
        session["_user_id"] = str(_id(sessions, "congdan"))
        session["_fresh"] = True
    assert _signed_out(forged)


@pytest.mark.parametrize("path", ["/tai-khoan"])
def test_the_account_page_needs_a_signed_in_user(app, path):
    response = app.test_client().get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
