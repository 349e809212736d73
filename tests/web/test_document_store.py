"""The citizen's document store on the web: the page (kinds, dossier codes, numbers,
dates), downloads and removal for the owner only, an issued result reused in a new
application and shown to officers as issued and verified, one that fails its check
refused; and the JSON API giving the same answers (web.submission is their one path)."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from engine.db import transaction
from engine.documents import store
from engine.models import Attachment, Dossier, Draft, RegisterEntry, StoredDocument
from engine.scenario.scenario import drive
from web.formats import vn_date

from ..conftest import csrf_token, login
from ..helpers import issued_result
from . import test_api
from .test_api import conforms
from .test_web_citizen import (
    APPLY,
    PDF,
    PNG,
    SCENARIO,
    deployed,  # noqa: F401  (fixture)
    draft_of,
    form_fields,
    post_apply,
    valid_files,
)

api, tokens = test_api.api, test_api.tokens  # the API client fixtures
PICK = "kho__giay_xac_nhan_da_cap"


def _upload(sessions, owner: str = "congdan", data: bytes = PNG) -> int:
    from engine.documents import blobs
    from engine.models import utcnow

    with transaction(sessions) as s:
        item = StoredDocument(owner=owner, origin="uploaded", kind="giay_to_nhan_than",
                              name="cccd.png", media_type="image/png", size=len(data),
                              sha256=blobs.put(data), added_at=utcnow())
        s.add(item)
        s.flush()
        return item.id


def _issued(sessions, **options) -> StoredDocument:
    with transaction(sessions) as s:
        return issued_result(s, "congdan", **options)


def _page(client, path: str) -> str:
    r = client.get(path)
    assert r.status_code == 200, r.status_code
    return r.get_data(as_text=True)


def test_an_issued_result_is_reused_by_reference_and_officers_see_it_verified(
        app, people, deployed, sessions):  # noqa: F811
    code = drive(sessions, SCENARIO, "approve")  # rendered, signed twice, delivered
    client = login(app.test_client(), "congdan")
    page = _page(client, "/kho-du-lieu")
    with transaction(sessions) as s:
        (item,) = [i for i in store.items(s, "congdan") if i.origin == "issued"]
        number = s.scalar(select(RegisterEntry.text).join(Dossier).where(Dossier.code == code))
        day = item.added_at
    row = re.search(rf'<tr data-item="{item.id}">(.*?)</tr>', page, re.S).group(1)
    assert "Kết quả do cơ quan cấp" in row and code in row and number in row
    assert vn_date(day) in row and "Bỏ khỏi kho" not in row  # an issued result stays
    r = client.get(f"/kho-du-lieu/{item.id}/tep")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    signed = r.get_data()
    assert login(app.test_client(), "congdan2").get(f"/kho-du-lieu/{item.id}/tep").status_code == 404

    offered = _page(client, APPLY)
    assert f'name="{PICK}" value="{item.id}"' in offered
    r = post_apply(client, {**form_fields(SCENARIO.application), PICK: str(item.id)},
                   valid_files())
    assert r.status_code == 302 and "/xem-lai" in r.headers["Location"]
    draft = draft_of(sessions)
    with transaction(sessions) as s:
        (reused,) = s.scalars(select(Attachment).where(
            Attachment.draft_id == draft.id, Attachment.document_code == "giay_xac_nhan_da_cap"))
        assert reused.sha256 == item.sha256  # the same blob, by reference
        assert reused.reused["origin"] == "issued" and reused.reused["dossier"] == code
        assert reused.reused["number"] == number and reused.reused["verified_at"]
        assert len(reused.reused["signers"]) == 2
    assert client.get(f"/tep/{reused.id}").get_data() == signed
    r = client.post(f"/ho-so/nhap/{draft.id}/nop",
                    data={"csrf_token": csrf_token(client, f"/ho-so/nhap/{draft.id}/xem-lai")})
    assert r.status_code == 302
    with transaction(sessions) as s:
        new_code = s.get(Dossier, s.get(Draft, draft.id).dossier_id).code
    officer = login(app.test_client(), "tiepnhan")
    seen = html.unescape(_page(officer, f"/can-bo/ho-so/{new_code}"))
    assert "Kết quả do hệ thống cấp, đã xác minh chữ ký số và mã băm" in seen
    assert f"số {number}" in seen and f"hồ sơ {code}" in seen


def test_the_store_page_lists_downloads_and_removes_for_its_owner_only(
        app, people, deployed, sessions):  # noqa: F811
    upload = _upload(sessions)
    issued = _issued(sessions)
    client = login(app.test_client(), "congdan")
    page = html.unescape(_page(client, "/kho-du-lieu"))
    assert "Tệp đã nộp" in page and "Kết quả do cơ quan cấp" in page and "07/XNTTHN" in page
    other = login(app.test_client(), "congdan2")
    assert "cccd.png" not in _page(other, "/kho-du-lieu")
    token = csrf_token(other, "/kho-du-lieu")
    for item_id in (upload, issued.id, 99999, 2**40):
        assert other.get(f"/kho-du-lieu/{item_id}/tep").status_code == 404
        assert other.post(f"/kho-du-lieu/{item_id}/xoa", data={"csrf_token": token}).status_code == 404
    token = csrf_token(client, "/kho-du-lieu")
    r = client.post(f"/kho-du-lieu/{issued.id}/xoa", data={"csrf_token": token})
    assert r.status_code == 409 and "luôn được giữ" in html.unescape(r.get_data(as_text=True))
    r = client.post(f"/kho-du-lieu/{upload}/xoa", data={"csrf_token": token})
    assert r.status_code == 302
    page = html.unescape(_page(client, "/kho-du-lieu"))
    assert "Đã bỏ “cccd.png” khỏi kho dữ liệu." in page and "cccd.png</a>" not in page
    with transaction(sessions) as s:
        assert [i.id for i in store.items(s, "congdan")] == [issued.id]


@pytest.mark.parametrize("forged", ["unsigned", "another signer"])
def test_an_issued_result_that_fails_its_check_is_refused_and_nothing_attached(
        app, people, deployed, sessions, forged):  # noqa: F811
    from ..helpers import signed_by_agency

    pdf, fingerprint = (PDF, None) if forged == "unsigned" else (signed_by_agency("UBND-PHK")[0],
                                                                 "0" * 64)
    item = _issued(sessions, pdf=pdf, fingerprint=fingerprint)
    client = login(app.test_client(), "congdan")
    r = post_apply(client, {**form_fields(SCENARIO.application), PICK: str(item.id)},
                   valid_files())
    assert r.status_code == 400
    page = html.unescape(r.get_data(as_text=True))
    assert f"Không xác minh được chữ ký số của kết quả “{item.name}” với bản đã cấp" in page
    with transaction(sessions) as s:
        assert s.scalars(select(Attachment).where(Attachment.reused.is_not(None))).all() == []


def test_the_api_reuses_and_refuses_as_the_form_does(api, app, sessions):
    upload = _upload(sessions)
    issued = _issued(sessions)
    unsigned = _issued(sessions, pdf=PDF + b"%x", fingerprint=None)
    listed = api("GET", "/store", "congdan")
    conforms(api, listed, "StoreList")
    assert {i["id"]: (i["origin"], i["kind"]) for i in listed["items"]} == {
        upload: ("uploaded", "giay_to_nhan_than"),
        issued.id: ("issued", "giay_xac_nhan_tinh_trang_hon_nhan"),
        unsigned.id: ("issued", "giay_xac_nhan_tinh_trang_hon_nhan")}
    assert api("GET", "/store", "congdan2") == {"items": []}
    draft = api("POST", "/drafts", "congdan",
                {"procedure": "marital_status", "application": SCENARIO.application}, status=201)
    path = f"/drafts/{draft['id']}/attachments/from-store"
    by_api = {}
    for item_id, document in ((upload, "giay_to_nhan_than"), (issued.id, "giay_xac_nhan_da_cap")):
        body = api("POST", path, "congdan", {"document": document, "item": item_id}, status=201)
        conforms(api, body, "Attachment")
        by_api[item_id] = body
    refused = api("POST", path, "congdan", {"document": "giay_xac_nhan_da_cap",
                                            "item": unsigned.id}, status=400)
    wrong_kind = api("POST", path, "congdan", {"document": "to_khai", "item": upload}, status=400)
    api("POST", path, "congdan2", {"document": "giay_to_nhan_than", "item": upload}, status=404)
    api("POST", path, "congdan", {"document": "giay_to_nhan_than", "item": "1"}, status=400)
    # the citizens' form, same items, same answers
    client = login(app.test_client(), "congdan")
    r = post_apply(client, {**form_fields(SCENARIO.application), "kho__giay_to_nhan_than": str(upload),
                            PICK: str(issued.id)}, {"tep__to_khai": (PDF, "to-khai.pdf")})
    assert r.status_code == 302
    with transaction(sessions) as s:
        by_form = {a.reused["item"]: a for a in s.scalars(select(Attachment).where(
            Attachment.draft_id == draft_of(sessions).id)) if a.reused}
    for item_id, body in by_api.items():
        assert (by_form[item_id].sha256, by_form[item_id].document_code) == (
            body["sha256"], body["document"])
        assert by_form[item_id].reused["origin"] == body["reused"]["origin"]
        assert set(by_form[item_id].reused) == set(body["reused"])
    r = post_apply(client, {**form_fields(SCENARIO.application), PICK: str(unsigned.id)},
                   {}, draft=draft_of(sessions).id)
    assert refused["fields"]["item"][0] in html.unescape(r.get_data(as_text=True))
    r = post_apply(client, {**form_fields(SCENARIO.application), "kho__to_khai": str(upload)}, {},
                   draft=draft_of(sessions).id)
    assert wrong_kind["fields"]["item"][0] in html.unescape(r.get_data(as_text=True))
    # removal: issued results stay, uploads go, another's is not found
    api("DELETE", f"/store/{issued.id}", "congdan", status=409)
    api("DELETE", f"/store/{upload}", "congdan2", status=404)
    assert api.client.delete(f"/api/v1/store/{upload}", headers={
        "Authorization": f"Bearer {api.tokens['congdan']}"}).status_code == 204
    api("DELETE", f"/store/{upload}", "congdan", status=404)
