"""Messages from partner agencies' systems (liên thông): a named message with the keys
that say which dossier it is for, given to the dossier waiting for it or kept. Signals
from administrators: to every dossier waiting for them."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext

from engine.dossiers import messages
from engine.errors import Forbidden, InvalidInput
from engine.models import Dossier

from ..identity import db
from ..nul_characters import refuse_nul
from . import bp
from .auth import api_actor
from .params import json_body

SENDERS = ("partner", "admin")


@bp.post("/messages")
def receive_message() -> tuple[dict[str, Any], int]:
    actor = api_actor()
    if not any(actor.has_role(role) for role in SENDERS):
        raise Forbidden(gettext("Chỉ hệ thống của cơ quan phối hợp (vai trò partner) được "
                                "gửi thông điệp."))
    body = json_body()
    name, correlation = body.get("name"), body.get("correlation")
    payload = body.get("payload", {})
    errors = messages.check(name, correlation, payload)
    refuse_nul(errors, body, "")
    if errors:
        raise InvalidInput(gettext("Thông điệp không hợp lệ."), errors)
    message = messages.receive(db(), str(name), dict(correlation or {}), payload,
                               source=f"api:{actor.username}")
    code = db().get(Dossier, message.dossier_id).code if message.dossier_id else None
    body = {"id": message.id, "name": message.name, "status": message.status,
            "dossier": code, "note": message.note}
    # delivered: done; kept: accepted, an administrator will see it
    return body, 200 if message.status == "delivered" else 202


@bp.post("/signals")
def broadcast_signal() -> dict[str, Any]:
    """A signal to every dossier waiting for it (an administrator's action: a procedure
    suspended, a rule changed)."""
    actor = api_actor()
    if not actor.has_role("admin"):
        raise Forbidden(gettext("Chỉ quản trị hệ thống được phát tín hiệu."))
    body = json_body()
    name, payload = body.get("name"), body.get("payload", {})
    errors = messages.check(name, {"dossier_code": "-"}, payload)
    refuse_nul(errors, body, "")
    if errors:
        raise InvalidInput(gettext("Tín hiệu không hợp lệ."), errors)
    signal = str(name).strip()
    reached = messages.broadcast_signal(db(), signal, payload, source=f"api:{actor.username}")
    return {"name": signal, "dossiers": reached}
