"""result.render and result.sign for real: a PDF/A result with a QR code and a reserved
signature field, signed by the officer who approved (with the consent given by "sign
and approve"), checked by pyHanko and by poppler's pdfsig; every signing failure is a
retried job and then an incident, never an unsigned result passed on."""

from __future__ import annotations

import dataclasses
import io
import os
import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from prometheus_client import REGISTRY
from pyhanko.pdf_utils.reader import PdfFileReader
from sqlalchemy import select

from engine.accounts.signing_grants import open_grant
from engine.db import transaction
from engine.documents import blobs
from engine.dossiers import runner
from engine.models import Dossier, Event, HumanTask, Incident, Job, SigningGrant, utcnow
from engine.procedures import procedures
from engine.scenario.scenario import all_scenarios, drive
from signing import OfficerSpec, init_pki, load_pki, verify_pdf
from signing.certs import fingerprint

from ..conftest import PROCESSES, SIGNING_PASSPHRASE, csrf_token, login
from ..helpers import issue_expired_officer, work

SCENARIO = all_scenarios()["marital_status"]
IN_CI = bool(os.environ.get("CI"))


@pytest.fixture
def deployed(sessions):
    with transaction(sessions) as s:
        procedures.deploy_path(s, PROCESSES, "test")
    return sessions


def _jobs(sessions, code: str, operator: str) -> list[Job]:
    with transaction(sessions) as s:
        return list(s.scalars(select(Job).join(Dossier).where(
            Dossier.code == code, Job.operator == operator).order_by(Job.id)))


def _pdftotext(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-raw", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()


def _without_consent(scenario):
    steps = [dataclasses.replace(step, options={}) for step in scenario.paths["approve"]]
    return dataclasses.replace(scenario, paths={"approve": steps})


def _retry_until_settled(sessions, code: str) -> None:
    """Run the worker past every backoff until the sign job is done or an incident."""
    when = utcnow()
    for _ in range(8):
        when += timedelta(hours=2)
        work(sessions, when)
        job = _jobs(sessions, code, "result.sign")[0]
        if job.status in ("done", "incident"):
            return


def _signatures(outcome: str) -> float:
    return REGISTRY.get_sample_value("motcua_signatures_total",
                                     {"level": "B-LT", "outcome": outcome}) or 0.0


def test_the_result_is_a_pdfa_with_qr_and_a_signature_field_then_signed(deployed, signing_pki):
    made = _signatures("made")
    code = drive(deployed, SCENARIO, "approve")
    draft, final = (j.result for j in _jobs(deployed, code, "result.render"))
    assert draft["draft"] and "signature_field" not in draft
    assert "DỰ\nTHẢO" in _pdftotext(blobs.get(draft["document"]))
    assert final["media_type"] == "application/pdf" and final["pdf_variant"] == "PDF/A-2b"
    unsigned = blobs.get(final["document"])
    text = _pdftotext(unsigned)
    assert code in text and "GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN" in text and "Nguyễn Văn An" in text
    # the number is the agency register's next one, given at issue, not on the draft
    assert final["document_number"] == "01/XNTTHN" and final["register"] == "XNTTHN"
    assert "Số: 01/XNTTHN" in text and "document_number" not in draft
    assert "Số: ............/XNTTHN" in _pdftotext(blobs.get(draft["document"]))
    reader = PdfFileReader(io.BytesIO(unsigned))
    xmp = reader.root["/Metadata"].get_object().data  # PDF/A-2b identification, output intent
    assert b'pdfaid:part="2"' in xmp and b'pdfaid:conformance="B"' in xmp
    assert "/OutputIntents" in reader.root
    fonts = subprocess.run(["pdffonts", "-"], input=unsigned, capture_output=True).stdout.decode()
    assert all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:])  # all embedded

    signed_job = _jobs(deployed, code, "result.sign")[0]
    result = signed_job.result
    assert result["signed"] and result["level"] == "B-LT" and result["field"] == "LanhDao"
    assert _signatures("made") - made == len(_jobs(deployed, code, "result.sign"))  # counted
    assert result["signer"] == "lanhdao" and result["signer_name"] == "Lê Quang Hải"
    assert result["unsigned_document"] == final["document"]
    pdf = blobs.get(result["document"])
    assert pdf.startswith(unsigned)  # an incremental update of the rendered result
    report = verify_pdf(pdf, load_pki(signing_pki).trust())
    assert report.valid and report.signatures[0].pades_level == "B-LT"
    assert report.signatures[0].certificate_fingerprint == result["signer_fingerprint"]
    # the stamp says who signed, in Vietnamese, and extracts back unchanged
    assert "Người ký: Lê Quang Hải" in _pdftotext(pdf)
    with transaction(deployed) as s:
        dossier = runner.get_dossier(s, code)
        assert dossier.status == "returned"
        grant = s.scalars(select(SigningGrant).where(SigningGrant.dossier_id == dossier.id)).one()
        assert grant.used_by == signed_job.idempotency_key and grant.sealed_passphrase == b""
        events = [e for e in s.scalars(select(Event).where(
            Event.dossier_id == dossier.id)) if e.type == "service_completed"
            and e.payload.get("operator") == "result.sign"]
        recorded = events[0].payload["data"]
        assert recorded["document"] == result["document"]
        assert recorded["signer_fingerprint"] == result["signer_fingerprint"]
        # a retried job (say the worker died after signing) gets the same signature back
        assert open_grant(s, dossier.id, "lanhdao", signed_job.idempotency_key) == (None, result)


def test_the_agency_signs_over_the_leader_and_that_is_what_is_issued(deployed, signing_pki):
    code = drive(deployed, SCENARIO, "approve")
    leader, agency = (j.result for j in _jobs(deployed, code, "result.sign"))
    assert agency["signer"] == "coquan-ubnd-phk" and agency["organisation"] == "UBND-PHK"
    assert agency["signer_name"] == "Ủy ban nhân dân phường Hoàn Kiếm"
    assert agency["field"] == "CoQuan" and agency["level"] == "B-LT"
    assert agency["unsigned_document"] == leader["document"]
    issued = blobs.get(agency["document"])
    assert issued.startswith(blobs.get(leader["document"]))  # the leader's signature untouched
    report = verify_pdf(issued, load_pki(signing_pki).trust())
    assert report.valid and len(report.signatures) == 2
    assert [s.signer_name for s in report.signatures] == [
        "Lê Quang Hải", "Ủy ban nhân dân phường Hoàn Kiếm"]
    assert all(s.intact and s.trusted for s in report.signatures)
    text = _pdftotext(issued)
    # the agency's stamp names the agency and the time, not a person (Decree 30/2020)
    assert text.count("Người ký:") == 1 and "Người ký: Lê Quang Hải" in text
    assert "Cơ quan: Ủy ban nhân dân phường Hoàn Kiếm" in text
    [delivery] = _jobs(deployed, code, "result.deliver")
    assert delivery.result["documents"] == [agency["document"]]


def test_without_the_agency_key_nothing_is_issued(deployed, own_pki):
    code = drive(deployed, SCENARIO, "approve")
    leader, agency = _jobs(deployed, code, "result.sign")
    assert leader.status == "done" and agency.status == "pending"
    assert "UBND-PHK has no organisation signing key" in agency.last_error
    assert not _jobs(deployed, code, "result.deliver")


@pytest.mark.skipif(shutil.which("pdfsig") is None and not IN_CI,
                    reason="pdfsig missing (Debian package poppler-utils; CI installs it)")
def test_pdfsig_accepts_the_signed_result_and_catches_a_changed_byte(deployed, tmp_path):
    code = drive(deployed, SCENARIO, "approve")
    pdf = blobs.get(_jobs(deployed, code, "result.sign")[-1].result["document"])
    good = tmp_path / "ket-qua.pdf"
    good.write_bytes(pdf)
    out = subprocess.run(["pdfsig", "-nocert", str(good)], capture_output=True, text=True,
                         timeout=60).stdout
    assert out.count("Signature Validation: Signature is Valid.") == 2, out
    assert "Lê Quang Hải" in out and "Ủy ban nhân dân phường Hoàn Kiếm" in out
    tampered = bytearray(pdf)
    at = tampered.index(code.encode()) if code.encode() in tampered else len(pdf) // 3
    tampered[at + 1] ^= 0x01
    bad = tmp_path / "bi-sua.pdf"
    bad.write_bytes(bytes(tampered))
    out = subprocess.run(["pdfsig", "-nocert", str(bad)], capture_output=True, text=True,
                         timeout=60).stdout
    assert "Signature Validation: Signature is Valid." not in out


def test_without_consent_the_job_retries_then_becomes_an_incident(deployed):
    code = drive(deployed, _without_consent(SCENARIO), "approve")
    job = _jobs(deployed, code, "result.sign")[0]
    assert job.status == "pending" and "has not given consent" in job.last_error
    _retry_until_settled(deployed, code)
    job = _jobs(deployed, code, "result.sign")[0]
    assert job.status == "incident" and job.result is None
    assert not _jobs(deployed, code, "result.deliver")  # nothing unsigned went out
    with transaction(deployed) as s:
        assert runner.get_dossier(s, code).status == "in_progress"  # not "done": no result yet
        assert s.scalar(select(Incident.reason).where(Incident.job_id == job.id))


@pytest.fixture
def own_pki(tmp_path, monkeypatch):
    """A PKI this test may revoke in, with lanhdao's key."""
    folder = tmp_path / "own-pki"
    pki = init_pki(folder, [OfficerSpec("Lê Quang Hải", "Ủy ban nhân dân phường Hoàn Kiếm", SIGNING_PASSPHRASE,
                                        slug="lanhdao", key_type="ec-p256")])
    monkeypatch.setenv("MOTCUA_PKI", str(folder))
    return pki


def test_a_revoked_certificate_does_not_sign(deployed, own_pki):
    own_pki.revoke(own_pki.officer("lanhdao").certificate, "key_compromise")
    code = drive(deployed, SCENARIO, "approve")
    job = _jobs(deployed, code, "result.sign")[0]
    assert job.status == "pending" and "revoked" in job.last_error


def test_an_expired_certificate_does_not_sign(deployed, own_pki):
    (own_pki.folder / "officers" / "lanhdao.p12").unlink()
    issue_expired_officer(own_pki, "Lê Quang Hải", "Ủy ban nhân dân phường Hoàn Kiếm", SIGNING_PASSPHRASE,
                                  slug="lanhdao", key_type="ec-p256")
    code = drive(deployed, SCENARIO, "approve")
    job = _jobs(deployed, code, "result.sign")[0]
    assert job.status == "pending" and "valid only from" in job.last_error


def test_a_wrong_passphrase_in_the_consent_does_not_sign(deployed):
    steps = [dataclasses.replace(step, options={"consent_to_sign": "không đúng"})
             if step.options else step for step in SCENARIO.paths["approve"]]
    code = drive(deployed, dataclasses.replace(SCENARIO, paths={"approve": steps}), "approve")
    job = _jobs(deployed, code, "result.sign")[0]
    assert job.status == "pending" and "signing failed" in job.last_error


# -- web: sign and approve, documents, public verification ------------------------------

def _officer(app, username):
    from ..conftest import login

    return login(app.test_client(), username)


def test_leader_must_give_a_correct_passphrase_to_approve(app, people, deployed):
    code = drive(deployed, SCENARIO, "approve", steps=2)
    with transaction(deployed) as s:
        task = s.scalar(select(HumanTask).join(Dossier).where(
            Dossier.code == code, HumanTask.element_id == "approval"))
    leader = _officer(app, "lanhdao")
    path = f"/can-bo/viec/{task.id}"
    body = leader.get(path).get_data(as_text=True)
    draft = re.search(r'href="(/can-bo/ho-so/[^"]+/van-ban/[0-9a-f]{64})"', body).group(1)
    r = leader.get(draft)
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    data = {"leader_decision": "approve", "nguoi_ky": "Lê Quang Hải",
            "chuc_vu_nguoi_ky": "pho_chu_tich", "csrf_token": csrf_token(leader, path)}
    r = leader.post(f"{path}/hoan-thanh", data={**data, "signing_passphrase": "sai"})
    assert r.status_code == 400 and "Mật khẩu khóa ký số không đúng." in r.get_data(as_text=True)
    r = leader.post(f"{path}/hoan-thanh", data=data)
    assert r.status_code == 400 and "Nhập mật khẩu khóa ký số" in r.get_data(as_text=True)
    with transaction(deployed) as s:
        assert s.get(HumanTask, task.id).state == "open"  # nothing recorded
        assert not s.scalars(select(SigningGrant)).all()
    # an officer without a key is told so, and cannot approve
    specialist = _officer(app, "chuyenvien_qldt")
    assert specialist.get(path).status_code in (403, 404)  # not theirs anyway
    r = leader.post(f"{path}/hoan-thanh", data={**data, "signing_passphrase": SIGNING_PASSPHRASE})
    assert r.status_code == 302
    with transaction(deployed) as s:
        grant = s.scalars(select(SigningGrant)).one()
        assert SIGNING_PASSPHRASE.encode() not in grant.sealed_passphrase
    work(deployed)
    body = leader.get(f"/can-bo/ho-so/{code}").get_data(as_text=True)
    assert "Bản đã ký số" in body and "Dự thảo" in body and "PAdES B-LT" in body
    check = re.search(r'href="(/can-bo/ho-so/[^"]+/kiem-tra)"', body).group(1)
    assert "mọi chữ ký số đều hợp lệ" in leader.get(check).get_data(as_text=True)


def test_anyone_can_verify_a_result_by_code_or_by_upload(app, deployed):
    code = drive(deployed, SCENARIO, "approve")
    pdf = blobs.get(_jobs(deployed, code, "result.sign")[-1].result["document"])  # as issued
    public = app.test_client()
    body = public.get(f"/xac-minh?ma={code}").get_data(as_text=True)
    assert "mọi chữ ký số đều hợp lệ" in body and "Lê Quang Hải" in body
    assert "Chữ ký số 2 · của cơ quan" in body and "<dd>01/XNTTHN</dd>" in body
    assert "Nguyễn Văn An" not in body and "001094012345" not in body  # nothing of the applicant

    def upload(data: bytes, name: str = "ket-qua.pdf"):
        token = csrf_token(public, "/xac-minh")
        return public.post("/xac-minh", data={"csrf_token": token, "tep": (io.BytesIO(data), name)},
                           content_type="multipart/form-data")

    r = upload(pdf)
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and "trùng khớp từng byte" in body and "HỢP LỆ" in body
    tampered = bytearray(pdf)
    tampered[pdf.index(b"/Contents") - 40] ^= 0x01
    body = upload(bytes(tampered)).get_data(as_text=True)
    assert "không trùng với văn bản nào" in body and "KHÔNG HỢP LỆ" in body
    r = upload(b"GIF89a not a pdf", "anh.pdf")
    assert r.status_code == 400 and "Tệp không phải là PDF." in r.get_data(as_text=True)
    body = public.get("/xac-minh?ma=UBND-PHK-000000-9999").get_data(as_text=True)
    assert "Không có văn bản kết quả đã ký số nào mang mã hồ sơ này." in body


def test_the_register_lists_each_number_given_and_the_dossier_page_shows_it(app, people, deployed):
    first, second = (drive(deployed, SCENARIO, "approve") for _ in range(2))
    leader = _officer(app, "lanhdao")
    body = leader.get("/can-bo/so-van-ban").get_data(as_text=True)
    rows = re.findall(r'<tr data-number="(\d+)">.*?<b>([^<]+)</b>.*?>(UBND-PHK-[0-9-]+)</a>', body, re.S)
    assert rows == [("2", "02/XNTTHN", second), ("1", "01/XNTTHN", first)]
    assert "Sổ XNTTHN của UBND-PHK, năm" in body and "2 số đã cấp." in body
    assert "XNTTHN · UBND-PHK — Cấp Giấy xác nhận tình trạng hôn nhân</option>" in body
    # the signed versions carry the number of the rendering they sign
    page = leader.get(f"/can-bo/ho-so/{second}").get_data(as_text=True)
    assert page.count("Số 02/XNTTHN") == 3  # final, leader-signed, agency-signed
    empty = leader.get("/can-bo/so-van-ban?nam=2001").get_data(as_text=True)
    assert "Chưa có văn bản nào được cấp số trong năm 2001." in empty
    leader.get("/lang/en")
    assert "Register of issued results" in leader.get("/can-bo/so-van-ban").get_data(as_text=True)
    citizen = app.test_client()
    login(citizen, "congdan")
    assert citizen.get("/can-bo/so-van-ban").status_code == 403


def test_pki_commands_init_issue_list_and_revoke(db_url, sessions, people, tmp_path, monkeypatch):
    from web.cli import main

    monkeypatch.setenv("MOTCUA_DATABASE_URL", db_url)
    monkeypatch.setenv("MOTCUA_PKI", str(tmp_path / "cli-pki"))
    cli = CliRunner()
    out = cli.invoke(main, ["pki", "init"])
    assert out.exit_code == 0 and "TSA, OCSP and CRLs" in out.output
    out = cli.invoke(main, ["pki", "issue", "lanhdao", "--organisation", "UBND phường Hoàn Kiếm",
                            "--passphrase-stdin"], input="ngắn\n")
    assert out.exit_code == 1 and "at least 8" in out.output
    out = cli.invoke(main, ["pki", "issue", "lanhdao", "--organisation", "UBND phường Hoàn Kiếm",
                            "--title", "Phó Chủ tịch", "--passphrase-stdin"],
                     input="mật khẩu dài đủ\n")
    assert out.exit_code == 0, out.output
    assert Path(tmp_path / "cli-pki" / "officers" / "lanhdao.p12").exists()
    # one more agency the officer signs for: a key of its own, named after the agency
    out = cli.invoke(main, ["pki", "issue", "lanhdao", "--organisation",
                            "Ủy ban nhân dân phường Cầu Giấy", "--agency", "UBND-PCG",
                            "--passphrase-stdin"], input="mật khẩu dài đủ\n")
    assert out.exit_code == 0 and "lanhdao@ubnd-pcg" in out.output, out.output
    assert Path(tmp_path / "cli-pki" / "officers" / "lanhdao@ubnd-pcg.p12").exists()
    assert cli.invoke(main, ["pki", "issue", "khongco", "--organisation", "X",
                             "--passphrase-stdin"], input="mật khẩu dài đủ\n").exit_code == 1
    out = cli.invoke(main, ["pki", "organisation", "UBND-PHK", "--name",
                            "Ủy ban nhân dân phường Hoàn Kiếm"])
    assert out.exit_code == 0 and "coquan-ubnd-phk.p12" in out.output, out.output
    again = cli.invoke(main, ["pki", "organisation", "UBND-PHK", "--name", "X"])
    assert again.exit_code == 0 and "already has a key" in again.output
    out = cli.invoke(main, ["pki", "list"])
    assert "lanhdao" in out.output and "valid" in out.output
    assert "coquan-ubnd-phk" in out.output and "Ủy ban nhân dân phường Hoàn Kiếm" in out.output
    out = cli.invoke(main, ["pki", "revoke", "lanhdao", "--reason", "superseded"])
    assert out.exit_code == 0 and "revoked" in out.output
    assert "revoked" in cli.invoke(main, ["pki", "list"]).output


def test_the_agency_signs_with_its_key_on_a_token(db_url, deployed, own_pki, tmp_path,
                                                   monkeypatch):
    """An agency whose key lives on a PKCS#11 token (SoftHSM2 standing in for an HSM):
    'motcua pki organisation --pkcs11-module' checks the PIN opens it, and the issued
    result carries the token's signature."""
    from cryptography.hazmat.primitives.serialization import pkcs12

    from connectors import organisation_keys
    from web.cli import main

    from ..signing.softhsm import PIN, token_with_key

    issued = own_pki.issue_officer("Ủy ban nhân dân phường Hoàn Kiếm",
                                   "Ủy ban nhân dân phường Hoàn Kiếm", "tam-thoi",
                                   slug="coquan-tren-token", key_type="rsa-2048")
    key, cert, _ = pkcs12.load_key_and_certificates(issued.pkcs12_path.read_bytes(), b"tam-thoi")
    module = token_with_key(tmp_path, monkeypatch, key, cert, "ubnd-phk", "ky-so-co-quan")
    issued.pkcs12_path.unlink()  # from now on the key exists only on the token
    monkeypatch.setenv("MOTCUA_DATABASE_URL", db_url)
    command = ["pki", "organisation", "UBND-PHK", "--pkcs11-module", str(module),
               "--token", "ubnd-phk", "--key-label", "ky-so-co-quan", "--pin-stdin"]
    refused = CliRunner().invoke(main, command, input="000000\n")
    assert refused.exit_code == 1 and "PIN" in refused.output
    assert not organisation_keys.has_key("UBND-PHK")
    result = CliRunner().invoke(main, command, input=f"{PIN}\n")
    assert result.exit_code == 0, result.output
    assert PIN not in organisation_keys.token_path("UBND-PHK").read_text()  # sealed, not clear

    code = drive(deployed, SCENARIO, "approve")
    leader, agency = (j.result for j in _jobs(deployed, code, "result.sign"))
    assert agency["signed"] and agency["signer_fingerprint"] == fingerprint(cert)
    report = verify_pdf(blobs.get(agency["document"]), own_pki.trust())
    assert report.valid and [s.signer_name for s in report.signatures] == [
        "Lê Quang Hải", "Ủy ban nhân dân phường Hoàn Kiếm"]
    # the PIN changed on the token but not here: a retried job, never an unsigned result
    organisation_keys.use_token("UBND-PHK", str(module), "ubnd-phk", "ky-so-co-quan", "999999")
    later = drive(deployed, SCENARIO, "approve")
    job = _jobs(deployed, later, "result.sign")[1]
    assert job.status == "pending" and "PIN" in job.last_error
