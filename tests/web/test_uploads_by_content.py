"""Uploads are taken for what they are, not for what they are called: a JPEG named .pdf
is kept as the JPEG it is; a phone's HEIC photo is converted to a JPEG the dossier
shows, and the original is kept beside it. The citizens' form and the API's draft
attachments go through the same check (web.uploads)."""

from __future__ import annotations

import io
import re

import pillow_heif
import pytest
from PIL import Image
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from engine.db import transaction
from engine.documents import blobs
from engine.errors import InvalidInput
from engine.models import Attachment, Dossier
from engine.procedures import procedures
from web.uploads import check_upload

from ..conftest import PROCESSES, csrf_token, login
from . import test_api
from .test_api import APPLICATION
from .test_web_citizen import PDF, PNG, draft_of, form_fields, post_apply

api, tokens = test_api.api, test_api.tokens  # the API client fixtures (procedures deployed)


def photo(fmt: str, size: tuple[int, int] = (64, 48)) -> bytes:
    """A small red picture encoded as `fmt` (JPEG, PNG or HEIF), made here with pillow-heif."""
    pillow_heif.register_heif_opener()
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format=fmt)
    return out.getvalue()


def checked(content: bytes, filename: str):
    return check_upload(FileStorage(io.BytesIO(content), filename=filename), "tep")


def test_a_file_is_kept_for_what_its_content_is():
    jpeg = photo("JPEG")
    for content, sent, media, kept in [
        (jpeg, "to-khai.pdf", "image/jpeg", "to-khai.jpg"),
        (PNG, "anh.pdf", "image/png", "anh.png"),
        (PDF, "scan.JPG", "application/pdf", "scan.pdf"),
        (jpeg, "anh.jpeg", "image/jpeg", "anh.jpeg"),
        (PDF, "don", "application/pdf", "don.pdf"),
    ]:
        result = checked(content, sent)
        assert (result.shown.media_type, result.shown.filename) == (media, kept), sent
        assert result.shown.data == content and result.original is None


def test_a_heic_photo_becomes_a_jpeg_and_its_original_is_kept():
    heic = photo("HEIF", (120, 90))
    result = checked(heic, "IMG_0001.HEIC")
    assert (result.shown.media_type, result.shown.filename) == ("image/jpeg", "IMG_0001.jpg")
    shown = Image.open(io.BytesIO(result.shown.data))
    assert shown.format == "JPEG" and shown.size == (120, 90)
    assert shown.getpixel((60, 45))[0] > 150  # still red
    assert result.original is not None
    assert (result.original.media_type, result.original.filename) == ("image/heic", "IMG_0001.HEIC")
    assert result.original.data == heic
    # named anything at all, it is still a photo
    assert checked(heic, "cccd.pdf").shown.filename == "cccd.jpg"


@pytest.mark.parametrize(("content", "message"), [
    (b"chi la van ban", "không phải PDF, JPEG hoặc PNG, cũng không phải ảnh HEIC"),
    (photo("HEIF")[:120], "Không đọc được ảnh"),  # a HEIC cut short
])
def test_what_is_not_a_document_is_still_refused(content, message):
    with pytest.raises(InvalidInput) as refused:
        checked(content, "giay-to.heic")
    assert message in refused.value.errors["tep"][0]


def _kept(sessions, **where) -> list[tuple[str, str, str]]:
    with transaction(sessions) as s:
        rows = s.scalars(select(Attachment).filter_by(**where).order_by(Attachment.id))
        return [(a.document_code, a.filename, a.media_type) for a in rows]


@pytest.fixture
def deployed(sessions, people):
    with transaction(sessions) as s:
        procedures.deploy_path(s, PROCESSES, "test")
    return sessions


def test_the_citizens_form_takes_a_jpeg_named_pdf_and_a_heic_photo(app, deployed):
    sessions = deployed
    citizen = login(app.test_client(), "congdan")
    heic = photo("HEIF")
    r = post_apply(citizen, form_fields(APPLICATION), {
        "tep__to_khai": (photo("JPEG"), "to-khai.pdf"),
        "tep__giay_to_nhan_than": (heic, "IMG_0001.HEIC")})
    assert r.status_code == 302 and "/xem-lai" in r.headers["Location"], r.get_data(as_text=True)[:800]
    draft = draft_of(sessions)
    assert _kept(sessions, draft_id=draft.id) == [
        ("to_khai", "to-khai.jpg", "image/jpeg"),
        ("giay_to_nhan_than", "IMG_0001.jpg", "image/jpeg"),
        ("giay_to_nhan_than", "IMG_0001.HEIC", "image/heic")]
    review = citizen.get(r.headers["Location"]).get_data(as_text=True)
    assert "IMG_0001.jpg" in review and "ảnh gốc HEIC từ điện thoại" in review

    with transaction(sessions) as s:
        original = s.scalars(select(Attachment).filter_by(media_type="image/heic")).one()
        assert blobs.get(original.sha256) == heic
    download = citizen.get(f"/tep/{original.id}")
    assert download.status_code == 200 and download.data == heic
    assert download.mimetype == "image/heic"

    r = citizen.post(f"/ho-so/nhap/{draft.id}/nop",
                     data={"csrf_token": csrf_token(citizen, r.headers["Location"])})
    assert r.status_code == 302
    with transaction(sessions) as s:
        code = s.scalars(select(Dossier.code)).one()
    officer = login(app.test_client(), "tiepnhan")
    page = officer.get(f"/can-bo/ho-so/{code}").get_data(as_text=True)
    assert "to-khai.jpg" in page and "IMG_0001.jpg" in page
    listed = re.search(r"IMG_0001\.HEIC</a>.*?</li>", page, re.S)
    assert listed and "ảnh gốc HEIC từ điện thoại" in listed.group(0)


def test_the_api_takes_the_same_files_the_same_way(api, sessions):
    draft = api("POST", "/drafts", "congdan",
                {"procedure": "marital_status", "application": APPLICATION}, status=201)

    def upload(document: str, content: bytes, filename: str) -> dict:
        r = api.client.post(f"/api/v1/drafts/{draft['id']}/attachments",
                            headers={"Authorization": f"Bearer {api.tokens['congdan']}"},
                            data={"document": document, "file": (io.BytesIO(content), filename)},
                            content_type="multipart/form-data")
        assert r.status_code == 201, r.get_data(as_text=True)[:500]
        return r.get_json()

    sent = upload("to_khai", photo("JPEG"), "to-khai.pdf")
    assert (sent["filename"], sent["media_type"]) == ("to-khai.jpg", "image/jpeg")
    heic = photo("HEIF")
    sent = upload("giay_to_nhan_than", heic, "IMG_0002.heic")
    assert (sent["filename"], sent["media_type"]) == ("IMG_0002.jpg", "image/jpeg")
    listed = api("GET", f"/drafts/{draft['id']}", "congdan")["attachments"]
    assert [(a["document"], a["filename"], a["media_type"]) for a in listed] == [
        ("to_khai", "to-khai.jpg", "image/jpeg"),
        ("giay_to_nhan_than", "IMG_0002.jpg", "image/jpeg"),
        ("giay_to_nhan_than", "IMG_0002.heic", "image/heic")]
    assert blobs.get(listed[2]["sha256"]) == heic


def test_the_counter_keeps_a_heic_photo_and_its_original_too(app, deployed):
    from .test_web_officer import _walk_in_form

    desk = login(app.test_client(), "tiepnhan")
    path = "/can-bo/tiep-nhan-truc-tiep/marital_status"
    form = {**_walk_in_form(csrf_token(desk, path)),
            "doc.to_khai": (io.BytesIO(photo("HEIF")), "IMG_0002.HEIC")}
    r = desk.post(path, data=form, content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)[:800]
    with transaction(deployed) as s:
        dossier_id = s.scalars(select(Dossier.id)).one()
    assert _kept(deployed, dossier_id=dossier_id) == [
        ("to_khai", "IMG_0002.jpg", "image/jpeg"), ("to_khai", "IMG_0002.HEIC", "image/heic")]
