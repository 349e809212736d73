"""Messages from people and partner systems through the web: the applicant withdraws a
dossier whose diagram waits for `rut_ho_so` (page and JSON API, one engine path), and
a partner agency's system files a dossier with a message that starts a procedure."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine.accounts import accounts
from engine.db import transaction
from engine.dossiers import runner
from engine.models import Dossier, Event

from ..conftest import DEMO_PASSWORD, ROOT, Screens, csrf_token, login
from ..helpers import bpmn_bundle, deploy, dossier
from .test_phone_layout import PHONE, misfits

APP = {"ho_ten": "Nguyễn Văn An", "so_dinh_danh": "001099000444"}
REASON = "Tôi nộp nhầm thủ tục"


@pytest.fixture
def filed(sessions, people, tmp_path):
    """A dossier of congdan's on the conformance diagram `withdrawal`, in processing."""
    deploy(sessions, bpmn_bundle(tmp_path, "withdrawal"))
    with transaction(sessions) as s:
        return runner.submit(s, "withdrawal", APP, actor="congdan", applicant_user="congdan").code


def tokens(sessions, *usernames: str) -> dict[str, str]:
    with transaction(sessions) as s:
        return {u: accounts.create_api_token(s, accounts.find_user(s, u), "test")[1]
                for u in usernames}


def withdrawal_events(sessions, code: str) -> list[tuple[str, str, dict]]:
    with transaction(sessions) as s:
        return [(e.actor, e.payload["element_id"], e.payload["data"]) for e in s.scalars(
            select(Event).where(Event.dossier_id == dossier(sessions, code).id,
                                Event.type == "message_received"))]


def test_the_applicant_withdraws_from_the_dossier_page(app, sessions, filed):
    client = login(app.test_client(), "congdan")
    page = client.get(f"/ho-so/{filed}").get_data(as_text=True)
    assert 'id="rut-ho-so"' in page and "Lý do rút hồ sơ" in page
    token = csrf_token(client, f"/ho-so/{filed}")
    # neither a reason nor the confirmation: said on the form, nothing sent
    refused = client.post(f"/ho-so/{filed}/rut-ho-so", data={"csrf_token": token, "ly_do": " "})
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "Nhập lý do rút hồ sơ." in text and "Đánh dấu xác nhận để rút hồ sơ." in text
    assert withdrawal_events(sessions, filed) == []
    # another citizen cannot withdraw it, nor learn it exists
    other = login(app.test_client(), "congdan2")
    assert other.post(f"/ho-so/{filed}/rut-ho-so", data={
        "csrf_token": csrf_token(other, "/ho-so"), "ly_do": REASON, "xac_nhan": "1"},
    ).status_code == 404
    done = client.post(f"/ho-so/{filed}/rut-ho-so", data={
        "csrf_token": token, "ly_do": REASON, "xac_nhan": "1"})
    assert done.status_code == 302
    assert dossier(sessions, filed).status == "withdrawn"
    assert withdrawal_events(sessions, filed) == [
        ("congdan", "withdrawn", {"name": "rut_ho_so", "payload": {"ly_do": REASON}})]
    after = client.get(f"/ho-so/{filed}").get_data(as_text=True)
    assert "Đã gửi yêu cầu rút hồ sơ." in after and 'id="rut-ho-so"' not in after
    # it no longer waits: a second request is a conflict
    again = client.post(f"/ho-so/{filed}/rut-ho-so", data={
        "csrf_token": token, "ly_do": REASON, "xac_nhan": "1"})
    assert again.status_code == 409


def test_the_applicant_withdraws_through_the_api(app, sessions, filed):
    keys = tokens(sessions, "congdan", "congdan2", "chuyenvien")
    client = app.test_client()

    def post(who, body):
        return client.post(f"/api/v1/dossiers/{filed}/withdrawal", json=body,
                           headers={"Authorization": f"Bearer {keys[who]}"})

    assert post("congdan2", {"reason": REASON}).status_code == 404
    assert post("chuyenvien", {"reason": REASON}).status_code == 403
    missing = post("congdan", {})
    assert missing.status_code == 400 and "reason" in missing.get_json()["fields"]
    answer = post("congdan", {"reason": REASON})
    assert answer.status_code == 200
    assert answer.get_json()["dossier"]["status"] == "withdrawn"
    assert withdrawal_events(sessions, filed) == [
        ("congdan", "withdrawn", {"name": "rut_ho_so", "payload": {"ly_do": REASON}})]
    assert post("congdan", {"reason": REASON}).status_code == 409


def test_a_partner_system_files_a_dossier_with_a_starting_message(app, sessions, people, tmp_path):
    deploy(sessions, bpmn_bundle(tmp_path, "message_start"))
    with transaction(sessions) as s:
        accounts.create_user(s, "so_xd", "Hệ thống Sở Xây dựng", "mat-khau-dai-123456",
                             [("partner", "SXD")])
    keys = tokens(sessions, "so_xd")
    client = app.test_client()

    def post(body):
        return client.post("/api/v1/messages", json=body,
                           headers={"Authorization": f"Bearer {keys['so_xd']}"})

    # a procedure a partner's message starts is not offered to applicants
    assert "Thử message_start" not in client.get("/thu-tuc").get_data(as_text=True)
    applicant = login(app.test_client(), "congdan")
    page = applicant.get("/thu-tuc/message_start/nop")
    assert page.status_code == 404
    assert "không nhận hồ sơ do người dân nộp trực tiếp" in page.get_data(as_text=True)
    message = {"name": "ho_so_lien_thong", "key": "CV-2026-0042",
               "payload": {"application": APP, "so_cong_van": "42/SXD"}}
    bad = post({**message, "payload": {"application": {"ho_ten": "A"}}})
    assert bad.status_code == 422
    assert {"payload.application.ho_ten", "payload.application.so_dinh_danh"} <= set(
        bad.get_json()["fields"])
    assert post({**message, "key": None}).status_code == 422  # no key, no dossier
    first = post(message)
    assert first.status_code == 201
    body = first.get_json()
    assert (body["status"], body["started"]) == ("delivered", True)
    code = body["dossier"]
    filed_dossier = dossier(sessions, code)
    assert (filed_dossier.channel, filed_dossier.applicant_name) == ("partner", APP["ho_ten"])
    again = post(message)  # the partner retries: the same answer, no second dossier
    assert (again.status_code, again.get_json()) == (201, body)
    with transaction(sessions) as s:
        assert s.scalar(select(func.count(Dossier.id))) == 1
        [submitted] = s.scalars(select(Event).where(Event.type == "submitted")).all()
        assert submitted.actor == "api:so_xd"


def test_withdrawing_on_a_phone(live_server, browser, sessions, filed):
    context = browser.new_context(viewport=PHONE, locale="vi-VN", is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    screens = Screens(ROOT / "artifacts" / "screenshots" / "withdrawal")
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", "congdan")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("main button:has-text('Đăng nhập')")
    page.goto(f"{live_server}/ho-so/{filed}")
    page.click("#rut-ho-so summary")
    assert misfits(page, "#rut-ho-so button[type=submit]", "#f-ly_do") == []
    page.fill("#f-ly_do", REASON)
    page.check("#rut-ho-so input[name=xac_nhan]")
    screens.shot(page, "phone-withdraw-form")
    page.click("#rut-ho-so button[type=submit]")
    page.wait_for_load_state("load")
    assert "Đã gửi yêu cầu rút hồ sơ." in page.inner_text("main")
    assert "Rút hồ sơ" in page.inner_text("h1")  # the status badge
    screens.shot(page, "phone-withdrawn")
    assert misfits(page) == []
    assert errors == []
    assert dossier(sessions, filed).status == "withdrawn"
    context.close()
