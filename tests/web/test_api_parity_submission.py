"""Submitting through the JSON API is checked exactly as the citizens' form checks it:
the start form and every required document. Documents are uploaded to a draft, one file
at a time, checked by their content; POST /dossiers submits the draft once."""

from __future__ import annotations

import io

from sqlalchemy import select

from engine.db import transaction
from engine.models import Attachment, Dossier, Draft

from ..conftest import login
from . import test_api
from .test_api import APPLICATION, conforms
from .test_web_citizen import PDF, PNG

api, tokens = test_api.api, test_api.tokens  # the API client fixtures
REQUIRED = {"documents.to_khai", "documents.giay_to_nhan_than"}


def _upload(api, draft_id: int, document: str, content: bytes, filename: str,
            who: str = "congdan", status: int = 201) -> dict:
    r = api.client.post(f"/api/v1/drafts/{draft_id}/attachments",
                        headers={"Authorization": f"Bearer {api.tokens[who]}"},
                        data={"document": document, "file": (io.BytesIO(content), filename)},
                        content_type="multipart/form-data")
    assert r.status_code == status, r.get_data(as_text=True)[:500]
    assert r.is_json
    return r.get_json()


def _stored(sessions) -> tuple[int, int]:
    with transaction(sessions) as s:
        return len(s.scalars(select(Dossier)).all()), len(s.scalars(select(Draft)).all())


def test_a_submission_without_its_required_documents_is_refused(api, sessions):
    body = api("POST", "/dossiers", "congdan",
               {"procedure": "marital_status", "application": APPLICATION}, status=400)
    assert set(body["fields"]) == REQUIRED
    assert body["fields"]["documents.to_khai"] == ["Chưa đính kèm giấy tờ bắt buộc này."]
    conforms(api, body, "Error")
    assert _stored(sessions) == (0, 0)  # nothing half-stored
    # form problems and missing documents together, in the citizens' form's own words
    bad = {k: v for k, v in APPLICATION.items() if k != "ho_ten"}
    body = api("POST", "/dossiers", "congdan", {"procedure": "marital_status", "application": bad},
               status=400)
    assert set(body["fields"]) == REQUIRED | {"ho_ten"}
    assert body["fields"]["ho_ten"] == ["Bắt buộc nhập."]


def test_documents_uploaded_to_a_draft_go_with_the_submitted_dossier(api, sessions):
    draft = api("POST", "/drafts", "congdan",
                {"procedure": "marital_status", "application": APPLICATION}, status=201)
    conforms(api, draft, "Draft")
    assert set(draft["problems"]) == REQUIRED and draft["dossier"] is None
    body = api("POST", "/dossiers", "congdan", {"draft": draft["id"]}, status=400)
    assert set(body["fields"]) == REQUIRED
    first = _upload(api, draft["id"], "to_khai", PDF, "to-khai.pdf")
    conforms(api, first, "Attachment")
    assert first["document"] == "to_khai" and first["media_type"] == "application/pdf"
    _upload(api, draft["id"], "giay_to_nhan_than", PNG, "cccd.png")
    now = api("GET", f"/drafts/{draft['id']}", "congdan")
    assert now["problems"] == {} and [a["document"] for a in now["attachments"]] == [
        "to_khai", "giay_to_nhan_than"]
    dossier = api("POST", "/dossiers", "congdan", {"draft": draft["id"]}, status=201)
    conforms(api, dossier, "Dossier")
    again = api("POST", "/dossiers", "congdan", {"draft": draft["id"]}, status=200)
    assert again["code"] == dossier["code"]  # submitted once
    with transaction(sessions) as s:
        files = s.scalars(select(Attachment).join(Dossier).where(
            Dossier.code == dossier["code"]).order_by(Attachment.id)).all()
        assert [(f.document_code, f.filename) for f in files] == [
            ("to_khai", "to-khai.pdf"), ("giay_to_nhan_than", "cccd.png")]
    assert api("GET", f"/drafts/{draft['id']}", "congdan")["dossier"] == dossier["code"]
    _upload(api, draft["id"], "to_khai", PDF, "muon.pdf", status=409)  # too late


def test_uploads_are_checked_by_content_as_on_the_form(api):
    draft = api("POST", "/drafts", "congdan",
                {"procedure": "marital_status", "application": APPLICATION}, status=201)
    refused = _upload(api, draft["id"], "to_khai", b"chi la van ban", "gia.pdf", status=400)
    assert list(refused["fields"]) == ["file"] and "không phải PDF, JPEG hoặc PNG" in \
        refused["fields"]["file"][0]
    conforms(api, refused, "Error")
    refused = _upload(api, draft["id"], "khong_co", PDF, "a.pdf", status=400)
    assert list(refused["fields"]) == ["document"]
    assert api("GET", f"/drafts/{draft['id']}", "congdan")["attachments"] == []
    # another citizen's draft is not found, as an id that does not exist
    other = _upload(api, draft["id"], "to_khai", PDF, "a.pdf", who="congdan2", status=404)
    unknown = _upload(api, draft["id"] + 100, "to_khai", PDF, "a.pdf", status=404)
    assert other["error"] == unknown["error"]
    api("GET", f"/drafts/{draft['id']}", "congdan2", status=404)
    kept = _upload(api, draft["id"], "to_khai", PDF, "to-khai.pdf")
    r = api.client.delete(f"/api/v1/drafts/{draft['id']}/attachments/{kept['id']}",
                          headers={"Authorization": f"Bearer {api.tokens['congdan']}"})
    assert r.status_code == 204
    assert api("GET", f"/drafts/{draft['id']}", "congdan")["attachments"] == []


def test_the_web_and_the_api_refuse_the_same_draft_alike(api, app, sessions):
    draft = api("POST", "/drafts", "congdan",
                {"procedure": "marital_status", "application": APPLICATION}, status=201)
    web = login(app.test_client(), "congdan")
    r = web.get(f"/ho-so/nhap/{draft['id']}/xem-lai")  # the web's review sends it back
    assert r.status_code == 302 and f"nhap={draft['id']}" in r.headers["Location"]
    _upload(api, draft["id"], "to_khai", PDF, "to-khai.pdf")
    _upload(api, draft["id"], "giay_to_nhan_than", PNG, "cccd.png")
    page = web.get(f"/ho-so/nhap/{draft['id']}/xem-lai")
    assert page.status_code == 200 and "to-khai.pdf" in page.get_data(as_text=True)
    # the draft a citizen edits on the form lacks a document: the API refuses it too
    with transaction(sessions) as s:
        s.delete(s.scalars(select(Attachment).where(Attachment.document_code == "to_khai")).one())
    body = api("POST", "/dossiers", "congdan", {"draft": draft["id"]}, status=400)
    assert set(body["fields"]) == {"documents.to_khai"}


def test_a_nul_character_is_refused_with_its_field_not_a_database_error(api, sessions):
    bad = dict(APPLICATION, ho_ten="Nguyễn\x00Văn An")
    body = api("POST", "/drafts", "congdan", {"procedure": "marital_status", "application": bad},
               status=400)
    assert list(body["fields"]) == ["ho_ten"]
    body = api("POST", "/dossiers", "congdan", {"procedure": "marital_status", "application": bad},
               status=400)
    assert list(body["fields"]) == ["ho_ten"]
    draft = api("POST", "/drafts", "congdan",
                {"procedure": "marital_status", "application": APPLICATION}, status=201)
    refused = _upload(api, draft["id"], "to_khai", PDF, "to\x00khai.pdf", status=400)
    assert list(refused["fields"]) == ["file"]
    assert _stored(sessions) == (0, 1)
