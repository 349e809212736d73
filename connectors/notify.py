"""notify.send: tell the applicant (or the officers holding a task) what changed.

E-mail when the person has an address (SMTP, or the instance mail folder
when no server is configured), else SMS through the SMS adapter; never both
for the same notice. Each job sends at most once (see connectors/sending.py).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from engine.db import transaction
from engine.models import Dossier, SentMessage
from engine.procedures.operators import JobContext, register

from . import notices
from .channels import Message, email_channel, sms_channel
from .sending import send_once


def dossier_id(ctx: JobContext) -> int | None:
    if ctx.sessions is None:
        return None
    with transaction(ctx.sessions) as session:
        return session.scalar(select(Dossier.id).where(Dossier.code == ctx.dossier_code))


def result_already_emailed(ctx: JobContext, found_id: int | None) -> bool:
    """result.deliver already e-mailed the result document: a second 'result
    ready' message would say the same thing again."""
    if ctx.sessions is None or found_id is None:
        return False
    with transaction(ctx.sessions) as session:
        return session.scalar(select(SentMessage.id).where(
            SentMessage.dossier_id == found_id, SentMessage.template == "result_delivery",
            SentMessage.status == "sent")) is not None


@register("notify.send")
def send(ctx: JobContext) -> dict[str, Any]:
    template = str(ctx.params.get("template") or "status")
    recipient = str(ctx.params.get("recipient") or "applicant")
    found_id = dossier_id(ctx)
    extra: dict[str, Any] = {}
    if recipient == "applicant":
        people = [notices.applicant(ctx)]
        if template == "result_ready" and result_already_emailed(ctx, found_id):
            return {"sent": False, "template": template,
                    "skipped": "the result document was already e-mailed by result.deliver"}
    else:
        people, extra = notices.officers(ctx)
    by_email = [p for p in people if p.email]
    by_sms = [p for p in people if not p.email and p.phone]
    if not by_email and not by_sms:
        return {"sent": False, "template": template, "recipient": recipient,
                "reason": "no e-mail address or phone number"}
    results = []
    if by_email:
        first = by_email[0]
        rendered = notices.render(template, first.lang, notices.context(ctx, first.lang, first, **extra))
        message = Message(
            to=[p.email for p in by_email if p.email], subject=rendered.subject,
            text=rendered.text, html=rendered.html, message_id=notices.message_id(ctx.idempotency_key),
            headers={"X-Motcua-Dossier": ctx.dossier_code, "X-Motcua-Notice": template})
        results.append(send_once(ctx.sessions, email_channel(), message, key=ctx.idempotency_key,
                                 template=template, dossier_id=found_id))
    if by_sms:
        first = by_sms[0]
        rendered = notices.render(template, first.lang, notices.context(ctx, first.lang, first, **extra))
        sms = Message(to=[p.phone for p in by_sms if p.phone], subject=rendered.subject,
                      text=f"{rendered.subject}. {ctx.dossier_code}",
                      message_id=notices.message_id(ctx.idempotency_key + "/sms"))
        results.append(send_once(ctx.sessions, sms_channel(), sms, key=ctx.idempotency_key,
                                 template=template, dossier_id=found_id))
    return {"sent": any(r["status"] == "sent" for r in results), "template": template,
            "recipient": recipient, "subject": rendered.subject,
            "deliveries": [{k: r.get(k) for k in ("channel", "accepted", "refused", "status",
                                                  "message_id", "duplicate", "file")}
                           for r in results]}
