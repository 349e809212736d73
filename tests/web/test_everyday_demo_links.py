"""Demo mails link to the port the demo serves now, also those kept from an earlier start."""

from __future__ import annotations

from email.message import EmailMessage

from web.demo import demo_url
from web.demo_mail import store_message


def test_a_mail_from_an_earlier_start_links_to_the_port_served_now(sessions, app):
    app.config["DEMO"] = True
    message = EmailMessage()
    message["Subject"], message["From"], message["To"] = "Hồ sơ", "motcua@localhost", "a@example.vn"
    message.set_content("Xem hồ sơ: http://127.0.0.1:5000/ho-so/UBND-PHK-261207-0001\n")
    mail_id = store_message(sessions, message.as_bytes(), "motcua@localhost", ["a@example.vn"])
    page = app.test_client().get(f"/demo/mailbox/{mail_id}", base_url="http://127.0.0.1:8123"
                                 ).get_data(as_text=True)
    assert "http://127.0.0.1:8123/ho-so/UBND-PHK-261207-0001" in page
    assert ":5000/" not in page


def test_the_demo_links_to_an_address_a_browser_can_open():
    assert demo_url("0.0.0.0", 8080) == "http://127.0.0.1:8080"
    assert demo_url("192.168.1.5", 5001) == "http://192.168.1.5:5001"
