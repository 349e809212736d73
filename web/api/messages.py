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
from .scope import visible_dossier
from .serialize import dossier_detail

SENDERS = ("partner", "admin")
KEY_LIMIT = 100


@bp.post("/messages")
def receive_message() -> tuple[dict[str, Any], int]:
    actor = api_actor()
    if not any(actor.has_role(role) for role in SENDERS):
        raise Forbidden(gettext("Chỉ hệ thống của cơ quan phối hợp (vai trò partner) được "
                                "gửi thông điệp."))
    body = json_body()
    name, correlation = body.get("name"), body.get("correlation")
    payload, key = body.get("payload", {}), body.get("key")
    errors = messages.check(name, correlation, payload)
    if key is not None and not (isinstance(key, str) and 0 < len(key.strip()) <= KEY_LIMIT
                                and len(actor.username) + len(key) < 155):
        errors["key"] = [f"the sender's identifier of the message: 1–{KEY_LIMIT} characters"]
    refuse_nul(errors, body, "")
    if errors:
        raise InvalidInput(gettext("Thông điệp không hợp lệ."), errors)
    source = f"api:{actor.username}"
    # keys are the sender's own: two partners' keys never meet
    message = messages.receive(db(), str(name), dict(correlation or {}), payload, source=source,
                               key=f"{source}/{key.strip()}" if key is not None else None)
    code = db().get(Dossier, message.dossier_id).code if message.dossier_id else None
    body = {"id": message.id, "name": message.name, "status": message.status,
            "dossier": code, "note": message.note,
            "started": message.note == messages.STARTED and message.dossier_id is not None}
    # a new dossier: created (the same answer when sent again); delivered: done; kept:
    # accepted, an administrator will see it
    if body["started"]:
        return body, 201
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


@bp.post("/dossiers/<code>/withdrawal")
def withdraw_dossier(code: str) -> dict[str, Any]:
    """The applicant withdraws their dossier: the message `rut_ho_so` with their reason,
    as the citizen's page sends it (when the dossier's workflow waits for it)."""
    actor = api_actor()
    dossier = visible_dossier(db(), actor, code)
    if dossier.applicant_user != actor.username:
        raise Forbidden(gettext("Chỉ người nộp hồ sơ được rút hồ sơ."))
    body = json_body()
    errors: dict[str, list[str]] = {}
    refuse_nul(errors, body, "")
    if errors:
        raise InvalidInput(gettext("Yêu cầu rút hồ sơ không hợp lệ."), errors)
    message = messages.withdraw(db(), dossier, body.get("reason"), actor=actor.username)
    db().refresh(dossier)
    return {"message": message.id, "dossier": dossier_detail(db(), dossier)}
