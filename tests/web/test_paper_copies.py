"""Paper where it is still demanded: from a signed result the desk prints an official
paper copy with the QR code of the verification link and the document number; each print
is recorded (who, how many, for whom, when) with its per-copy fee, and told in the
dossier's hash chain."""

from __future__ import annotations

import html
import re
import subprocess
import tempfile
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from engine import config
from engine.audit.events import history, verify_chain
from engine.db import transaction
from engine.dossiers.runner import get_dossier
from engine.models import PaperCopy
from engine.procedures import procedures
from engine.scenario.scenario import all_scenarios, drive
from signing import paper_copy as layout
from web.citizen.qr import qr_data_uri, qr_modules
from web.documents import latest

from ..conftest import PROCESSES, csrf_token, login

MARITAL = all_scenarios()["marital_status"]


@pytest.fixture
def done(sessions, people):
    """A marital-status certificate approved, numbered and signed."""
    with transaction(sessions) as s:
        procedures.deploy_path(s, PROCESSES, "test")
    code = drive(sessions, MARITAL, "approve")
    with transaction(sessions) as s:
        number = latest(s, get_dossier(s, code).id, "signed").number
    assert number
    return code, number


def printed_qr(pdf: bytes, count: int) -> list[list[bool]]:
    """The QR code's `count` × `count` modules as printed on the first page: the page
    rasterised by poppler, each module read at its centre."""
    scale = 2  # pixels per point (144 dpi)
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "copy.pdf"
        source.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-gray", "-r", str(72 * scale), "-f", "1", "-l", "1",
                        "-singlefile", "-png", str(source), str(source.with_suffix(""))],
                       check=True)
        image = Image.open(source.with_suffix(".png")).convert("L")
        image.load()
    side, bottom = layout.QR_SIZE / count, (layout.BAND - layout.QR_SIZE) / 2
    return [[image.getpixel((round((layout.MARGIN + (col + 0.5) * side) * scale),
                             image.height - round((bottom + (count - row - 0.5) * side) * scale)))
             < 128 for col in range(count)] for row in range(count)]


def test_the_desk_prints_a_recorded_paper_copy_with_qr_code_number_and_fee(app, sessions,
                                                                            done):
    code, number = done
    desk = login(app.test_client(), "tiepnhan")
    dossier_page = desk.get(f"/can-bo/ho-so/{code}").get_data(as_text=True)
    path = f"/can-bo/ho-so/{code}/ban-giay"
    assert f'href="{path}"' in dossier_page
    form = html.unescape(desk.get(path).get_data(as_text=True))
    assert "3.000 ₫" in form and f"Số {number}" in form

    r = desk.post(path, data={"csrf_token": csrf_token(desk, path), "copies": "0",
                              "recipient": "  "})
    assert r.status_code == 400
    assert "Số bản từ 1 đến 20." in html.unescape(r.get_data(as_text=True))
    with transaction(sessions) as s:
        assert s.scalars(select(PaperCopy)).all() == []  # nothing recorded

    r = desk.post(path, data={"csrf_token": csrf_token(desk, path), "copies": "2",
                              "recipient": "Trần Đức Hưng"})
    assert r.status_code == 302
    record_url = r.headers["Location"]
    with transaction(sessions) as s:
        [printed] = s.scalars(select(PaperCopy)).all()
        assert (printed.copies, printed.recipient, printed.printed_by) == (
            2, "Trần Đức Hưng", "tiepnhan")
        assert (printed.document_number, printed.fee_per_copy, printed.fee_total) == (
            number, 3000, 6000)
        dossier = get_dossier(s, code)
        [event] = [e for e in history(s, dossier.id) if e.type == "paper_copy_printed"]
        assert event.actor == "tiepnhan" and event.payload["copies"] == 2
        assert verify_chain(s, dossier).ok

    link = f"{config.public_url()}/xac-minh?ma={code}"
    record = html.unescape(desk.get(record_url).get_data(as_text=True))
    assert qr_data_uri(link) in record and number in record and link in record
    words = " ".join(re.sub(r"<[^>]+>", " ", record).split())
    assert "2 × 3.000 ₫ = 6.000 ₫" in words and "In cho Trần Đức Hưng" in words
    assert re.search(r"Thời gian in \d\d:\d\d \d\d/\d\d/\d{4}", words)
    timeline = html.unescape(desk.get(f"/can-bo/ho-so/{code}").get_data(as_text=True))
    assert f"In 2 bản giấy của văn bản kết quả số {number} cho Trần Đức Hưng" in timeline

    pdf = desk.get(f"{record_url}/in.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = subprocess.run(["pdftotext", "-raw", "-", "-"], input=pdf.data, capture_output=True,
                          check=True).stdout.decode()
    for line in ("BẢN GIẤY IN TỪ VĂN BẢN ĐIỆN TỬ ĐÃ KÝ SỐ", f"Số: {number} · Mã hồ sơ: {code}",
                 f"Xác minh văn bản điện tử: {link}", "cho Trần Đức Hưng · 2 bản",
                 "Phí cấp bản giấy: 2 × 3.000 ₫ = 6.000 ₫",
                 "GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN"):  # the signed document itself
        assert line in text, line
    expected = qr_modules(link)
    assert printed_qr(pdf.data, len(expected)) == expected  # the QR code leads to the check
