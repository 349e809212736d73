"""An administrator chooses a role's department from the list of departments: a typo is
refused with a clear message, and role rows naming no known department are flagged."""

from __future__ import annotations

from sqlalchemy import select

from engine.db import transaction
from engine.models import User, UserRole
from engine.procedures import procedures

from ..conftest import PROCESSES, csrf_token, login

NEW_PASSWORD = "mat-khau-du-dai-2026"


def _deploy(sessions):
    with transaction(sessions) as s:
        procedures.deploy_path(s, PROCESSES, "test")


def _roles(sessions, username):
    with transaction(sessions) as s:
        user = s.scalar(select(User).where(User.username == username))
        return {(r.role, r.department) for r in user.roles} if user else None


def test_a_department_not_in_the_list_is_refused(app, people, sessions):
    _deploy(sessions)
    client = login(app.test_client(), "admin")
    form = {"csrf_token": csrf_token(client, "/quan-tri/nguoi-dung/moi"), "username": "vuthimai",
            "full_name": "Vũ Thị Mai", "password": NEW_PASSWORD, "password2": NEW_PASSWORD,
            "roles-0-role": "specialist", "roles-0-department": "TUPHAPP"}
    r = client.post("/quan-tri/nguoi-dung/moi", data=form)
    assert r.status_code == 400
    assert "Không có phòng ban TUPHAPP trong danh sách phòng ban" in r.get_data(as_text=True)
    assert _roles(sessions, "vuthimai") is None
    r = client.post("/quan-tri/nguoi-dung/moi", data={**form, "roles-0-department": "TUPHAP"})
    assert r.status_code == 302 and _roles(sessions, "vuthimai") == {("specialist", "TUPHAP")}

    with transaction(sessions) as s:
        uid = s.scalar(select(User.id).where(User.username == "chuyenvien"))
    r = client.post(f"/quan-tri/nguoi-dung/{uid}", data={
        "csrf_token": csrf_token(client, f"/quan-tri/nguoi-dung/{uid}"),
        "roles-0-role": "specialist", "roles-0-department": "TUPHAP",
        "roles-1-role": "leader", "roles-1-department": "TUPHAPP"})
    assert r.status_code == 400 and "TUPHAPP" in r.get_data(as_text=True)
    assert _roles(sessions, "chuyenvien") == {("specialist", "TUPHAP")}


def test_role_rows_naming_no_known_department_are_flagged(app, people, sessions):
    _deploy(sessions)
    with transaction(sessions) as s:
        user = s.scalar(select(User).where(User.username == "chuyenvien"))
        s.add(UserRole(user_id=user.id, role="leader", department="TUPHAPP"))
        uid = user.id
    client = login(app.test_client(), "admin")
    listing = client.get("/quan-tri/nguoi-dung").get_data(as_text=True)
    row = listing.split('data-user="chuyenvien"', 1)[1].split("</tr>", 1)[0]
    assert "TUPHAPP (phòng ban không có trong danh sách)" in row
    assert row.count("data-unknown-department") == 1
    page = client.get(f"/quan-tri/nguoi-dung/{uid}").get_data(as_text=True)
    assert page.count("data-unknown-department") == 1
    assert "Phòng ban không có trong danh sách: sửa mã hoặc bỏ dòng này." in page
    # kept as it is when the administrator saves the user's other rows
    r = client.post(f"/quan-tri/nguoi-dung/{uid}", data={
        "csrf_token": csrf_token(client, f"/quan-tri/nguoi-dung/{uid}"),
        "roles-0-role": "specialist", "roles-0-department": "TUPHAP",
        "roles-1-role": "leader", "roles-1-department": "TUPHAPP",
        "roles-2-role": "reception", "roles-2-department": "MOTCUA"})
    assert r.status_code == 302
    assert _roles(sessions, "chuyenvien") == {("specialist", "TUPHAP"), ("leader", "TUPHAPP"),
                                              ("reception", "MOTCUA")}


def test_the_departments_a_routed_lane_may_name_are_known_and_shared_bundles_add_none(sessions):
    from web.admin.departments import known_departments

    _deploy(sessions)
    with transaction(sessions) as s:
        known = known_departments(s)
    # the construction permit's consultation goes to the departments its table names
    assert {"QLDT", "TNMT", "PCCC"} <= set(known)
    assert "DUNGCHUNG" not in known  # the shared sub-procedures' placeholder agency
