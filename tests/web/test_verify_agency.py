"""The web's side of "a result signed by another agency's officer": the leader is told at
approval that their certificate belongs to another agency, and /xac-minh says when a
document it issued carries a signature by another agency's officer."""

from __future__ import annotations

import hashlib
import html
import io

import pytest
from sqlalchemy import select

from connectors import organisation_keys
from engine.db import transaction
from engine.documents import blobs
from engine.models import Dossier, HumanTask, Job, SigningGrant
from engine.procedures import procedures
from engine.scenario.scenario import all_scenarios, drive
from signing import OfficerSpec, init_pki, load_pkcs12, sign_pdf

from ..conftest import HOAN_KIEM, PROCESSES, SIGNING_PASSPHRASE, csrf_token, login

PERMIT = all_scenarios()["construction_permit"]  # issued by phường Cầu Giấy
CAU_GIAY = "Ủy ban nhân dân phường Cầu Giấy"
APPROVE = {"leader_decision": "approve", "nguoi_ky": "Lê Quang Hải",
           "chuc_vu_nguoi_ky": "pho_chu_tich"}


@pytest.fixture
def deployed(sessions):
    with transaction(sessions) as s:
        procedures.deploy_path(s, PROCESSES, "test")
    return sessions


def test_a_leader_with_another_agencys_certificate_is_refused_at_approval(
        app, people, deployed, tmp_path, monkeypatch):
    folder = tmp_path / "pki-hk"  # the leader holds a certificate of phường Hoàn Kiếm only
    init_pki(folder, [OfficerSpec("Lê Quang Hải", HOAN_KIEM, SIGNING_PASSPHRASE,
                                  slug="lanhdao", key_type="ec-p256")])
    monkeypatch.setenv("MOTCUA_PKI", str(folder))
    organisation_keys.issue("UBND-PCG", CAU_GIAY)
    code = drive(deployed, PERMIT, "approve", steps=len(PERMIT.paths["approve"]) - 1)
    with transaction(deployed) as s:
        task = s.scalar(select(HumanTask).join(Dossier).where(
            Dossier.code == code, HumanTask.element_id == "approval"))
    leader = login(app.test_client(), "lanhdao")
    path = f"/can-bo/viec/{task.id}"
    r = leader.post(f"{path}/hoan-thanh", data={
        **APPROVE, "signing_passphrase": SIGNING_PASSPHRASE, "csrf_token": csrf_token(leader, path)})
    body = html.unescape(r.get_data(as_text=True))
    assert r.status_code == 400
    assert (f"Chứng thư số của bạn cấp cho {HOAN_KIEM}, không phải {CAU_GIAY} — cơ quan cấp "
            "văn bản này; không thể ký.") in body
    with transaction(deployed) as s:
        assert s.get(HumanTask, task.id).state == "open"  # nothing recorded
        assert not s.scalars(select(SigningGrant)).all()


def test_xac_minh_says_which_signer_is_of_another_agency(app, deployed, signing_pki, people):
    code = drive(deployed, PERMIT, "approve")
    public = app.test_client()
    body = html.unescape(public.get(f"/xac-minh?ma={code}").get_data(as_text=True))
    assert "mọi chữ ký số đều hợp lệ" in body and "cơ quan khác" not in body

    # a permit of phường Cầu Giấy signed with the leader's Hoàn Kiếm certificate, as the
    # system once issued it
    with transaction(deployed) as s:
        job = s.scalars(select(Job).join(Dossier).where(
            Dossier.code == code, Job.operator == "result.sign").order_by(Job.id)).first()
        unsigned = blobs.get(job.result["unsigned_document"])
        signer = load_pkcs12(signing_pki / "officers" / "lanhdao.p12", SIGNING_PASSPHRASE)
        forged = sign_pdf(unsigned, signer, level="B-B", field=job.result["field"]).pdf
        job.result = {**job.result, "document": blobs.put(forged)}
    token = csrf_token(public, "/xac-minh")
    r = public.post("/xac-minh", data={"csrf_token": token, "tep": (io.BytesIO(forged), "gp.pdf")},
                    content_type="multipart/form-data")
    body = html.unescape(r.get_data(as_text=True))
    assert r.status_code == 200 and "trùng khớp từng byte" in body
    assert (f"Văn bản có chữ ký của người thuộc cơ quan khác, không phải {CAU_GIAY}"
            in body)
    assert f"Chữ ký của người thuộc {HOAN_KIEM}, không phải {CAU_GIAY}" in body
    assert "KHÔNG HỢP LỆ" in body and "mọi chữ ký số đều hợp lệ" not in body

    # the officers' and auditors' check of the same stored document says it too
    auditor = login(app.test_client(), "kiemtoan")
    sha256 = hashlib.sha256(forged).hexdigest()
    r = auditor.get(f"/can-bo/ho-so/{code}/van-ban/{sha256}/kiem-tra")
    body = html.unescape(r.get_data(as_text=True))
    assert r.status_code == 200, body[:500]
    assert f"Chữ ký của người thuộc {HOAN_KIEM}, không phải {CAU_GIAY}" in body
