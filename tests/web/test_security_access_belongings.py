"""An officer sees and acts on a dossier's belongings (refunds, shipments, register
entries, documents, slips, late marks) only where they may see the dossier itself:
a desk officer of another agency gets 403 on each, and lists leave those out."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from engine.accounts.accounts import create_user
from engine.db import transaction
from engine.documents.registers import number_for
from engine.dossiers import runner
from engine.models import Refund, Shipment
from engine.procedures import procedures
from engine.procedures.numbering import Numbering
from engine.scenario.scenario import all_scenarios

from ..conftest import DEMO_PASSWORD, PROCESSES, csrf_token, login
from ..helpers import complete, pay_at_counter, work

MARITAL = all_scenarios()["marital_status"]  # agency UBND-PHK, 15 000 đ at the counter
OTHER_DESK = "tiepnhan_pcg"  # the desk of UBND-PCG: construction permits only


@pytest.fixture
def deployed(sessions, people):
    with transaction(sessions) as s:
        procedures.deploy_path(s, PROCESSES, "test")
        create_user(s, OTHER_DESK, "Vũ Văn Cầu", DEMO_PASSWORD, [("reception", "UBND-PCG")])
    return sessions


def _refused_dossier(sessions) -> tuple[str, int]:
    """A counter dossier of UBND-PHK, paid in cash and refused: its refund is due."""
    with transaction(sessions) as s:
        code = runner.submit(s, "marital_status", MARITAL.application, actor="tiepnhan",
                             channel="counter").code
    work(sessions)
    pay_at_counter(sessions, code)
    [step] = MARITAL.paths["refuse"][:1]
    complete(sessions, code, step.element_id, step.data, step.actor)
    work(sessions)
    with transaction(sessions) as s:
        [refund] = s.scalars(select(Refund)).all()
        assert refund.status == "due"
        return code, refund.id


def _shipment(sessions, code: str) -> int:
    with transaction(sessions) as s:
        row = Shipment(idempotency_key=f"test:{code}", dossier_id=runner.get_dossier(s, code).id,
                       carrier="demo", tracking_number=f"DEMO{code[-4:]}", recipient="Nguyễn Văn An",
                       address="Số 5 phố Huế, Hà Nội", documents=[], status="created")
        s.add(row)
        s.flush()
        return row.id


def test_another_agencys_desk_cannot_hand_back_its_refund(app, deployed):
    code, refund_id = _refused_dossier(deployed)
    other = login(app.test_client(), OTHER_DESK)
    assert other.get(f"/can-bo/ho-so/{code}").status_code == 403
    response = other.post(f"/can-bo/hoan-tra/{refund_id}",
                          data={"csrf_token": csrf_token(other, "/can-bo/buu-gui")})
    assert response.status_code == 403
    with transaction(deployed) as s:
        assert s.get(Refund, refund_id).status == "due"
    own = login(app.test_client(), "tiepnhan")
    response = own.post(f"/can-bo/hoan-tra/{refund_id}",
                        data={"csrf_token": csrf_token(own, f"/can-bo/ho-so/{code}")})
    assert response.status_code == 302
    with transaction(deployed) as s:
        assert s.get(Refund, refund_id).status == "handed_back"


def test_another_agencys_desk_neither_sees_nor_marks_its_shipments(app, deployed):
    with transaction(deployed) as s:
        code = runner.submit(s, "marital_status", MARITAL.application, actor="congdan",
                             applicant_user="congdan").code
    shipment_id = _shipment(deployed, code)
    tracking = f"DEMO{code[-4:]}"
    other = login(app.test_client(), OTHER_DESK)
    assert tracking not in other.get("/can-bo/buu-gui").get_data(as_text=True)
    response = other.post(f"/can-bo/buu-gui/{shipment_id}/da-giao",
                          data={"csrf_token": csrf_token(other, "/can-bo/buu-gui")})
    assert response.status_code == 403
    with transaction(deployed) as s:
        assert s.get(Shipment, shipment_id).status == "created"
    own = login(app.test_client(), "tiepnhan")
    assert tracking in own.get("/can-bo/buu-gui").get_data(as_text=True)
    admin = login(app.test_client(), "admin")
    assert tracking in admin.get("/can-bo/buu-gui").get_data(as_text=True)


def test_registers_list_only_entries_of_dossiers_the_officer_may_see(app, deployed):
    with transaction(deployed) as s:
        code = runner.submit(s, "marital_status", MARITAL.application, actor="congdan",
                             applicant_user="congdan").code
        number_for(s, dossier_code=code, procedure_code="marital_status", agency="UBND-PHK",
                   numbering=Numbering("XNTTHN", "{number:02d}/XNTTHN"), on=date(2026, 3, 2))
    other = login(app.test_client(), OTHER_DESK)
    page = other.get("/can-bo/so-van-ban?nam=2026&so=UBND-PHK/XNTTHN").get_data(as_text=True)
    assert code not in page and "01/XNTTHN" not in page
    own = login(app.test_client(), "tiepnhan")
    page = own.get("/can-bo/so-van-ban?nam=2026&so=UBND-PHK/XNTTHN").get_data(as_text=True)
    assert code in page


@pytest.mark.parametrize(("method", "suffix"), [
    ("get", "/phieu/tiep-nhan"),
    ("get", "/phieu/kiem-soat"),
    ("get", "/xin-loi"),
    ("post", "/xin-loi"),
    ("post", "/se-tre-han"),
    ("get", "/phieu/xin-loi/1"),
    ("get", "/van-ban/" + "0" * 64),
    ("get", "/van-ban/" + "0" * 64 + "/kiem-tra"),
    ("get", "/tep/1"),
    ("post", "/thu-phi"),
])
def test_every_other_belonging_of_the_dossier_is_refused_too(app, deployed, method, suffix):
    with transaction(deployed) as s:
        code = runner.submit(s, "marital_status", MARITAL.application, actor="tiepnhan",
                             channel="counter").code
    other = login(app.test_client(), OTHER_DESK)
    token = csrf_token(other, "/can-bo/buu-gui")
    path = f"/can-bo/ho-so/{code}{suffix}"
    response = other.post(path, data={"csrf_token": token, "reason": "Thiếu hồ sơ gốc"}) \
        if method == "post" else other.get(path)
    assert response.status_code == 403, path


def test_a_dossier_of_its_own_agency_stays_open_to_the_other_desk(app, deployed):
    scenario = all_scenarios()["construction_permit"]
    with transaction(deployed) as s:
        code = runner.submit(s, "construction_permit", scenario.application, actor="congdan",
                             applicant_user="congdan").code
    other = login(app.test_client(), OTHER_DESK)
    assert other.get(f"/can-bo/ho-so/{code}").status_code == 200
    shipment_id = _shipment(deployed, code)
    assert f"DEMO{code[-4:]}" in other.get("/can-bo/buu-gui").get_data(as_text=True)
    response = other.post(f"/can-bo/buu-gui/{shipment_id}/da-giao",
                          data={"csrf_token": csrf_token(other, "/can-bo/buu-gui")})
    assert response.status_code == 302
