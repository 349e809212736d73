"""The demo's embedded SMTP server (aiosmtpd): every message the demo sends
lands here and is kept (the raw message as a blob, a row per message) for
the demo mailbox page."""

from __future__ import annotations

import socket
from email import policy
from email.parser import BytesParser
from email.utils import getaddresses
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy.orm import Session, sessionmaker

from engine.db import transaction
from engine.documents import blobs
from engine.models import utcnow

from .demo_tables import DemoMail


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def store_message(sessions: sessionmaker[Session], raw: bytes, mail_from: str,
                  recipients: list[str]) -> int:
    parsed = BytesParser(policy=policy.default).parsebytes(raw)
    with transaction(sessions) as session:
        row = DemoMail(
            received_at=utcnow(), mail_from=mail_from[:300], recipients=list(recipients),
            subject=str(parsed.get("Subject", ""))[:500],
            message_id=(str(parsed.get("Message-ID")) or None) if parsed.get("Message-ID") else None,
            dossier_code=str(parsed.get("X-Motcua-Dossier")) if parsed.get("X-Motcua-Dossier") else None,
            size=len(raw), sha256=blobs.put(raw))
        session.add(row)
        session.flush()
        return row.id


class _Store:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        store_message(self.sessions, raw, envelope.mail_from or "", list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


def start_mail_server(sessions: sessionmaker[Session], host: str = "127.0.0.1",
                      port: int | None = None) -> Controller:
    """Start the SMTP server in its own thread; `controller.stop()` ends it."""
    controller = Controller(_Store(sessions), hostname=host, port=port or free_port(host))
    controller.start()
    return controller


def parts(raw: bytes) -> tuple[Any, str, str | None, list[tuple[str, str, bytes]]]:
    """A stored message: the parsed message, its text, its HTML, its attachments."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    text_part = message.get_body(preferencelist=("plain",))
    html_part = message.get_body(preferencelist=("html",))
    attachments: list[tuple[str, str, bytes]] = []
    for i, part in enumerate(message.iter_attachments()):
        payload = part.get_payload(decode=True)
        attachments.append((part.get_filename() or f"tep-{i + 1}", part.get_content_type(),
                            payload if isinstance(payload, bytes) else b""))
    text: str = text_part.get_content() if text_part else ""
    html: str | None = html_part.get_content() if html_part else None
    return message, text, html, attachments


def addresses(value: str | None) -> list[str]:
    return [addr for _, addr in getaddresses([value or ""]) if addr]
