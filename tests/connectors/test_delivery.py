"""Notices and result delivery through a real local SMTP server (aiosmtpd on a
free port): content, attachments, sending once, retries, refusals, shipments."""

from __future__ import annotations

import dataclasses
import time
from datetime import timedelta
from email import policy
from email.parser import BytesParser

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from connectors import delivery, notify
from engine.db import transaction
from engine.documents import blobs
from engine.models import Event, Job, SentMessage, Shipment
from engine.outbox.worker import run_once
from engine.procedures import procedures
from engine.procedures.operators import RetryableError
from engine.scenario.scenario import Clock, all_scenarios, drive

from ..commands import free_port
from ..conftest import PROCESSES, at
from ..helpers import context, dossier

SCENARIOS = all_scenarios()
MONDAY = at("2026-03-02 08:00")


class Inbox:
    """Collects what the SMTP server accepted; refuses addresses under refuse.vn."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], object, bytes]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.endswith("@refuse.vn"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        self.messages.append((list(envelope.rcpt_tos),
                              BytesParser(policy=policy.default).parsebytes(raw), raw))
        return "250 Message accepted"

    def subjects(self) -> list[str]:
        return [str(m["Subject"]) for _, m, _ in self.messages]


@pytest.fixture
def smtp(monkeypatch):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    monkeypatch.setenv("MOTCUA_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("MOTCUA_SMTP_PORT", str(controller.port))
    monkeypatch.setenv("MOTCUA_SMTP_SECURITY", "none")
    monkeypatch.setenv("MOTCUA_MAIL_FROM", "UBND phường Ba Đình <motcua@ubnd.example.vn>")
    yield inbox
    controller.stop()


@pytest.fixture
def deployed(sessions):
    with transaction(sessions) as s:
        procedures.deploy_path(s, PROCESSES, "test")
    return sessions


def scenario(name: str, **application):
    sc = SCENARIOS[name]
    return dataclasses.replace(sc, application={**sc.application, **application})


def test_reception_notice_arrives_once_in_vietnamese(deployed, smtp):
    code = drive(deployed, SCENARIOS["marital_status"], "approve", steps=1, clock=Clock(MONDAY))
    appointment = dossier(deployed, code).appointment_date
    received = [m for _, m, _ in smtp.messages if "đã được tiếp nhận" in str(m["Subject"])]
    # the BPMN's notify_received and the status hook make one message, not two
    assert len(received) == 1
    message = received[0]
    assert str(message["Subject"]) == f"Hồ sơ {code} đã được tiếp nhận"
    assert str(message["To"]) == "nguyenvanan@example.vn"
    assert "motcua@ubnd.example.vn" in str(message["From"])
    text = message.get_body(("plain",)).get_content()
    assert "Kính gửi Nguyễn Văn An" in text
    assert f"Ngày hẹn trả kết quả: {appointment:%d/%m/%Y}" in text
    assert message.get_body(("html",)) is not None
    assert str(message["X-Motcua-Dossier"]) == code


def test_every_status_that_matters_notifies_and_the_result_is_emailed(deployed, smtp):
    sc = scenario("marital_status", hinh_thuc_nhan_ket_qua="email")
    code = drive(deployed, sc, "approve", clock=Clock(MONDAY))
    assert dossier(deployed, code).status == "returned"
    subjects = smtp.subjects()
    # online, this certificate is free: no fee notice, though the status passed "awaiting payment"
    assert f"Hồ sơ {code}: đề nghị nộp phí, lệ phí" not in subjects
    assert f"Hồ sơ {code} đã được tiếp nhận" in subjects
    assert f"Kết quả giải quyết hồ sơ {code}" in subjects
    # result.deliver e-mailed the document: no second "result ready" message
    assert f"Hồ sơ {code} đã có kết quả" not in subjects
    assert len(subjects) == len(set(subjects))
    [(to, message, _)] = [m for m in smtp.messages if "Kết quả giải quyết" in str(m[1]["Subject"])]
    [attachment] = list(message.iter_attachments())
    with transaction(deployed) as s:
        deliver = s.scalar(select(Job).where(Job.operator == "result.deliver"))
        [sha] = deliver.result["documents"]
        assert deliver.result["email"]["status"] == "sent"
        assert all(j.status == "done" for j in s.scalars(select(Job)))
    assert attachment.get_payload(decode=True) == blobs.get(sha)
    assert attachment.get_filename() == f"{code}-ket-qua.pdf"  # the signed PDF


def test_signed_pdf_is_attached_with_its_bytes_and_media_type(deployed, smtp):
    code = drive(deployed, SCENARIOS["marital_status"], "approve", steps=1, clock=Clock(MONDAY))
    pdf = "%PDF-1.7\n% chữ ký số\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n".encode()
    pdf_sha, html_sha = blobs.put(pdf), blobs.put("<p>Giấy xác nhận</p>".encode())
    data = {"result": {"document": html_sha, "media_type": "text/html"},
            "signature": {"document": pdf_sha, "media_type": "application/pdf", "signed": True}}
    with transaction(deployed) as s:
        from engine.models import Dossier
        row = s.scalar(select(Dossier).where(Dossier.code == code))
        row.application = {**row.application, "hinh_thuc_nhan_ket_qua": "email"}
    ctx = context(deployed, code, "result.deliver", f"{code}/deliver_result/x", data,
                  {"channel": "online"})
    result = delivery.deliver(ctx)
    assert result["documents"] == [pdf_sha] and result["available"]
    message = smtp.messages[-1][1]
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == f"{code}-ket-qua.pdf"
    assert attachment.get_payload(decode=True) == pdf


def test_a_retried_notice_is_sent_once(deployed, smtp):
    code = drive(deployed, SCENARIOS["marital_status"], "approve", steps=1, clock=Clock(MONDAY))
    before = len(smtp.messages)
    ctx = context(deployed, code, "notify.send", f"{code}/notice/late/99",
                  params={"template": "late", "recipient": "applicant",
                          "previous_appointment": "2026-03-05"})
    first = notify.send(ctx)
    second = notify.send(ctx)  # the worker died before recording the result: run again
    assert len(smtp.messages) == before + 1
    assert first["deliveries"][0]["duplicate"] is False
    assert second["deliveries"][0]["duplicate"] is True
    assert first["deliveries"][0]["message_id"] == second["deliveries"][0]["message_id"]
    text = smtp.messages[-1][1].get_body(("plain",)).get_content()
    assert "xin lỗi và hẹn lại ngày trả kết quả" in text and "05/03/2026" in text
    with transaction(deployed) as s:
        [row] = s.scalars(select(SentMessage).where(SentMessage.idempotency_key == ctx.idempotency_key))
        assert row.status == "sent" and row.attempts == 1


def test_smtp_down_is_retried_then_sent_once(deployed, smtp, monkeypatch):
    port = free_port()  # nothing listens here yet
    monkeypatch.setenv("MOTCUA_SMTP_PORT", str(port))
    code = drive(deployed, SCENARIOS["marital_status"], "approve", steps=1, clock=Clock(MONDAY))
    with transaction(deployed) as s:
        waiting = list(s.scalars(select(Job).where(Job.operator == "notify.send",
                                                   Job.status == "pending")))
        assert waiting and all("SMTP 127.0.0.1" in (j.last_error or "") for j in waiting)
        assert {m.status for m in s.scalars(select(SentMessage))} == {"sending"}
    controller = Controller(smtp, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        report = run_once(deployed, clock=lambda: MONDAY + timedelta(hours=3))
    finally:
        controller.stop()
    assert report.jobs_done >= len(waiting) and report.incidents == 0
    subjects = smtp.subjects()
    assert subjects.count(f"Hồ sơ {code} đã được tiếp nhận") == 1
    with transaction(deployed) as s:
        assert {m.status for m in s.scalars(select(SentMessage))} == {"sent"}


def test_a_refused_recipient_is_not_retried(deployed, smtp):
    sc = scenario("marital_status", email="khong-ton-tai@refuse.vn")
    code = drive(deployed, sc, "approve", steps=1, clock=Clock(MONDAY))
    with transaction(deployed) as s:
        jobs = list(s.scalars(select(Job).where(Job.operator == "notify.send")))
        assert jobs and all(j.status == "done" and j.attempts == 1 for j in jobs)
        results = [j.result["deliveries"][0] for j in jobs]
        assert all(r["status"] == "refused" for r in results)
        assert "550" in next(iter(results[0]["refused"].values()))
        assert {m.status for m in s.scalars(select(SentMessage))} == {"refused"}
    assert smtp.messages == []
    assert dossier(deployed, code).status != "submitted"


def test_smtp_error_raises_retryable(monkeypatch):
    from connectors.channels import Message, SmtpChannel

    channel = SmtpChannel("127.0.0.1", free_port(), "none", timeout=2)
    with pytest.raises(RetryableError):
        channel.send(Message(to=["a@example.vn"], subject="x", text="x"))


def test_post_delivery_books_one_shipment_and_the_desk_marks_it_delivered(
        deployed, smtp, app, people):
    from ..conftest import csrf_token, login

    sc = scenario("marital_status", hinh_thuc_nhan_ket_qua="post",
                  dia_chi_nhan_ket_qua="Số 5 phố Huế, phường Hai Bà Trưng, Hà Nội")
    code = drive(deployed, sc, "approve", clock=Clock(MONDAY))
    with transaction(deployed) as s:
        [shipment] = s.scalars(select(Shipment))
        assert shipment.address == "Số 5 phố Huế, phường Hai Bà Trưng, Hà Nội"
        assert shipment.status == "created" and shipment.tracking_number.startswith("DEMO")
        deliver = s.scalar(select(Job).where(Job.operator == "result.deliver"))
    # booking the same job again gives the same shipment
    ctx = context(deployed, code, "result.deliver", deliver.idempotency_key, deliver.payload["data"])
    again = delivery.deliver(ctx)
    assert again["shipment"]["tracking_number"] == shipment.tracking_number
    ready = [m for _, m, _ in smtp.messages if str(m["Subject"]) == f"Hồ sơ {code} đã có kết quả"]
    assert len(ready) == 1 and shipment.tracking_number in ready[0].get_body(("plain",)).get_content()

    client = login(app.test_client(), "tiepnhan")
    page = client.get("/can-bo/buu-gui").get_data(as_text=True)
    assert shipment.tracking_number in page and "Đã giao" in page
    token = csrf_token(client, "/can-bo/buu-gui")
    response = client.post(f"/can-bo/buu-gui/{shipment.id}/da-giao", data={"csrf_token": token})
    assert response.status_code == 302
    with transaction(deployed) as s:
        row = s.get(Shipment, shipment.id)
        assert row.status == "delivered" and row.delivered_by == "tiepnhan"
        event = s.scalar(select(Event).where(Event.type == "shipment_delivered"))
        assert event.payload["tracking_number"] == shipment.tracking_number
    again = client.post(f"/can-bo/buu-gui/{shipment.id}/da-giao", data={"csrf_token": token})
    assert again.status_code == 409
    citizen = login(app.test_client(), "congdan2")
    assert citizen.get("/can-bo/buu-gui").status_code == 403


def test_notice_without_smtp_settings_goes_to_the_mail_folder(deployed, instance):
    code = drive(deployed, SCENARIOS["marital_status"], "approve", steps=1, clock=Clock(MONDAY))
    files = list((instance / "mail").glob("*.eml"))
    assert files
    texts = [BytesParser(policy=policy.default).parsebytes(f.read_bytes()) for f in files]
    assert any(str(m["Subject"]) == f"Hồ sơ {code} đã được tiếp nhận" for m in texts)
    time.sleep(0)


def test_a_dossier_with_a_fee_to_pay_gets_the_fee_notice(deployed, smtp):
    code = drive(deployed, scenario("construction_permit"), "approve", steps=0, pay=False,
                 clock=Clock(MONDAY))
    assert dossier(deployed, code).status == "awaiting_payment"
    assert f"Hồ sơ {code}: đề nghị nộp phí, lệ phí" in smtp.subjects()
