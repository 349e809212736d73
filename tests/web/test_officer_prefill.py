"""Officers' forms start from what the dossier holds (the application, earlier steps) and
the leader's name and title from the account; the leader's page puts the proposal and the
draft up front."""

from __future__ import annotations

import re

import pytest

from engine.db import transaction
from engine.procedures import procedures
from engine.scenario.scenario import all_scenarios, drive

from ..conftest import HOAN_KIEM, PROCESSES, SIGNING_PASSPHRASE, csrf_token, login
from ..helpers import complete, task, work

PERMIT = all_scenarios()["construction_permit"]
MARITAL = all_scenarios()["marital_status"]
REVIEW = dict(PERMIT.paths["approve"][3].data)
FROM_APPLICATION = "Điền sẵn từ hồ sơ: đơn, tờ khai"
FROM_ACCOUNT = "Điền sẵn từ tài khoản của bạn"


@pytest.fixture
def deployed(sessions, people):
    with transaction(sessions) as s:
        procedures.deploy_path(s, PROCESSES, "test")
    return sessions


def field(body: str, name: str) -> str:
    found = re.search(rf'data-field="{re.escape(name)}">.*?</div>', body, re.S)
    assert found, name
    return found.group(0)


def at_review(sessions) -> str:
    """A building permit whose design appraisal and site inspection are done."""
    return drive(sessions, PERMIT, "approve", steps=3)


def test_the_specialist_finds_the_figures_of_the_application_filled_in(app, deployed):
    code = at_review(deployed)
    review = task(deployed, code, "review")
    body = login(app.test_client(), "chuyenvien_qldt").get(
        f"/can-bo/viec/{review.id}").get_data(as_text=True)
    # the application's cong_trinh.* under the review's own names
    for name, value in (("dien_tich_xay_dung_m2", "55"), ("tong_dien_tich_san_m2", "275"),
                        ("so_tang", "5"), ("chieu_cao_m", "18.6")):
        shown = field(body, name)
        assert f'value="{value}"' in shown and FROM_APPLICATION in shown, name
    # no basement declared: nothing to fill; the opinion and the decision are the officer's
    assert 'value=""' in field(body, "so_tang_ham") and "prefilled" not in field(body, "so_tang_ham")
    opinion = field(body, "y_kien_tong_hop")
    assert "prefilled" not in opinion and re.search(r"<textarea[^>]*></textarea>", opinion)
    assert 'value=""' in field(body, "cot_nen_xay_dung")
    assert " chosen" not in body


def test_a_refused_form_shows_what_the_officer_sent_not_the_dossier(app, deployed):
    code = at_review(deployed)
    review = task(deployed, code, "review")
    client = login(app.test_client(), "chuyenvien_qldt")
    path = f"/can-bo/viec/{review.id}"
    r = client.post(f"{path}/hoan-thanh", data={
        "csrf_token": csrf_token(client, path), "review_decision": "approve",
        "y_kien_tong_hop": "Đủ điều kiện.", "so_tang": "7", "chieu_cao_m": ""})
    body = r.get_data(as_text=True)
    assert r.status_code == 400
    floors, height = field(body, "so_tang"), field(body, "chieu_cao_m")
    assert 'value="7"' in floors and "prefilled" not in floors
    # emptied on purpose: stays empty, and is demanded
    assert 'value=""' in height and "prefilled" not in height and "Bắt buộc nhập." in height
    # a field the officer did not send is still offered from the dossier
    area = field(body, "dien_tich_xay_dung_m2")
    assert 'value="55"' in area and FROM_APPLICATION in area


def test_a_step_done_again_starts_from_the_last_time_it_was_done(app, deployed):
    sessions = deployed
    code = at_review(sessions)
    corrected = {**REVIEW, "so_tang": 4, "chieu_cao_m": 15.2}
    complete(sessions, code, "review", corrected, actor="chuyenvien_qldt")
    work(sessions)
    complete(sessions, code, "approval", {"leader_decision": "return",
                                          "y_kien_lanh_dao": "Xem lại chỉ giới xây dựng."},
             actor="lanhdao")
    work(sessions)
    review = task(sessions, code, "review")
    body = login(app.test_client(), "chuyenvien_qldt").get(
        f"/can-bo/viec/{review.id}").get_data(as_text=True)
    earlier = "Điền sẵn từ hồ sơ: Tổng hợp, dự thảo giấy phép xây dựng"
    for name, value in (("so_tang", "4"), ("chieu_cao_m", "15.2"),
                        ("cot_nen_xay_dung", REVIEW["cot_nen_xay_dung"]),
                        ("mat_do_xay_dung_phan_tram", "88")):
        shown = field(body, name)
        assert f'value="{value}"' in shown and earlier in shown, name
    # what was written for that decision is written anew
    assert "Đủ điều kiện cấp phép." not in field(body, "y_kien_tong_hop")


def test_the_leader_s_name_comes_from_the_account(app, deployed):
    code = drive(deployed, MARITAL, "approve", steps=2)
    approval = task(deployed, code, "approval")
    body = login(app.test_client(), "lanhdao").get(
        f"/can-bo/viec/{approval.id}").get_data(as_text=True)
    signer = field(body, "nguoi_ky")
    assert 'value="Lê Quang Hải"' in signer and FROM_ACCOUNT in signer
    # the session's certificates carry no title: the officer chooses it
    title = field(body, "chuc_vu_nguoi_ky")
    assert "selected" not in title.replace('<option value="">', "") and "prefilled" not in title
    assert "prefilled" not in field(body, "y_kien_lanh_dao")


def test_the_leader_s_title_comes_from_the_signing_certificate(app, deployed, tmp_path,
                                                                monkeypatch):
    from signing import OfficerSpec, init_pki

    folder = tmp_path / "pki"
    init_pki(folder, [OfficerSpec("Lê Quang Hải", HOAN_KIEM, SIGNING_PASSPHRASE,
                                  title="Phó Chủ tịch", slug="lanhdao", key_type="ec-p256")])
    monkeypatch.setenv("MOTCUA_PKI", str(folder))
    code = drive(deployed, MARITAL, "approve", steps=2)
    approval = task(deployed, code, "approval")
    leader = login(app.test_client(), "lanhdao")
    path = f"/can-bo/viec/{approval.id}"
    body = leader.get(path).get_data(as_text=True)
    title = field(body, "chuc_vu_nguoi_ky")
    assert '<option value="pho_chu_tich" selected>' in title and FROM_ACCOUNT in title
    # the prefilled form, sent as shown, approves and signs
    r = leader.post(f"{path}/hoan-thanh", data={
        "csrf_token": csrf_token(leader, path), "leader_decision": "approve",
        "nguoi_ky": "Lê Quang Hải", "chuc_vu_nguoi_ky": "pho_chu_tich",
        "signing_passphrase": SIGNING_PASSPHRASE})
    assert r.status_code == 302


def test_the_leader_sees_the_proposal_and_the_draft_up_front(app, deployed):
    code = drive(deployed, MARITAL, "approve", steps=2)
    approval = task(deployed, code, "approval")
    body = login(app.test_client(), "lanhdao").get(
        f"/can-bo/viec/{approval.id}").get_data(as_text=True)
    card = re.search(r'<section class="card proposal".*?</section>', body, re.S)
    assert card, "no proposal on the approval page"
    proposal = card.group(0)
    opinion = MARITAL.paths["approve"][1].data["y_kien_tham_dinh"]
    for text in ("Đề xuất trình phê duyệt", "Trần Văn Minh", opinion,
                 "Chưa đăng ký kết hôn với ai", "Xem dự thảo văn bản (PDF)"):
        assert text in proposal, text
    assert "<details" not in proposal
    assert re.search(r'href="/can-bo/ho-so/[^"]+/van-ban/[0-9a-f]{64}"', proposal)
    # above the form and the dossier, not folded in the history below
    assert body.index("card proposal") < body.index('class="task-layout"')
    # a specialist's own page has no such card
    review_code = drive(deployed, MARITAL, "approve", steps=1)
    review = task(deployed, review_code, "review")
    page = login(app.test_client(), "chuyenvien").get(f"/can-bo/viec/{review.id}")
    assert "card proposal" not in page.get_data(as_text=True)

