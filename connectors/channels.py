"""Ways a message reaches a person: e-mail over SMTP, the instance mail folder
when no SMTP server is configured, and SMS through an adapter.

Every channel has `send(message) -> Receipt`. A channel raises
`operators.RetryableError` when trying again later may work (server down,
temporary 4xx reply) and `RecipientRefused` when it will not (5xx for every
recipient).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import Any, Protocol

from engine import config
from engine.procedures.operators import RetryableError

log = logging.getLogger("motcua.channels")


@dataclass(frozen=True)
class Attachment:
    filename: str
    media_type: str
    data: bytes


@dataclass(frozen=True)
class Message:
    to: list[str]
    subject: str
    text: str
    html: str | None = None
    message_id: str = ""
    sender: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Receipt:
    channel: str
    accepted: list[str]
    refused: dict[str, str] = field(default_factory=dict)
    detail: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"channel": self.channel, "accepted": self.accepted, "refused": self.refused,
                **self.detail}


class RecipientRefused(Exception):
    """The server refused every recipient for good: trying again will not help."""

    def __init__(self, refused: dict[str, str]) -> None:
        super().__init__("recipient refused: " + "; ".join(f"{k}: {v}" for k, v in refused.items()))
        self.refused = refused


class Channel(Protocol):
    name: str

    def send(self, message: Message) -> Receipt: ...


def to_email(message: Message) -> EmailMessage:
    """The RFC 5322 message: plain text, an HTML alternative when given, attachments."""
    mail = EmailMessage()
    mail["Subject"] = message.subject
    mail["From"] = message.sender or config.mail_from()
    mail["To"] = ", ".join(message.to)
    mail["Date"] = formatdate(localtime=False)
    if message.message_id:
        mail["Message-ID"] = message.message_id
    for name, value in message.headers.items():
        mail[name] = value
    mail.set_content(message.text)
    if message.html:
        mail.add_alternative(message.html, subtype="html")
    for item in message.attachments:
        main, _, sub = item.media_type.partition("/")
        mail.add_attachment(item.data, maintype=main, subtype=sub or "octet-stream",
                            filename=item.filename)
    return mail


class SmtpChannel:
    """E-mail through an SMTP server: STARTTLS, implicit TLS or plain, optional login."""

    name = "email"

    def __init__(self, host: str, port: int, security: str = "starttls", user: str | None = None,
                 password: str | None = None, timeout: float = 30.0,
                 tls_context: ssl.SSLContext | None = None) -> None:
        self.host, self.port, self.security = host, port, security
        self.user, self.password, self.timeout = user, password, timeout
        self.tls_context = tls_context or ssl.create_default_context()

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> SmtpChannel:
        return cls(str(settings["host"]), int(settings["port"]), str(settings["security"]),
                   settings.get("user"), settings.get("password"), float(settings["timeout"]))

    def _connect(self) -> smtplib.SMTP:
        if self.security == "tls":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                    context=self.tls_context)
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.security == "starttls":
            smtp.starttls(context=self.tls_context)
        return smtp

    def send(self, message: Message) -> Receipt:
        mail = to_email(message)
        try:
            with self._connect() as smtp:
                if self.user:
                    smtp.login(self.user, self.password or "")
                refused = smtp.send_message(mail, to_addrs=message.to)
        except smtplib.SMTPRecipientsRefused as exc:
            reasons = {r: f"{code} {text.decode(errors='replace')}"
                       for r, (code, text) in exc.recipients.items()}
            if all(code >= 500 for code, _ in exc.recipients.values()):
                raise RecipientRefused(reasons) from exc
            raise RetryableError(f"SMTP {self.host}:{self.port} deferred: {reasons}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise RetryableError(f"SMTP {self.host}:{self.port}: {type(exc).__name__}: {exc}") from exc
        bad = {r: f"{code} {text.decode(errors='replace')}" for r, (code, text) in refused.items()}
        return Receipt(self.name, [r for r in message.to if r not in bad], bad,
                       {"server": f"{self.host}:{self.port}"})


class FolderChannel:
    """Local stand-in when no SMTP server is configured: each message is written
    as an .eml file under the instance folder's mail/ (nothing leaves the machine)."""

    name = "email"

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or config.instance_dir() / "mail"

    def send(self, message: Message) -> Receipt:
        self.folder.mkdir(parents=True, exist_ok=True)
        stem = "".join(c if c.isalnum() or c in "-_." else "_" for c in message.message_id.strip("<>"))
        path = self.folder / f"{stem or 'message'}.eml"
        path.write_bytes(bytes(to_email(message)))
        return Receipt(self.name, list(message.to), {}, {"file": path.name})


def email_channel() -> Channel:
    """The configured e-mail channel: SMTP when MOTCUA_SMTP_HOST is set, else the folder."""
    settings = config.smtp_settings()
    return SmtpChannel.from_settings(settings) if settings else FolderChannel()


class SmsAdapter(Protocol):
    """An SMS gateway. `send` gets phone numbers in E.164 or national form and a
    text of at most a few segments; it returns a Receipt whose `detail` holds
    the gateway's message id, raises RetryableError when the gateway is
    unreachable, RecipientRefused for numbers it will never deliver to."""

    name: str

    def send(self, message: Message) -> Receipt: ...


class DemoSmsLog:
    """Demo only: no SMS leaves the machine; the text is written to the log and
    kept in the job's result (the outbox), where the demo pages show it."""

    name = "sms"

    def send(self, message: Message) -> Receipt:
        for number in message.to:
            log.info("demo SMS to %s: %s", number, message.text)
        return Receipt(self.name, list(message.to), {}, {"gateway": "demo-log",
                                                         "text": message.text})


def sms_channel() -> SmsAdapter:
    return DemoSmsLog()
