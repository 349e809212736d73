"""The demo mailbox: the embedded SMTP server keeps what the demo sends, the
page lists and shows messages with downloadable attachments (demo mode only)."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from sqlalchemy import select

from engine.db import transaction
from engine.documents import blobs
from web.demo_mail import start_mail_server
from web.demo_tables import DemoMail

PDF = "%PDF-1.7\n% kết quả\n%%EOF\n".encode()


def send_sample(port: int) -> None:
    message = EmailMessage()
    message["Subject"] = "Kết quả giải quyết hồ sơ UBND-PBD-260302-0001"
    message["From"] = "motcua@localhost"
    message["To"] = "nguyenvanan@example.vn"
    message["X-Motcua-Dossier"] = "UBND-PBD-260302-0001"
    message.set_content("Kính gửi Nguyễn Văn An,\n\nGửi kèm thư này là văn bản kết quả.\n")
    message.add_attachment(PDF, maintype="application", subtype="pdf",
                           filename="UBND-PBD-260302-0001-ket-qua.pdf")
    with smtplib.SMTP("127.0.0.1", port, timeout=5) as smtp:
        smtp.send_message(message)


def test_embedded_server_stores_and_the_mailbox_shows_messages(sessions, app):
    server = start_mail_server(sessions)
    try:
        send_sample(server.port)
    finally:
        server.stop()
    with transaction(sessions) as s:
        [row] = s.scalars(select(DemoMail))
        assert row.recipients == ["nguyenvanan@example.vn"]
        assert row.dossier_code == "UBND-PBD-260302-0001" and blobs.exists(row.sha256)
    client = app.test_client()
    assert client.get("/demo/mailbox").status_code == 404  # not in demo mode
    app.config["DEMO"] = True
    listing = client.get("/demo/mailbox").get_data(as_text=True)
    assert "Kết quả giải quyết hồ sơ UBND-PBD-260302-0001" in listing
    page = client.get(f"/demo/mailbox/{row.id}").get_data(as_text=True)
    assert "Kính gửi Nguyễn Văn An" in page and "UBND-PBD-260302-0001-ket-qua.pdf" in page
    download = client.get(f"/demo/mailbox/{row.id}/tep/0")
    assert download.status_code == 200 and download.data == PDF
    assert download.mimetype == "application/pdf"
    assert "attachment;" in download.headers["Content-Disposition"]
    assert client.get(f"/demo/mailbox/{row.id}/tep/5").status_code == 404
    home = client.get("/").get_data(as_text=True)
    assert "/demo/mailbox" in home


def test_mailbox_in_the_browser(sessions, app, live_server, browser, screens):
    app.config["DEMO"] = True
    server = start_mail_server(sessions)
    try:
        send_sample(server.port)
    finally:
        server.stop()
    page = browser.new_page()
    page.goto(f"{live_server}/demo/mailbox")
    assert page.locator("#mailbox tbody tr").count() == 1
    screens.shot(page, "mailbox")
    page.click("text=Kết quả giải quyết hồ sơ UBND-PBD-260302-0001")
    assert "Gửi kèm thư này là văn bản kết quả" in page.inner_text("pre.mail-text")
    with page.expect_download() as info:
        page.click("#attachments a")
    path = info.value.path()
    assert path.read_bytes() == PDF
    shot = screens.shot(page, "mail")
    assert shot.stat().st_size > 5000
    page.close()
