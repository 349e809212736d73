"""Kept messages for administrators (/quan-tri/thong-diep): real messages no dossier of
the conformance bundle `message` waited for, listed newest first with their keys and
payload, sent again from the page once a dossier waits for them; what dossiers wait for
is listed under them."""

from __future__ import annotations

import html as entities
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.db import transaction
from engine.dossiers import messages
from engine.models import Message

from ..conftest import at, csrf_token, login
from ..helpers import bpmn_bundle, complete, deploy, dossier, submit

APP = {"ho_ten": "Vũ Thị Mai", "so_dinh_danh": "001099000444"}
ANSWER = {"opinion": "Đồng ý", "agency": "Phòng Tài nguyên và Môi trường"}
T0 = at("2026-03-02 09:00")
PAGE = "/quan-tri/thong-diep"


@pytest.fixture
def bundle(sessions, people, tmp_path):
    """The conformance diagram tests/fixtures/bpmn/message.bpmn, deployed."""
    deploy(sessions, bpmn_bundle(tmp_path, "message"))
    return "message"


def send(sessions, name: str, correlation: dict[str, str], payload=None, when=T0) -> Message:
    with transaction(sessions) as s:
        return messages.receive(s, name, correlation, payload or {}, source="api:so_tnmt",
                                at=when)


def status_of(sessions, message_id: int) -> str:
    with transaction(sessions) as s:
        return s.scalar(select(Message.status).where(Message.id == message_id))


def _section(page: str, section_id: str) -> str:
    match = re.search(rf'<section[^>]*id="{section_id}"[^>]*>(.*?)</section>', page, re.S)
    assert match, f"no section {section_id}"
    return match.group(1)


def _article(page: str, message_id: int) -> str | None:
    match = re.search(rf'<article[^>]*id="message-{message_id}"[^>]*>(.*?)</article>', page,
                      re.S)
    return match.group(1) if match else None


def test_admin_sees_kept_messages_newest_first_and_what_dossiers_wait_for(app, sessions, bundle):
    code = submit(sessions, bundle, APP, T0)
    early = send(sessions, "supplement_received", {"dossier_code": code}, when=T0)
    stray = send(sessions, "consult_answer", {"reference": "CV-KHONG-CO"}, ANSWER,
                 when=T0 + timedelta(minutes=5))
    assert (early.status, stray.status) == ("uncorrelated", "uncorrelated")

    client = login(app.test_client(), "admin")
    answer = client.get(PAGE)
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    kept = _section(page, "kept-messages")
    assert "Đang giữ (2)" in kept
    assert kept.index(f'id="message-{stray.id}"') < kept.index(f'id="message-{early.id}"')

    first = _article(kept, stray.id)
    assert first is not None
    assert "<code>consult_answer</code>" in first and "<code>api:so_tnmt</code>" in first
    assert "<code>reference</code> = <code>CV-KHONG-CO</code>" in first
    assert "09:05 02/03/2026" in first  # when it came, in Vietnam time
    assert "Không có hồ sơ nào chờ thông điệp này với các khóa này." in first
    details = re.search(r"<details([^>]*)>(.*?)</details>", first, re.S)
    assert details, "the payload is in a details element"
    assert "open" not in details.group(1)  # collapsed
    assert '\n  "opinion": "Đồng ý"\n' in entities.unescape(details.group(2))  # pretty JSON
    assert ">Gửi lại</button>" in first
    second = _article(kept, early.id)
    assert second is not None and f"<code>dossier_code</code> = <code>{code}</code>" in second

    waits = _section(page, "message-waits")
    row = re.search(r"<tr data-wait[^>]*>(.*?)</tr>", waits, re.S)
    assert row, "the dossier waiting for the consultation's answer is listed"
    assert f'href="/can-bo/ho-so/{code}"' in row.group(1)
    assert "<code>wait_answer</code>" in row.group(1) and "<code>consult_answer</code>" in row.group(1)
    assert f"<code>CV-{code}</code>" in row.group(1) and "Thông điệp" in row.group(1)
    assert 'class="on" aria-current="page">Thông điệp</a>' in page  # the admin menu


def test_the_page_is_in_english_too(app, sessions, bundle):
    send(sessions, "supplement_received", {"dossier_code": "KHONG-CO"})
    client = login(app.test_client(), "admin")
    client.get("/lang/en")
    page = client.get(PAGE).get_data(as_text=True)
    assert "Kept (1)" in page and "No dossier waits for this message with these keys." in page
    assert "Show the payload" in page and ">Send again</button>" in page
    assert "No dossier is waiting for a message or a signal." in page


@pytest.mark.parametrize("username", ["chuyenvien", "tiepnhan", "kiemtoan", "congdan"])
def test_only_administrators_see_or_send_again(app, sessions, bundle, username):
    code = submit(sessions, bundle, APP, T0)
    kept = send(sessions, "supplement_received", {"dossier_code": code})
    send(sessions, "consult_answer", {"dossier_code": code}, ANSWER)
    complete(sessions, code, "review", {"decision": "approve"}, when=T0)  # now it waits
    client = login(app.test_client(), username)
    token = csrf_token(client, "/quan-tri/token")
    assert client.get(PAGE).status_code == 403
    answer = client.post(f"{PAGE}/{kept.id}/gui-lai", data={"csrf_token": token})
    assert answer.status_code == 403
    assert status_of(sessions, kept.id) == "uncorrelated"


def test_signed_out_visitors_are_sent_to_sign_in(app, sessions, bundle):
    answer = app.test_client().get(PAGE)
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/login")


def test_send_again_delivers_once_the_dossier_waits(app, sessions, bundle):
    # the page sends again at the present moment: this dossier lives in the present too, so
    # that its two days' timer is not due when the message comes
    code = submit(sessions, bundle, APP)
    early = send(sessions, "supplement_received", {"dossier_code": code}, {"so_trang": 3},
                 when=None)
    client = login(app.test_client(), "admin")
    token = csrf_token(client, PAGE)
    url = f"{PAGE}/{early.id}/gui-lai"

    # too early: the dossier waits for the consultation, not for the supplement yet
    answer = client.post(url, data={"csrf_token": token})
    assert answer.status_code == 302 and answer.headers["Location"] == PAGE
    page = client.get(PAGE).get_data(as_text=True)
    assert "Vẫn chưa có hồ sơ nào chờ thông điệp này." in page
    assert _article(_section(page, "kept-messages"), early.id) is not None
    assert status_of(sessions, early.id) == "uncorrelated"

    send(sessions, "consult_answer", {"dossier_code": code}, ANSWER, when=None)
    complete(sessions, code, "review", {"decision": "approve"})
    waits = _section(client.get(PAGE).get_data(as_text=True), "message-waits")
    assert "<code>supplement_received</code>" in waits  # what it waits for now

    assert client.post(url, data={}).status_code == 400  # no CSRF token: refused
    assert status_of(sessions, early.id) == "uncorrelated"

    assert client.post(url, data={"csrf_token": token}).status_code == 302
    page = client.get(PAGE).get_data(as_text=True)
    assert f"Đã chuyển cho hồ sơ {code}." in page  # the flash
    kept = _section(page, "kept-messages")
    assert _article(kept, early.id) is None and "Không có thông điệp nào đang được giữ." in kept
    assert status_of(sessions, early.id) == "delivered"
    assert dossier(sessions, code).status == "done"

    client.post(url, data={"csrf_token": token})  # a second click changes nothing
    assert (f"Thông điệp #{early.id} đã được chuyển cho hồ sơ {code} trước đó."
            in client.get(PAGE).get_data(as_text=True))


def test_an_unknown_message_is_named(app, sessions, bundle):
    client = login(app.test_client(), "admin")
    token = csrf_token(client, PAGE)
    answer = client.post(f"{PAGE}/4242/gui-lai", data={"csrf_token": token, "trang": "3"})
    assert answer.status_code == 302 and answer.headers["Location"] == f"{PAGE}?trang=3"
    assert "Không có thông điệp #4242." in client.get(PAGE).get_data(as_text=True)


def test_many_kept_messages_are_paged(app, sessions, bundle):
    kept = [send(sessions, "consult_answer", {"reference": f"CV-{i}"},
                 when=T0 + timedelta(minutes=i)).id for i in range(21)]
    client = login(app.test_client(), "admin")
    first = _section(client.get(PAGE).get_data(as_text=True), "kept-messages")
    second = _section(client.get(f"{PAGE}?trang=2").get_data(as_text=True), "kept-messages")
    assert _article(first, kept[-1]) and not _article(first, kept[0])  # newest first, 20 a page
    assert _article(second, kept[0]) and not _article(second, kept[-1])
    assert "Trang 1 / 2" in first and "Trang 2 / 2" in second
    assert client.get(f"{PAGE}?trang=0").status_code == 400
