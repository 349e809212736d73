"""result.deliver: the result document is always published for download on
the applicant's dossier page; when the applicant chose it, it is also e-mailed
as an attachment or sent by post (a shipment booked with the carrier)."""

from __future__ import annotations

from typing import Any

import filetype
from sqlalchemy import select

from engine.db import transaction
from engine.documents import blobs
from engine.models import Dossier, Shipment, utcnow
from engine.procedures.operators import JobContext, register

from . import notices
from .channels import Attachment, Message, email_channel
from .postal import ShipmentRequest, carrier
from .sending import send_once

METHODS = ("portal", "email", "post")


def result_documents(data: dict[str, Any]) -> list[dict[str, str]]:
    """The result documents in the task data: every `{document: sha256, ...}`
    value; when some are signed, only the signed ones that no later signature
    was made over (the organisation's signature supersedes the officer's)."""
    found: dict[str, dict[str, Any]] = {}
    for value in data.values():
        if isinstance(value, dict) and isinstance(value.get("document"), str):
            found.setdefault(value["document"], {}).update(
                {k: v for k, v in value.items() if v not in (None, "")})
    signed = {sha: v for sha, v in found.items() if v.get("signed") is True}
    signed_over = {v.get("unsigned_document") for v in signed.values()}
    chosen = {sha: v for sha, v in signed.items() if sha not in signed_over} or found
    return [{"sha256": sha, "media_type": str(v.get("media_type") or "")}
            for sha, v in chosen.items()]


def media_type(document: dict[str, str]) -> str:
    if document["media_type"]:
        return document["media_type"].split(";")[0]
    return filetype.guess_mime(blobs.get(document["sha256"])) or "text/html"


def filename(code: str, media: str, index: int) -> str:
    suffix = {"application/pdf": ".pdf", "text/html": ".html"}.get(media, ".bin")
    return f"{code}-ket-qua{'' if index == 0 else f'-{index + 1}'}{suffix}"


def chosen_method(ctx: JobContext) -> str:
    application = ctx.dossier.get("application") or {}
    method = application.get("hinh_thuc_nhan_ket_qua") or ctx.params.get("method") or "portal"
    return method if method in METHODS else "portal"


@register("result.deliver")
def deliver(ctx: JobContext) -> dict[str, Any]:
    documents = [d for d in result_documents(ctx.data) if blobs.exists(d["sha256"])]
    method = chosen_method(ctx)
    result: dict[str, Any] = {"channel": "portal", "available": bool(documents),
                              "documents": [d["sha256"] for d in documents], "method": method}
    if method == "email":
        result["email"] = _by_email(ctx, documents)
    elif method == "post":
        result["shipment"] = _by_post(ctx, documents)
    return result


def _by_email(ctx: JobContext, documents: list[dict[str, str]]) -> dict[str, Any]:
    person = notices.applicant(ctx)
    if not person.email:
        return {"status": "skipped", "reason": "no e-mail address; the result is on the portal"}
    attachments = []
    for index, doc in enumerate(documents):
        media = media_type(doc)
        attachments.append(Attachment(filename(ctx.dossier_code, media, index), media,
                                      blobs.get(doc["sha256"])))
    rendered = notices.render("result_delivery", person.lang,
                              notices.context(ctx, person.lang, person))
    key = f"{ctx.idempotency_key}/email"
    message = Message(to=[person.email], subject=rendered.subject, text=rendered.text,
                      html=rendered.html, message_id=notices.message_id(key),
                      attachments=attachments,
                      headers={"X-Motcua-Dossier": ctx.dossier_code,
                               "X-Motcua-Notice": "result_delivery"})
    found_id = None
    if ctx.sessions is not None:
        with transaction(ctx.sessions) as session:
            found_id = session.scalar(select(Dossier.id).where(Dossier.code == ctx.dossier_code))
    receipt = send_once(ctx.sessions, email_channel(), message, key=key,
                        template="result_delivery", dossier_id=found_id)
    return {k: receipt.get(k) for k in ("status", "accepted", "refused", "message_id", "duplicate")}


def _by_post(ctx: JobContext, documents: list[dict[str, str]]) -> dict[str, Any]:
    application = ctx.dossier.get("application") or {}
    address = application.get("dia_chi_nhan_ket_qua") or application.get("noi_cu_tru")
    if not address:
        return {"status": "skipped", "reason": "no postal address; the result is on the portal"}
    request = ShipmentRequest(
        key=ctx.idempotency_key, dossier_code=ctx.dossier_code,
        recipient=application.get("nguoi_nhan_ket_qua") or ctx.dossier.get("applicant_name") or "",
        address=str(address), phone=application.get("so_dien_thoai"),
        documents=[d["sha256"] for d in documents])
    if ctx.sessions is None:
        raise RuntimeError("result.deliver by post needs the database to record the shipment")
    with transaction(ctx.sessions) as session:
        existing = session.scalar(select(Shipment).where(Shipment.idempotency_key == request.key))
        if existing is not None:
            return _shipment(existing)
    adapter = carrier()
    tracking = adapter.book(request)
    with transaction(ctx.sessions) as session:
        existing = session.scalar(select(Shipment).where(Shipment.idempotency_key == request.key))
        if existing is None:
            dossier_id = session.scalar(select(Dossier.id).where(Dossier.code == ctx.dossier_code))
            existing = Shipment(
                idempotency_key=request.key, dossier_id=dossier_id, carrier=adapter.name,
                tracking_number=tracking, recipient=request.recipient[:200],
                address=request.address[:500], phone=request.phone,
                documents=request.documents, status="created", created_at=utcnow())
            session.add(existing)
            session.flush()
        return _shipment(existing)


def _shipment(row: Shipment) -> dict[str, Any]:
    return {"status": row.status, "carrier": row.carrier, "tracking_number": row.tracking_number,
            "address": row.address, "recipient": row.recipient}
