"""After completing a task the officer lands on the next open task of the same queue
(role, department, procedure), told what was done with a link back to that dossier; with
the queue empty, on the inbox."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest

from engine.accounts.accounts import create_user
from engine.db import transaction
from engine.dossiers import runner
from engine.dossiers.officers import claim_task
from engine.models import utcnow
from engine.procedures import procedures
from engine.scenario.scenario import all_scenarios

from ..conftest import DEMO_PASSWORD, PROCESSES, csrf_token, login
from ..helpers import pay_at_counter, task, work

MARITAL = all_scenarios()["marital_status"]
PERMIT = all_scenarios()["construction_permit"]
RECEIVE = {"reception_decision": "receive", "giay_to_da_nhan": ["to_khai", "giay_to_nhan_than"]}
QUEUE = "Bộ phận Một cửa · MOTCUA · Cấp Giấy xác nhận tình trạng hôn nhân"


@pytest.fixture
def deployed(sessions, people):
    with transaction(sessions) as s:
        procedures.deploy_path(s, PROCESSES, "test")
        create_user(s, "tiepnhan2", "Vũ Văn Bình", DEMO_PASSWORD, [("reception", "MOTCUA")])
    return sessions


def submit(sessions, days_ago: int, scenario=MARITAL) -> str:
    """A dossier at reception, submitted `days_ago` days ago (the older, the sooner due)."""
    with transaction(sessions) as s:
        code = runner.submit(s, scenario.procedure, scenario.application, actor="congdan",
                             applicant_user="congdan",
                             at=utcnow() - timedelta(days=days_ago)).code
    work(sessions)
    if scenario.procedure != MARITAL.procedure:  # a fee to pay before reception
        pay_at_counter(sessions, code)
    return code


def complete_on_page(client, task_id: int, data: dict):
    path = f"/can-bo/viec/{task_id}"
    return client.post(f"{path}/hoan-thanh", data={"csrf_token": csrf_token(client, path), **data})


def flashes(body: str) -> list[str]:
    return [unescape(m) for m in re.findall(r'<div class="flash">(.*?)</div>', body, re.S)]


def test_the_officer_goes_on_to_the_next_task_of_the_queue(app, deployed):
    sessions = deployed
    first, second = submit(sessions, 3), submit(sessions, 1)
    client = login(app.test_client(), "tiepnhan")
    r = complete_on_page(client, task(sessions, first, "reception").id, RECEIVE)
    following = task(sessions, second, "reception")
    assert r.status_code == 302 and r.headers["Location"] == f"/can-bo/viec/{following.id}"
    told = flashes(client.get(r.headers["Location"]).get_data(as_text=True))
    assert told[0].startswith(f"Đã hoàn thành bước “Tiếp nhận, kiểm tra hồ sơ” của hồ sơ {first}.")
    assert f'<a href="/can-bo/ho-so/{first}" data-handled>Xem lại hồ sơ {first}</a>' in told[0]
    assert told[1] == f"Tiếp theo: việc kế tiếp trong hàng việc “{QUEUE}”."

    r = complete_on_page(client, following.id, RECEIVE)
    assert r.status_code == 302 and r.headers["Location"] == "/can-bo/hop-viec"
    told = flashes(client.get("/can-bo/hop-viec").get_data(as_text=True))
    assert f"Xem lại hồ sơ {second}" in told[0]
    assert told[1] == f"Hàng việc “{QUEUE}” không còn việc nào chờ xử lý."


def test_claimed_tasks_come_first_then_the_earliest_due_never_a_colleague_s(app, deployed):
    sessions = deployed
    handled, colleague_s, oldest, claimed = (submit(sessions, d) for d in (5, 4, 3, 1))
    theirs, mine = task(sessions, colleague_s, "reception").id, task(sessions, claimed, "reception").id
    with transaction(sessions) as s:
        claim_task(s, theirs, "tiepnhan2")
        claim_task(s, mine, "tiepnhan")
    client = login(app.test_client(), "tiepnhan")
    r = complete_on_page(client, task(sessions, handled, "reception").id, RECEIVE)
    assert r.headers["Location"] == f"/can-bo/viec/{task(sessions, claimed, 'reception').id}"
    r = complete_on_page(client, task(sessions, claimed, "reception").id, RECEIVE)
    assert r.headers["Location"] == f"/can-bo/viec/{task(sessions, oldest, 'reception').id}"
    r = complete_on_page(client, task(sessions, oldest, "reception").id, RECEIVE)
    assert r.headers["Location"] == "/can-bo/hop-viec"  # the colleague's is left to them


def test_the_queue_is_of_one_procedure(app, deployed):
    sessions = deployed
    marital = submit(sessions, 1)
    permit = submit(sessions, 3, PERMIT)  # the same desk, sooner due, another procedure
    client = login(app.test_client(), "tiepnhan")
    assert permit in client.get("/can-bo/hop-viec").get_data(as_text=True)
    r = complete_on_page(client, task(sessions, marital, "reception").id, RECEIVE)
    assert r.headers["Location"] == "/can-bo/hop-viec"


def test_a_refused_completion_stays_on_the_task(app, deployed):
    sessions = deployed
    code, _ = submit(sessions, 2), submit(sessions, 1)
    reception = task(sessions, code, "reception")
    r = complete_on_page(login(app.test_client(), "tiepnhan"), reception.id,
                         {"reception_decision": "supplement"})
    assert r.status_code == 400 and "Bắt buộc nhập." in r.get_data(as_text=True)
    assert task(sessions, code, "reception").state == "open"
