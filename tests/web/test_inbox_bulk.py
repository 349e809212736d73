"""Bulk actions in the inbox: claim several tasks in one go, each by the rule of the
single claim; the desk prints the receipts of several dossiers on one page."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import select

from engine.accounts.accounts import create_user
from engine.db import transaction
from engine.dossiers import runner
from engine.dossiers.officers import claim_task
from engine.models import Event, HumanTask
from engine.procedures import procedures
from engine.scenario.scenario import all_scenarios, drive

from ..conftest import DEMO_PASSWORD, PROCESSES, csrf_token, login
from ..helpers import complete, task, work

MARITAL = all_scenarios()["marital_status"]
RECEIVE = {"reception_decision": "receive", "giay_to_da_nhan": ["to_khai", "giay_to_nhan_than"]}


@pytest.fixture
def deployed(sessions, people):
    with transaction(sessions) as s:
        procedures.deploy_path(s, PROCESSES, "test")
        create_user(s, "tiepnhan2", "Vũ Văn Bình", DEMO_PASSWORD, [("reception", "MOTCUA")])
        create_user(s, "tiepnhan_hbt", "Vũ Thị Hằng", DEMO_PASSWORD,
                    [("reception", "UBND-HBT")])
    return sessions


def submit(sessions) -> str:
    with transaction(sessions) as s:
        code = runner.submit(s, "marital_status", MARITAL.application, actor="congdan",
                             applicant_user="congdan").code
    work(sessions)
    return code


def claim_many(client, ids: list[int]):
    return client.post("/can-bo/hop-viec/nhan", data={
        "csrf_token": csrf_token(client, "/can-bo/hop-viec"), "task": [str(i) for i in ids]})


def flashes(client, path: str) -> list[str]:
    body = client.get(path).get_data(as_text=True)
    return [unescape(m) for m in re.findall(r'<div class="flash">(.*?)</div>', body, re.S)]


def claims(sessions) -> list[tuple[str, int]]:
    with transaction(sessions) as s:
        return [(e.actor, e.payload["task"]) for e in s.scalars(
            select(Event).where(Event.type == "task_claimed").order_by(Event.id))]


def test_the_inbox_offers_a_box_for_each_task_nobody_has_claimed(app, deployed):
    sessions = deployed
    free, taken = submit(sessions), submit(sessions)
    with transaction(sessions) as s:
        claim_task(s, s.scalar(select(HumanTask.id).where(HumanTask.element_id == "reception")
                               .order_by(HumanTask.id.desc())), "tiepnhan")
    body = login(app.test_client(), "tiepnhan").get("/can-bo/hop-viec").get_data(as_text=True)
    rows = dict(re.findall(r'data-task="(\d+)">(.*?)</tr>', body, re.S))
    free_id, taken_id = task(sessions, free, "reception").id, task(sessions, taken, "reception").id
    assert f'name="task" value="{free_id}" form="claim-many"' in rows[str(free_id)]
    assert 'name="task"' not in rows[str(taken_id)]
    assert 'action="/can-bo/hop-viec/nhan"' in body and "Nhận xử lý các việc đã chọn" in body


def test_several_tasks_are_claimed_at_once(app, deployed):
    sessions = deployed
    codes = [submit(sessions) for _ in range(3)]
    ids = [task(sessions, c, "reception").id for c in codes]
    client = login(app.test_client(), "tiepnhan")
    r = claim_many(client, ids[:2])
    assert r.status_code == 302 and r.headers["Location"] == "/can-bo/hop-viec?tab=mine"
    assert [task(sessions, c, "reception").assignee for c in codes] == \
        ["tiepnhan", "tiepnhan", None]
    assert claims(sessions) == [("tiepnhan", ids[0]), ("tiepnhan", ids[1])]
    assert flashes(client, "/can-bo/hop-viec?tab=mine") == [
        f"Đã nhận xử lý 2 việc: {codes[0]}, {codes[1]}."]
    # claiming them again records nothing more
    claim_many(client, ids[:2])
    assert len(claims(sessions)) == 2


def test_each_claim_is_checked_like_a_single_claim(app, deployed):
    sessions = deployed
    mine, colleague_s, closed = submit(sessions), submit(sessions), submit(sessions)
    review_code = drive(sessions, MARITAL, "approve", steps=1)  # the specialist's task
    theirs = task(sessions, colleague_s, "reception").id
    with transaction(sessions) as s:
        claim_task(s, theirs, "tiepnhan2")
    closed_id = task(sessions, closed, "reception").id
    complete(sessions, closed, "reception", RECEIVE, actor="tiepnhan2")
    review_id = task(sessions, review_code, "review").id
    before = claims(sessions)
    client = login(app.test_client(), "tiepnhan")
    r = claim_many(client, [task(sessions, mine, "reception").id, theirs, closed_id, review_id,
                            999999])
    assert r.status_code == 302
    assert flashes(client, "/can-bo/hop-viec?tab=mine") == [
        f"Hồ sơ {colleague_s}: việc đã được Vũ Văn Bình nhận xử lý.",
        f"Hồ sơ {closed}: việc không còn chờ xử lý.",
        f"Đã nhận xử lý 1 việc: {mine}.",
        "2 việc không thuộc quyền xử lý của bạn hoặc không còn tồn tại; chưa nhận."]
    assert claims(sessions) == [*before, ("tiepnhan", task(sessions, mine, "reception").id)]
    assert task(sessions, colleague_s, "reception").assignee == "tiepnhan2"
    assert task(sessions, review_code, "review").assignee is None
    # the single claim says the same of the colleague's task
    path = f"/can-bo/viec/{theirs}"
    client.post(f"{path}/nhan", data={"csrf_token": csrf_token(client, "/can-bo/hop-viec")})
    assert "Việc này đã được Vũ Văn Bình nhận xử lý." in client.get(path).get_data(as_text=True)


def test_nothing_ticked_is_said_so(app, deployed):
    client = login(app.test_client(), "tiepnhan")
    r = claim_many(client, [])
    assert r.status_code == 302
    assert flashes(client, "/can-bo/hop-viec") == ["Chọn ít nhất một việc để nhận xử lý."]
    assert login(app.test_client(), "congdan").post("/can-bo/hop-viec/nhan").status_code in (400, 403)


def _article(body: str, code: str) -> str:
    found = re.search(rf'<article class="slip slip-receipt">(?:(?!</article>).)*?Mã hồ sơ: '
                      rf'<b>{code}</b>.*?</article>', body, re.S)
    assert found, code
    return found.group(0)


def test_the_desk_prints_the_receipts_of_several_dossiers_on_one_page(app, deployed):
    sessions = deployed
    codes = [submit(sessions) for _ in range(3)]
    for code in codes:
        complete(sessions, code, "reception", RECEIVE, actor="tiepnhan")
    work(sessions)
    client = login(app.test_client(), "tiepnhan")
    inbox = client.get("/can-bo/hop-viec").get_data(as_text=True)
    received = re.search(r'<section class="card received-today">.*?</section>', inbox, re.S)
    assert received and all(f'name="ma" value="{c}"' in received.group(0) for c in codes)
    assert 'action="/can-bo/giay-tiep-nhan"' in received.group(0)

    r = client.get(f"/can-bo/giay-tiep-nhan?ma={codes[2]}&ma={codes[0]}")
    body = r.get_data(as_text=True)
    assert r.status_code == 200
    assert body.count("<html") == 1 and body.count('<article class="slip slip-receipt">') == 2
    assert body.count("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ") == 2
    assert codes[1] not in body
    assert body.index(codes[2]) < body.index(codes[0])  # in the order chosen
    # each slip is the very slip of the dossier's own page
    for code in (codes[0], codes[2]):
        alone = client.get(f"/can-bo/ho-so/{code}/phieu/tiep-nhan").get_data(as_text=True)
        assert _article(alone, code) == _article(body, code)


def test_receipts_are_printed_only_for_dossiers_the_desk_sees(app, deployed):
    sessions = deployed
    code = submit(sessions)
    complete(sessions, code, "reception", RECEIVE, actor="tiepnhan")
    assert login(app.test_client(), "tiepnhan_hbt").get(
        f"/can-bo/giay-tiep-nhan?ma={code}").status_code == 403  # another agency's desk
    assert login(app.test_client(), "chuyenvien").get(
        f"/can-bo/giay-tiep-nhan?ma={code}").status_code == 403  # not the desk
    desk = login(app.test_client(), "tiepnhan")
    assert desk.get(f"/can-bo/giay-tiep-nhan?ma={code}&ma=KHONG-CO").status_code == 404
    r = desk.get("/can-bo/giay-tiep-nhan")
    assert r.status_code == 302
    assert flashes(desk, "/can-bo/hop-viec") == ["Chọn ít nhất một hồ sơ để in giấy tiếp nhận."]
