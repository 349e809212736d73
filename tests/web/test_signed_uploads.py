"""Applicants' own signed PDFs are checked on upload (web.signed_uploads): the applicant
sees at once who signed, whether the file is intact and the signer trusted, and why not;
officers see the same verdict beside the file; a document the procedure marks
`signed = true` takes only a file with a good PAdES signature, on the citizens' form,
through the API and at the counter, and a refused file loses nothing else."""

from __future__ import annotations

import html
import io
import re
import shutil

import pytest
from sqlalchemy import select

from engine.db import transaction
from engine.models import Attachment, Dossier
from engine.procedures import procedures

from ..conftest import PROCESSES, csrf_token, login
from ..signed_samples import BUSINESS, SIGNER
from . import test_api
from .test_api import APPLICATION
from .test_web_citizen import APPLY, draft_of, form_fields, post_apply

api, tokens = test_api.api, test_api.tokens  # the API client fixtures (procedures deployed)


@pytest.fixture
def deployed(sessions, people):
    with transaction(sessions) as s:
        procedures.deploy_path(s, PROCESSES, "test")
    return sessions


def require_signed_declaration(sessions, tmp_path) -> None:
    """Deploy a new version of the marital-status procedure whose declaration (to_khai)
    must be a signed file."""
    folder = tmp_path / "bundles"
    shutil.copytree(PROCESSES / "marital_status", folder / "marital_status")
    toml = folder / "marital_status" / "procedure.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.replace('code = "to_khai"\n', 'code = "to_khai"\nsigned = true\n', 1),
                    encoding="utf-8")
    with transaction(sessions) as s:
        procedures.deploy_path(s, folder, "test")


def verdict_box(page: str, attachment_id: int) -> str:
    found = re.search(rf'<div class="sigcheck [^"]*"[^>]*data-sigcheck="{attachment_id}">(.*?)</div>',
                      page, re.S)
    assert found, f"no verdict beside file {attachment_id}"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split())


def test_citizen_and_officer_see_the_verdict_beside_each_file(app, deployed, signed_samples):
    sessions = deployed
    citizen = login(app.test_client(), "congdan")
    r = post_apply(citizen, form_fields(APPLICATION), {
        "tep__to_khai": (signed_samples["valid"], "to-khai-da-ky.pdf"),
        "tep__giay_to_nhan_than": (signed_samples["modified"], "cccd.pdf")}, action="save")
    assert r.status_code == 302, r.get_data(as_text=True)[:800]
    draft = draft_of(sessions)
    with transaction(sessions) as s:
        kept = {a.document_code: (a.id, a.signature_check)
                for a in s.scalars(select(Attachment).filter_by(draft_id=draft.id))}
    (good_id, good), (bad_id, bad) = kept["to_khai"], kept["giay_to_nhan_than"]
    assert good["signatures"][0]["signer"] == SIGNER and good["signatures"][0]["trusted"]
    assert bad["signatures"][0]["reasons"] == ["modified"]

    page = citizen.get(f"{APPLY}?nhap={draft.id}").get_data(as_text=True)
    shown = verdict_box(page, good_id)
    for text in ("Chữ ký số hợp lệ", SIGNER, BUSINESS, "Nguyên vẹn", "Định dạng PAdES",
                 "Chứng thư số do tổ chức được công nhận cấp", "Đã kiểm tra tình trạng thu hồi"):
        assert text in shown, text
    assert re.search(r"ký lúc \d\d:\d\d \d\d/\d\d/\d{4}", shown)
    shown = verdict_box(page, bad_id)
    assert "Chữ ký số không hợp lệ" in shown and "Lý do: Tệp đã bị sửa sau khi ký" in shown

    r = citizen.post(f"/ho-so/nhap/{draft.id}/nop",
                     data={"csrf_token": csrf_token(citizen, f"/ho-so/nhap/{draft.id}/xem-lai")})
    assert r.status_code == 302
    with transaction(sessions) as s:
        code = s.scalars(select(Dossier.code)).one()
    officer = login(app.test_client(), "tiepnhan")
    page = officer.get(f"/can-bo/ho-so/{code}").get_data(as_text=True)
    assert "Tệp đã bị sửa sau khi ký" in verdict_box(page, bad_id)
    assert BUSINESS in verdict_box(page, good_id)
    english = login(app.test_client(), "congdan")
    english.get("/lang/en")
    page = english.get(f"/ho-so/{code}").get_data(as_text=True)
    assert "The file was modified after it was signed" in verdict_box(page, bad_id)


def test_a_document_that_must_be_signed_takes_only_a_good_signature(
        app, deployed, signed_samples, tmp_path):
    sessions = deployed
    require_signed_declaration(sessions, tmp_path)
    citizen = login(app.test_client(), "congdan")
    refused = {"untrusted": "Chứng thư số không do tổ chức được công nhận cấp",
               "cms": "Chữ ký không đúng định dạng PAdES",
               "unsigned": "Tệp không có chữ ký số",
               "modified": "Tệp đã bị sửa sau khi ký"}
    draft_id = None
    for sample, reason in refused.items():
        r = post_apply(citizen, form_fields(APPLICATION), {
            "tep__to_khai": (signed_samples[sample], f"{sample}.pdf"),
            "tep__giay_to_nhan_than": (signed_samples["unsigned"], "cccd.pdf")},
            draft=draft_id)
        page = html.unescape(r.get_data(as_text=True))
        assert r.status_code == 400 and reason in page, sample
        assert "Giấy tờ này phải là tệp PDF có chữ ký số hợp lệ" in page
        draft_id = draft_of(sessions).id
    with transaction(sessions) as s:  # the refused files are not kept; the others are
        kept = [a.document_code for a in s.scalars(select(Attachment).filter_by(
            draft_id=draft_id))]
    assert set(kept) == {"giay_to_nhan_than"}
    assert draft_of(sessions).data["ho_ten"] == APPLICATION["ho_ten"]
    r = post_apply(citizen, form_fields(APPLICATION), {
        "tep__to_khai": (signed_samples["valid"], "to-khai.pdf")}, draft=draft_id)
    assert r.status_code == 302 and "/xem-lai" in r.headers["Location"]

    from .test_web_officer import _walk_in_form

    desk = login(app.test_client(), "tiepnhan")
    path = "/can-bo/tiep-nhan-truc-tiep/marital_status"
    form = {**_walk_in_form(csrf_token(desk, path)),
            "doc.to_khai": (io.BytesIO(signed_samples["unsigned"]), "to-khai.pdf")}
    r = desk.post(path, data=form, content_type="multipart/form-data")
    assert r.status_code == 400 and "Tệp không có chữ ký số" in html.unescape(
        r.get_data(as_text=True))


def test_the_api_gives_the_verdict_and_refuses_an_unsigned_required_file(
        api, sessions, signed_samples, tmp_path):
    require_signed_declaration(sessions, tmp_path)
    draft = api("POST", "/drafts", "congdan",
                {"procedure": "marital_status", "application": APPLICATION}, status=201)

    def upload(document: str, sample: str):
        return api.client.post(f"/api/v1/drafts/{draft['id']}/attachments",
                               headers={"Authorization": f"Bearer {api.tokens['congdan']}"},
                               data={"document": document,
                                     "file": (io.BytesIO(signed_samples[sample]), "f.pdf")},
                               content_type="multipart/form-data")

    r = upload("to_khai", "cms")
    assert r.status_code == 400
    assert "Chữ ký không đúng định dạng PAdES" in r.get_json()["fields"]["file"][0]
    r = upload("to_khai", "valid")
    assert r.status_code == 201
    [signature] = r.get_json()["signatures"]["signatures"]
    assert (signature["signer"], signature["organisation"]) == (SIGNER, BUSINESS)
    assert signature["intact"] and signature["trusted"] and signature["pades"]
    test_api.conforms(api, r.get_json(), "Attachment")
    r = upload("giay_to_nhan_than", "unsigned")  # not required to be signed: kept, said so
    assert r.status_code == 201 and r.get_json()["signatures"]["reasons"] == ["unsigned"]
    listed = api("GET", f"/drafts/{draft['id']}", "congdan")
    assert listed["problems"] == {}
