"""Demo mode only: the mailbox of every message the demo sent (through its
embedded SMTP server), and a stand-in for the national portal that records
the status updates it receives and acknowledges them."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, abort, current_app, jsonify, render_template, request
from sqlalchemy import select
from werkzeug.wrappers import Response

from engine.documents import blobs
from engine.models import utcnow
from engine.status import PORTAL_STATUS_NAMES

from ..citizen.files import blob_response
from ..demo_mail import parts
from ..demo_tables import DemoMail, DemoPortalReceipt
from ..extensions import csrf
from ..identity import db

demo_bp = Blueprint("demo", __name__, url_prefix="/demo")
PORTAL_FIELDS = ("dossier_code", "seq", "status_code", "status_time", "received_time",
                 "appointment_date", "channel", "procedure_code")
# Messages kept from an earlier start of the demo link to the port it ran on then.
DEMO_BASE = re.compile(r"http://(?:127\.0\.0\.1|localhost|0\.0\.0\.0):\d+(?=/)")


@demo_bp.before_request
def demo_only() -> None:
    if not current_app.config.get("DEMO"):
        abort(404)


@demo_bp.get("/mailbox")
def mailbox() -> str:
    rows = list(db().scalars(select(DemoMail).order_by(DemoMail.id.desc()).limit(300)))
    return render_template("delivery/mailbox.html", rows=rows)


def _mail(mail_id: int) -> tuple[DemoMail, Any]:
    row = db().get(DemoMail, mail_id)
    if row is None or not blobs.exists(row.sha256):
        abort(404)
    return row, parts(blobs.get(row.sha256))


@demo_bp.get("/mailbox/<int:mail_id>")
def mail(mail_id: int) -> str:
    row, (message, text, html, attachments) = _mail(mail_id)
    text = DEMO_BASE.sub(request.host_url.rstrip("/"), text)
    return render_template("delivery/mail.html", row=row, message=message, text=text,
                           has_html=html is not None,
                           attachments=[(i, name, media, len(data))
                                        for i, (name, media, data) in enumerate(attachments)])


@demo_bp.get("/mailbox/<int:mail_id>/tep/<int:index>")
def mail_attachment(mail_id: int, index: int) -> Response:
    _, (_, _, _, attachments) = _mail(mail_id)
    if index >= len(attachments):
        abort(404)
    name, media, data = attachments[index]
    response = blob_response(data, media, name)
    response.headers["Content-Disposition"] = response.headers["Content-Disposition"].replace(
        "inline;", "attachment;", 1)
    return response


@demo_bp.get("/mailbox/<int:mail_id>/nguon")
def mail_source(mail_id: int) -> Response:
    row, _ = _mail(mail_id)
    return Response(blobs.get(row.sha256), mimetype="text/plain; charset=utf-8")


@demo_bp.get("/portal")
def portal() -> str:
    rows = list(db().scalars(select(DemoPortalReceipt)
                             .order_by(DemoPortalReceipt.id.desc()).limit(500)))
    return render_template("delivery/portal.html", rows=rows, portal_names=PORTAL_STATUS_NAMES)


@demo_bp.post("/portal")
@csrf.exempt
def portal_receive() -> tuple[Response, int]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not all(k in body for k in PORTAL_FIELDS) or \
            not isinstance(body["seq"], int) or not isinstance(body["status_code"], int):
        return jsonify({"ack": False, "error": "expected a status update with " +
                        ", ".join(PORTAL_FIELDS)}), 400
    s = db()
    seen = s.scalar(select(DemoPortalReceipt).where(
        DemoPortalReceipt.dossier_code == str(body["dossier_code"]),
        DemoPortalReceipt.seq == body["seq"]))
    if seen is None:
        s.add(DemoPortalReceipt(received_at=utcnow(), dossier_code=str(body["dossier_code"])[:64],
                                seq=body["seq"], status_code=body["status_code"], body=body))
    return jsonify({"ack": True, "seq": body["seq"], "duplicate": seen is not None}), 200
