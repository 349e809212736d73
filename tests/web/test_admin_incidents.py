"""Incidents for administrators (/quan-tri/su-co): real incidents raised by the worker on
dossiers of the mini bundle, listed newest first with their step and traceback, retried
from the page; officers read one plain line on the dossier page instead."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.accounts.accounts import create_user
from engine.db import transaction
from engine.models import Dossier, Incident, Job
from engine.outbox.outbox import record_failure
from engine.outbox.worker import run_once
from engine.procedures import operators
from web.formats import VN

from ..conftest import DEMO_PASSWORD, FIXTURES, at, csrf_token, login
from ..helpers import deploy, submit

APP = {"ho_ten": "Lê Văn Cường", "so_dinh_danh": "001099000222"}
T0 = at("2026-03-02 09:00")
PAGE = "/quan-tri/su-co"


@pytest.fixture
def mini(sessions, people):
    deploy(sessions, FIXTURES / "mini")
    with transaction(sessions) as s:  # the mini procedure's desk
        create_user(s, "tiepnhan_tp", "Ngô Thị Mai", DEMO_PASSWORD, [("reception", "TUPHAP")])
    return sessions


@pytest.fixture
def fee_handler():
    """fee.collect as the test sets it; the real handler is put back afterwards."""
    saved = operators.handler_for("fee.collect")
    yield
    if operators.handler_for("fee.collect") is not None:
        operators.unregister("fee.collect")
    operators.register("fee.collect")(saved)


def _gateway_down(ctx):
    raise RuntimeError("cổng thanh toán trả lời 502")


def _incident_of(sessions, code: str) -> Incident | None:
    with transaction(sessions) as s:
        return s.scalar(select(Incident).join(Dossier, Dossier.id == Incident.dossier_id)
                        .where(Dossier.code == code).order_by(Incident.id.desc()))


def _failing_dossier(sessions, start) -> tuple[str, Incident]:
    """A dossier whose fee.collect handler raises on every try, run by the worker until
    its job runs out of tries and becomes an incident."""
    operators.register("fee.collect")(_gateway_down)
    code = submit(sessions, "mini", APP, start)
    for hour in range(12):
        run_once(sessions, clock=lambda t=start + timedelta(hours=hour): t)
        incident = _incident_of(sessions, code)
        if incident is not None:
            return code, incident
    raise AssertionError("the failing job never became an incident")


def _unhandled_dossier(sessions, start) -> tuple[str, Incident]:
    """A dossier whose fee.collect has no handler at all: an incident at once, with no
    traceback."""
    if operators.handler_for("fee.collect") is not None:
        operators.unregister("fee.collect")
    code = submit(sessions, "mini", APP, start)
    run_once(sessions, clock=lambda: start)
    incident = _incident_of(sessions, code)
    assert incident is not None
    return code, incident


def _section(html: str, section_id: str) -> str:
    match = re.search(rf'<section[^>]*id="{section_id}"[^>]*>(.*?)</section>', html, re.S)
    assert match, f"no section {section_id}"
    return match.group(1)


def _article(html: str, incident_id: int) -> str | None:
    match = re.search(rf'<article[^>]*id="incident-{incident_id}"[^>]*>(.*?)</article>', html, re.S)
    return match.group(1) if match else None


def _job_status(sessions, job_id: int) -> str:
    with transaction(sessions) as s:
        return s.scalar(select(Job.status).where(Job.id == job_id))


def test_admin_sees_open_incidents_newest_first_with_step_and_traceback(app, mini, fee_handler):
    failing, broken = _failing_dossier(mini, T0)
    unhandled, missing = _unhandled_dossier(mini, T0 + timedelta(days=1))
    assert broken.source == "job" and broken.element_id == "collect"

    client = login(app.test_client(), "admin")
    page = client.get(PAGE)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    listed = _section(html, "open-incidents")
    assert "Đang mở (2)" in listed
    assert listed.index(unhandled) < listed.index(failing)  # newest first

    first = _article(listed, broken.id)
    assert first is not None
    assert f'href="/can-bo/ho-so/{failing}"' in first
    assert "Thủ tục thử nghiệm" in first  # the procedure's name
    assert "Thu phí" in first and "<code>collect</code>" in first  # the step, and its id
    assert "Dịch vụ fee.collect" in first
    assert "RuntimeError: cổng thanh toán trả lời 502" in first
    details = re.search(r"<details([^>]*)>(.*?)</details>", first, re.S)
    assert details, "the traceback is in a details element"
    assert "open" not in details.group(1)  # collapsed
    assert "Traceback (most recent call last)" in details.group(2)
    assert "_gateway_down" in details.group(2)
    assert ">Thử lại</button>" in first

    second = _article(listed, missing.id)
    assert second is not None
    assert "no handler registered for operator &#39;fee.collect&#39;" in second
    assert "<details" not in second  # nothing was raised: no traceback to show
    assert 'class="on" aria-current="page">Sự cố</a>' in html  # the admin menu


def test_the_page_is_in_english_too(app, mini, fee_handler):
    _failing_dossier(mini, T0)
    client = login(app.test_client(), "admin")
    client.get("/lang/en")
    html = client.get(PAGE).get_data(as_text=True)
    assert "Open (1)" in html and "Service fee.collect" in html
    assert "Show the traceback" in html and ">Retry</button>" in html


@pytest.mark.parametrize("username", ["chuyenvien", "tiepnhan", "kiemtoan", "congdan"])
def test_only_administrators_see_or_retry_incidents(app, mini, fee_handler, username):
    code, incident = _failing_dossier(mini, T0)
    client = login(app.test_client(), username)
    token = csrf_token(client, "/quan-tri/token")
    assert client.get(PAGE).status_code == 403
    answer = client.post(f"{PAGE}/{incident.id}/thu-lai", data={"csrf_token": token})
    assert answer.status_code == 403
    assert _job_status(mini, incident.job_id) == "incident"
    assert _incident_of(mini, code).resolved_at is None


def test_signed_out_visitors_are_sent_to_sign_in(app, mini):
    answer = app.test_client().get(PAGE)
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/login")


def test_retry_queues_the_job_again_and_the_incident_leaves_the_open_list(app, mini, fee_handler):
    code, incident = _failing_dossier(mini, T0)
    client = login(app.test_client(), "admin")
    token = csrf_token(client, PAGE)
    url = f"{PAGE}/{incident.id}/thu-lai"

    assert client.post(url, data={}).status_code == 400  # no CSRF token: refused
    assert _job_status(mini, incident.job_id) == "incident"

    answer = client.post(url, data={"csrf_token": token})
    assert answer.status_code == 302 and answer.headers["Location"] == PAGE
    with transaction(mini) as s:
        job = s.get(Job, incident.job_id)
        assert (job.status, job.attempts) == ("pending", 0)
        settled = s.get(Incident, incident.id)
        assert (settled.resolution, settled.resolved_by) == ("retried", "admin")

    html = client.get(PAGE).get_data(as_text=True)
    assert (f"Đã đưa lại công việc fee.collect của hồ sơ {code} vào hàng đợi"
            in html)  # the flash
    listed = _section(html, "open-incidents")
    assert _article(listed, incident.id) is None and code not in listed
    assert "Không có sự cố nào đang mở." in listed
    settled_rows = _section(html, "settled-incidents")
    assert code in settled_rows and "Thử lại — admin" in settled_rows

    again = client.post(url, data={"csrf_token": token})  # a second click changes nothing
    assert again.status_code == 302
    assert "đã được admin xử lý trước đó" in client.get(PAGE).get_data(as_text=True)
    assert _job_status(mini, incident.job_id) == "pending"

    # the handler works again: the worker finishes the job and the dossier goes on
    operators.unregister("fee.collect")
    operators.register("fee.collect")(lambda ctx: {"status": "waived", "amount": 0})
    assert run_once(mini).jobs_done == 1  # due from the moment of the retry
    assert _job_status(mini, incident.job_id) == "done"


def test_an_incident_of_a_persons_action_is_marked_resolved(app, mini, fee_handler):
    code, _ = _unhandled_dossier(mini, T0)
    with transaction(mini) as s:
        dossier_id = s.scalar(select(Dossier.id).where(Dossier.code == code))
    try:
        raise KeyError("ket_qua_tham_dinh")
    except KeyError as failure:
        incident = record_failure(mini, dossier_id, failure, "task_completed",
                                  element_id="receive")
    assert incident is not None
    client = login(app.test_client(), "admin")
    token = csrf_token(client, PAGE)
    article = _article(client.get(PAGE).get_data(as_text=True), incident.id)
    assert article is not None
    assert "Hoàn thành công việc" in article and "Tiếp nhận hồ sơ" in article
    assert ">Đánh dấu đã xử lý</button>" in article

    assert client.post(f"{PAGE}/{incident.id}/thu-lai",
                       data={"csrf_token": token}).status_code == 302
    html = client.get(PAGE).get_data(as_text=True)
    assert f"Đã đánh dấu sự cố #{incident.id} của hồ sơ {code} là đã xử lý." in html
    assert _article(html, incident.id) is None
    with transaction(mini) as s:
        assert s.get(Incident, incident.id).resolution == "resolved"


def test_an_unknown_incident_is_named_not_retried(app, mini):
    client = login(app.test_client(), "admin")
    token = csrf_token(client, PAGE)
    answer = client.post(f"{PAGE}/4242/thu-lai", data={"csrf_token": token, "trang": "3"})
    assert answer.status_code == 302 and answer.headers["Location"] == f"{PAGE}?trang=3"
    assert "Không có sự cố #4242." in client.get(PAGE).get_data(as_text=True)


def test_many_incidents_are_paged(app, mini, fee_handler):
    codes = [_unhandled_dossier(mini, T0 + timedelta(minutes=i))[0] for i in range(21)]
    client = login(app.test_client(), "admin")
    first = _section(client.get(PAGE).get_data(as_text=True), "open-incidents")
    second = _section(client.get(f"{PAGE}?trang=2").get_data(as_text=True), "open-incidents")
    assert codes[-1] in first and codes[0] not in first  # newest first, 20 a page
    assert codes[0] in second and codes[-1] not in second
    assert "Trang 1 / 2" in first and "Trang 2 / 2" in second
    assert client.get(f"{PAGE}?trang=0").status_code == 400


def test_officers_read_one_plain_line_on_the_dossier_page(app, mini, fee_handler):
    code, incident = _failing_dossier(mini, T0)
    since = incident.created_at.astimezone(VN).strftime("%d/%m/%Y %H:%M")
    assert since.startswith("02/03/2026 ")
    client = login(app.test_client(), "tiepnhan_tp")
    html = client.get(f"/can-bo/ho-so/{code}").get_data(as_text=True)
    assert (f"Hồ sơ đang gặp sự cố kỹ thuật ở bước «Thu phí» từ {since}; quản trị hệ thống "
            "đã được báo và sẽ xử lý.") in html
    assert "Traceback" not in html and "RuntimeError" not in html
    assert "/quan-tri/su-co" not in html  # the link is for administrators

    admin = login(app.test_client(), "admin")
    token = csrf_token(admin, PAGE)
    admin.post(f"{PAGE}/{incident.id}/thu-lai", data={"csrf_token": token})
    assert "sự cố kỹ thuật" not in client.get(f"/can-bo/ho-so/{code}").get_data(as_text=True)


def test_a_dossier_without_incident_has_no_such_line(app, mini):
    code = submit(mini, "mini", APP, T0)
    run_once(mini, clock=lambda: T0)  # the real fee.collect: nothing to pay online
    client = login(app.test_client(), "tiepnhan_tp")
    page = client.get(f"/can-bo/ho-so/{code}")
    assert page.status_code == 200
    assert "sự cố kỹ thuật" not in page.get_data(as_text=True)
