"""Completing a task through the JSON API follows the officers' task page: a colleague's
claim is a conflict, and an approval that signs the result needs the passphrase that
opens the approving officer's key, refused before anything is recorded."""

from __future__ import annotations

from sqlalchemy import func, select

from engine.db import transaction
from engine.dossiers.officers import claim_task, delegate
from engine.models import Dossier, Event, HumanTask, Job, SigningGrant
from engine.scenario.scenario import all_scenarios, drive
from web.access import today

from .. import helpers
from ..conftest import SIGNING_PASSPHRASE, csrf_token, login
from . import test_api
from .test_api import RECEIVE, conforms

api, tokens = test_api.api, test_api.tokens  # the API client fixtures
SCENARIO = all_scenarios()["marital_status"]
APPROVE = {"leader_decision": "approve", "y_kien_lanh_dao": "Đồng ý", "nguoi_ky": "Lê Quang Hải",
           "chuc_vu_nguoi_ky": "pho_chu_tich"}


def _reception_claimed_by_colleague(sessions) -> tuple[str, int]:
    code = drive(sessions, SCENARIO, "approve", steps=0)
    task_id = helpers.task(sessions, code, "reception").id
    with transaction(sessions) as s:
        claim_task(s, task_id, "tiepnhan2")
    return code, task_id


def _events(sessions, code: str) -> int:
    with transaction(sessions) as s:
        return s.scalar(select(func.count()).select_from(Event).join(Dossier)
                        .where(Dossier.code == code)) or 0


def test_api_refuses_a_task_a_colleague_claimed_as_the_web_does(api, app, sessions):
    code, task_id = _reception_claimed_by_colleague(sessions)
    before = _events(sessions, code)
    body = api("POST", f"/tasks/{task_id}/complete", "tiepnhan", {"data": RECEIVE}, status=409)
    assert body["context"]["claimed_by"] == "tiepnhan2" and "Vũ Văn Bình" in body["error"]
    conforms(api, body, "Error")
    assert helpers.task(sessions, code, "reception").state == "open"
    assert _events(sessions, code) == before
    # the web answers the same request the same way
    web = login(app.test_client(), "tiepnhan")
    path = f"/can-bo/viec/{task_id}"
    r = web.post(f"{path}/hoan-thanh", data={**RECEIVE, "csrf_token": csrf_token(web, path)})
    assert r.status_code == 409 and "Vũ Văn Bình" in r.get_data(as_text=True)
    # the colleague who claimed it completes it
    assert api("POST", f"/tasks/{task_id}/complete", "tiepnhan2", {"data": RECEIVE})["status"] \
        == "received"


def _approval(sessions) -> tuple[str, int]:
    code = drive(sessions, SCENARIO, "approve", steps=2)
    return code, helpers.task(sessions, code, "approval").id


def _grants(sessions) -> list[SigningGrant]:
    with transaction(sessions) as s:
        return list(s.scalars(select(SigningGrant)))


def test_api_approval_without_the_passphrase_is_refused_up_front(api, sessions):
    code, task_id = _approval(sessions)
    before = _events(sessions, code)
    body = api("POST", f"/tasks/{task_id}/complete", "lanhdao", {"data": APPROVE}, status=400)
    assert list(body["fields"]) == ["passphrase"] and "mật khẩu" in body["error"].lower()
    conforms(api, body, "Error")
    body = api("POST", f"/tasks/{task_id}/complete", "lanhdao",
               {"data": APPROVE, "passphrase": "sai-mat-khau"}, status=400)
    assert body["fields"]["passphrase"] == ["Mật khẩu khóa ký số không đúng."]
    body = api("POST", f"/tasks/{task_id}/complete", "lanhdao",
               {"data": APPROVE, "passphrase": 12345}, status=400)
    assert list(body["fields"]) == ["passphrase"]
    assert helpers.task(sessions, code, "approval").state == "open"
    assert _events(sessions, code) == before and _grants(sessions) == []


def test_an_officer_without_a_key_cannot_approve_through_the_api(api, sessions):
    code, task_id = _approval(sessions)
    with transaction(sessions) as s:  # the deputy acts for the leader but has no key
        delegate(s, "lanhdao", "chuyenvien_qldt", today(), today(), "công tác")
    body = api("POST", f"/tasks/{task_id}/complete", "chuyenvien_qldt",
               {"data": APPROVE, "passphrase": SIGNING_PASSPHRASE}, status=422)
    assert "chứng thư số" in body["error"] and "fields" not in body
    conforms(api, body, "Error")
    assert helpers.task(sessions, code, "approval").state == "open" and _grants(sessions) == []


def test_api_approval_with_the_passphrase_is_signed_by_the_approver(api, sessions):
    code, task_id = _approval(sessions)
    body = api("POST", f"/tasks/{task_id}/complete", "lanhdao",
               {"data": APPROVE, "passphrase": SIGNING_PASSPHRASE})
    conforms(api, body, "Dossier")
    (grant,) = _grants(sessions)
    assert grant.username == "lanhdao" and SIGNING_PASSPHRASE.encode() not in grant.sealed_passphrase
    helpers.work(sessions)
    with transaction(sessions) as s:
        job = s.scalars(select(Job).join(Dossier).where(
            Dossier.code == code, Job.operator == "result.sign").order_by(Job.id)).first()
        assert job.status == "done" and job.result["signer"] == "lanhdao"
        assert s.scalars(select(HumanTask).where(HumanTask.id == task_id)).one().completed_by \
            == "lanhdao"


def test_a_decision_that_does_not_sign_needs_no_passphrase(api, sessions):
    code, task_id = _approval(sessions)
    body = api("POST", f"/tasks/{task_id}/complete", "lanhdao",
               {"data": {"leader_decision": "return", "y_kien_lanh_dao": "Xem lại."}})
    assert [t["element_id"] for t in body["open_tasks"]] == ["review"] and _grants(sessions) == []


def test_form_data_with_a_nul_character_is_refused_with_its_field(api, sessions):
    code = drive(sessions, SCENARIO, "approve", steps=0)
    task_id = helpers.task(sessions, code, "reception").id
    body = api("POST", f"/tasks/{task_id}/complete", "tiepnhan",
               {"data": {**RECEIVE, "ghi_chu_tiep_nhan": "ghi\x00chú"}}, status=400)
    assert list(body["fields"]) == ["ghi_chu_tiep_nhan"]
    assert helpers.task(sessions, code, "reception").state == "open"
