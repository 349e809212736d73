"""Administrators' pages: users, roles per department, deactivation, unlock,
departments; every signed-in user's API tokens."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from engine.accounts import accounts
from engine.db import transaction
from engine.models import ApiToken, Event, HumanTask, User
from engine.procedures import procedures

from .. import helpers
from ..conftest import DEMO_PASSWORD, PROCESSES, ROOT, csrf_token, login

NEW_PASSWORD = "mat-khau-can-bo-2026"
MARITAL = json.loads((ROOT / "examples" / "scenarios" / "marital_status.json").read_text())


def _id(sessions, username: str) -> int:
    with transaction(sessions) as s:
        return s.scalar(select(User.id).where(User.username == username))


def _user(sessions, username: str) -> User:
    with transaction(sessions) as s:
        user = s.scalar(select(User).where(User.username == username))
        _ = user.roles
        return user


def _admin(app):
    client = login(app.test_client(), "admin")
    return client, csrf_token(client, "/quan-tri/nguoi-dung")


def _cannot_sign_in(app, username: str, password: str = DEMO_PASSWORD) -> bool:
    client = app.test_client()
    token = csrf_token(client, "/login")
    r = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    return r.status_code == 401


def _pages(sessions) -> list[tuple[str, str]]:
    uid = _id(sessions, "chuyenvien")
    base = f"/quan-tri/nguoi-dung/{uid}"
    return [("GET", "/quan-tri/nguoi-dung"), ("GET", "/quan-tri/nguoi-dung/moi"),
            ("POST", "/quan-tri/nguoi-dung/moi"), ("GET", base), ("POST", base),
            ("POST", f"{base}/vo-hieu-hoa"), ("POST", f"{base}/kich-hoat"),
            ("POST", f"{base}/mo-khoa"), ("GET", "/quan-tri/phong-ban")]


@pytest.mark.parametrize("username", ["congdan", "tiepnhan", "lanhdao", "kiemtoan"])
def test_admin_pages_are_forbidden_to_non_admins(app, people, sessions, username):
    client = login(app.test_client(), username)
    token = csrf_token(client, "/quan-tri/token")
    for method, path in _pages(sessions):
        r = client.open(path, method=method, data={"csrf_token": token} if method == "POST" else None)
        assert r.status_code == 403, (method, path, r.status_code)
    assert _user(sessions, "chuyenvien").active


def test_admin_pages_send_anonymous_visitors_to_sign_in(app, people, sessions):
    client = app.test_client()
    for method, path in _pages(sessions):
        if method == "GET":
            r = client.get(path)
            assert r.status_code == 302 and "/login" in r.location, path
    assert client.get("/quan-tri/token").status_code == 302


def test_users_list_shows_roles_per_department_state_and_lock(app, people, sessions):
    with transaction(sessions) as s:
        accounts.deactivate_user(s, accounts.find_user(s, "pholanhdao"))
    for _ in range(accounts.MAX_FAILURES):
        _cannot_sign_in(app, "congdan2", "sai-mat-khau")
    client, _ = _admin(app)
    page = client.get("/quan-tri/nguoi-dung").get_data(as_text=True)
    row = re.search(r'<tr data-user="chuyenvien".*?</tr>', page, re.S).group(0)
    assert "Chuyên viên · TUPHAP" in row and "Đang hoạt động" in row
    assert "Đã vô hiệu hóa" in re.search(r'<tr data-user="pholanhdao".*?</tr>', page, re.S).group(0)
    locked = re.search(r'<tr data-user="congdan2".*?</tr>', page, re.S).group(0)
    assert re.search(r"\d\d:\d\d \d\d/\d\d/\d{4}", locked)
    assert "Quản trị hệ thống · mọi phòng ban" in page
    only = client.get("/quan-tri/nguoi-dung?vai_tro=leader").get_data(as_text=True)
    assert 'data-user="lanhdao"' in only and 'data-user="congdan"' not in only
    found = client.get("/quan-tri/nguoi-dung?q=Minh").get_data(as_text=True)
    assert 'data-user="chuyenvien"' in found and 'data-user="tiepnhan"' not in found


def test_create_officer_validates_then_creates_one_who_can_sign_in(app, people, sessions):
    client, token = _admin(app)
    r = client.post("/quan-tri/nguoi-dung/moi", data={
        "csrf_token": token, "username": "Có Dấu", "full_name": "", "email": "sai",
        "password": "ngan", "password2": "ngan", "roles-0-role": "chief",
        "roles-0-department": "TUPHAP", "roles-1-role": "leader", "roles-1-department": "PHÒNG A"})
    body = r.get_data(as_text=True)
    assert r.status_code == 400
    for message in ("3–64 ký tự", "Nhập họ và tên", "thư điện tử không hợp lệ",
                    "tối thiểu 12 ký tự", "Chọn vai trò", "không có dấu cách"):
        assert message in body, message
    r = client.post("/quan-tri/nguoi-dung/moi", data={
        "csrf_token": token, "username": "chuyenvien", "full_name": "Trùng Tên",
        "password": NEW_PASSWORD, "password2": NEW_PASSWORD,
        "roles-0-role": "specialist", "roles-0-department": "TUPHAP"})
    assert r.status_code == 400 and "đã có người dùng" in r.get_data(as_text=True)
    r = client.post("/quan-tri/nguoi-dung/moi", data={
        "csrf_token": token, "username": "vuthimai", "full_name": "Vũ Thị Mai",
        "email": "mai@example.vn", "phone": "0987654321",
        "password": NEW_PASSWORD, "password2": NEW_PASSWORD,
        "roles-0-role": "specialist", "roles-0-department": "TUPHAP",
        "roles-1-role": "reception", "roles-1-department": "MOTCUA",
        "roles-2-role": "", "roles-2-department": ""})
    assert r.status_code == 302 and r.location.endswith(f"/quan-tri/nguoi-dung/{_id(sessions, 'vuthimai')}")
    assert "Đã tạo tài khoản vuthimai" in client.get(r.location).get_data(as_text=True)
    mai = _user(sessions, "vuthimai")
    assert {(x.role, x.department) for x in mai.roles} == {("specialist", "TUPHAP"),
                                                           ("reception", "MOTCUA")}
    assert mai.password_hash and NEW_PASSWORD not in mai.password_hash
    officer = login(app.test_client(), "vuthimai", NEW_PASSWORD)
    assert "Vũ Thị Mai" in officer.get("/").get_data(as_text=True)


def test_create_needs_csrf(app, people, sessions):
    client, _ = _admin(app)
    r = client.post("/quan-tri/nguoi-dung/moi", data={
        "username": "khongcsrf", "full_name": "Không CSRF", "password": NEW_PASSWORD,
        "password2": NEW_PASSWORD, "roles-0-role": "leader", "roles-0-department": "LANHDAO"})
    assert r.status_code == 400 and "CSRF" in r.get_data(as_text=True)
    assert accounts.find_user(sessions(), "khongcsrf") is None


def test_change_roles_adds_removes_and_applies_at_once(app, people, sessions):
    officer = login(app.test_client(), "chuyenvien")
    assert officer.get("/board").status_code == 200
    client, token = _admin(app)
    uid = _id(sessions, "chuyenvien")
    page = client.get(f"/quan-tri/nguoi-dung/{uid}").get_data(as_text=True)
    assert 'name="roles-0-department" value="TUPHAP"' in page and 'value="LANHDAO"' in page
    r = client.post(f"/quan-tri/nguoi-dung/{uid}", data={
        "csrf_token": token, "roles-0-role": "specialist", "roles-0-department": "TUPHAP",
        "roles-0-remove": "1", "roles-1-role": "citizen", "roles-1-department": "*",
        "roles-2-role": "", "roles-2-department": ""})
    assert r.status_code == 302
    assert {(x.role, x.department) for x in _user(sessions, "chuyenvien").roles} == {("citizen", "*")}
    assert officer.get("/board").status_code == 403  # the open session sees the change
    r = client.post(f"/quan-tri/nguoi-dung/{uid}", data={
        "csrf_token": token, "roles-0-role": "citizen", "roles-0-department": "*",
        "roles-0-remove": "1"})
    assert r.status_code == 400 and "ít nhất một vai trò" in r.get_data(as_text=True)


def test_the_last_admin_cannot_drop_the_admin_role_or_deactivate_themselves(app, people, sessions):
    client, token = _admin(app)
    uid = _id(sessions, "admin")
    r = client.post(f"/quan-tri/nguoi-dung/{uid}", data={
        "csrf_token": token, "roles-0-role": "auditor", "roles-0-department": "*"})
    assert r.status_code == 409 and "ít nhất một quản trị viên" in r.get_data(as_text=True)
    r = client.post(f"/quan-tri/nguoi-dung/{uid}/vo-hieu-hoa", data={"csrf_token": token})
    assert r.status_code == 409
    assert _user(sessions, "admin").active
    assert {x.role for x in _user(sessions, "admin").roles} == {"admin"}


@pytest.fixture
def handled_dossier(sessions, people):
    """A marital-status dossier whose reception step tiepnhan completed."""
    with transaction(sessions) as s:
        procedures.deploy_path(s, PROCESSES, "test")
    code = helpers.submit(sessions, "marital_status", MARITAL["application"])
    helpers.work(sessions)
    helpers.complete(sessions, code, "reception", MARITAL["paths"]["approve"][0][1], actor="tiepnhan")
    return code


def test_deactivate_keeps_history_refuses_sign_in_and_reactivate_restores(app, sessions,
                                                                          handled_dossier):
    officer = login(app.test_client(), "tiepnhan")
    client, token = _admin(app)
    uid = _id(sessions, "tiepnhan")
    r = client.post(f"/quan-tri/nguoi-dung/{uid}/vo-hieu-hoa", data={"csrf_token": token})
    assert r.status_code == 302
    page = client.get(r.location).get_data(as_text=True)
    assert "Lịch sử xử lý được giữ nguyên" in page and "Đã vô hiệu hóa" in page
    assert re.search(r"Số bước đã xử lý</dt><dd>1<", page)
    assert _cannot_sign_in(app, "tiepnhan")
    assert officer.get("/board").status_code == 302  # the open session ends too
    with transaction(sessions) as s:
        assert s.scalar(select(User).where(User.username == "tiepnhan")) is not None
        assert s.scalar(select(HumanTask.completed_by).where(HumanTask.element_id == "reception")) \
            == "tiepnhan"
        assert "tiepnhan" in set(s.scalars(select(Event.actor)))
    r = client.post(f"/quan-tri/nguoi-dung/{uid}/kich-hoat", data={"csrf_token": token})
    assert r.status_code == 302 and "Đang hoạt động" in client.get(r.location).get_data(as_text=True)
    login(app.test_client(), "tiepnhan")


def test_unlock_a_locked_account(app, people, sessions):
    for _ in range(accounts.MAX_FAILURES):
        _cannot_sign_in(app, "congdan", "sai-mat-khau")
    assert _cannot_sign_in(app, "congdan")  # locked: even the right password fails
    client, token = _admin(app)
    uid = _id(sessions, "congdan")
    page = client.get(f"/quan-tri/nguoi-dung/{uid}").get_data(as_text=True)
    assert "Mở khóa đăng nhập" in page
    r = client.post(f"/quan-tri/nguoi-dung/{uid}/mo-khoa", data={"csrf_token": token})
    assert r.status_code == 302
    page = client.get(r.location).get_data(as_text=True)
    assert "Đã mở khóa tài khoản congdan" in page and "Mở khóa đăng nhập" not in page
    login(app.test_client(), "congdan")


def test_departments_from_procedure_lanes_and_user_roles(app, people, sessions):
    with transaction(sessions) as s:
        procedures.deploy_path(s, PROCESSES, "test")
        accounts.create_user(s, "vanthu", "Văn thư", None, [("specialist", "VANTHU")])
    client, _ = _admin(app)
    page = client.get("/quan-tri/phong-ban").get_data(as_text=True)

    def row(code: str) -> str:
        return re.search(rf'<tr data-department="{re.escape(code)}">.*?</tr>', page, re.S).group(0)

    assert "marital_status · Chuyên viên" in row("TUPHAP") and "chuyenvien · Chuyên viên" in row("TUPHAP")
    assert "cơ quan tiếp nhận" in row("UBND-PHK")
    assert "construction_permit" in row("QLDT") and "chuyenvien_qldt" in row("QLDT")
    assert "Không thủ tục nào dùng mã này" in row("VANTHU")
    assert "admin · Quản trị hệ thống" in row("*")
    assert page.index('data-department="*"') > page.index('data-department="VANTHU"')


def test_any_user_creates_sees_once_and_revokes_their_own_tokens(app, people, sessions):
    client = login(app.test_client(), "congdan")
    token = csrf_token(client, "/quan-tri/token")
    r = client.post("/quan-tri/token", data={"csrf_token": token, "name": ""})
    assert r.status_code == 400 and "Đặt tên cho khóa" in r.get_data(as_text=True)
    r = client.post("/quan-tri/token", data={"csrf_token": token, "name": "ứng dụng di động"})
    assert r.status_code == 201 and r.headers["Cache-Control"] == "no-store"
    clear = re.search(r"<code class=\"token\" data-token>([^<]+)</code>", r.get_data(as_text=True)).group(1)
    with transaction(sessions) as s:
        row = s.scalar(select(ApiToken))
        assert row.token_hash == accounts.token_hash(clear) and row.name == "ứng dụng di động"
        assert accounts.verify_api_token(s, clear).username == "congdan"
    page = client.get("/quan-tri/token").get_data(as_text=True)
    assert clear not in page and "ứng dụng di động" in page and "Đang dùng" in page
    assert 'class="admin-nav"' not in page  # citizens see no administration menu
    other = login(app.test_client(), "congdan2")
    r = other.post(f"/quan-tri/token/{row.id}/thu-hoi",
                   data={"csrf_token": csrf_token(other, "/quan-tri/token")})
    assert r.status_code == 404
    assert client.post(f"/quan-tri/token/{row.id}/thu-hoi").status_code == 400  # no CSRF
    r = client.post(f"/quan-tri/token/{row.id}/thu-hoi", data={"csrf_token": token})
    assert r.status_code == 302
    assert "Đã thu hồi" in client.get("/quan-tri/token").get_data(as_text=True)
    with transaction(sessions) as s:
        assert accounts.verify_api_token(s, clear) is None


def test_admin_pages_in_english(app, people, sessions):
    client, _ = _admin(app)
    client.get("/lang/en")
    page = client.get("/quan-tri/nguoi-dung").get_data(as_text=True)
    assert "User management" in page and "Create an officer account" in page
    assert "Specialist · TUPHAP" in page
    assert "Used in procedures" in client.get("/quan-tri/phong-ban").get_data(as_text=True)
    assert "API access tokens" in client.get("/quan-tri/token").get_data(as_text=True)


def test_every_admin_string_has_an_english_translation():
    import io

    from babel.messages.extract import extract
    from babel.messages.pofile import read_po
    from jinja2.ext import babel_extract

    translated: set[str] = set()
    for po in (ROOT / "web" / "translations" / "en" / "LC_MESSAGES").glob("*.po"):
        with po.open("rb") as fh:
            translated |= {m.id for m in read_po(fh) if m.id and m.string}
    missing = []
    sources = [(p, babel_extract) for p in (ROOT / "web" / "templates" / "admin").glob("*.html")]
    sources += [(p, "python") for p in (ROOT / "web" / "admin").glob("*.py")]
    sources += [(p, "python") for p in (ROOT / "web" / "api").glob("*.py")]
    for path, method in sources:
        keywords = {"_": None, "gettext": None, "lazy_gettext": None, "_l": None}
        for _, message, _, _ in extract(method, io.BytesIO(path.read_bytes()), keywords=keywords):
            if message not in translated:
                missing.append(f"{path.name}: {message}")
    assert not missing, "\n".join(missing)
