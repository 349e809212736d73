"""Messages for administrators: those kept because no single dossier waited for them
(none did, or several did), newest first with their keys and payload, a "send again" for
each, and what dossiers wait for right now, so that one can see why a message found no
dossier."""

from __future__ import annotations

import json
from dataclasses import dataclass

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from engine.dossiers.messages import redeliver
from engine.errors import Conflict, NotFound
from engine.models import Dossier, Message, MessageWait

from ..identity import db, require_role
from ..paging import MAX_PAGE, page_number
from ..unit_of_work import attempt
from . import bp

PAGE_SIZE = 20
WAITING_LIMIT = 50


@dataclass
class KeptRow:
    message: Message
    keys: list[tuple[str, str]]  # the correlation keys the sender gave, by name
    reason: str  # why it was kept, in words
    payload: str  # pretty JSON


@dataclass
class WaitRow:
    wait: MessageWait
    code: str  # the waiting dossier's


def reason_words(status: str) -> str:
    """Why a message was kept, as an administrator reads it."""
    if status == "ambiguous":
        return gettext("Nhiều hồ sơ cùng chờ thông điệp này nên không xác định được hồ sơ "
                       "nhận.")
    return gettext("Không có hồ sơ nào chờ thông điệp này với các khóa này.")


def _row(message: Message) -> KeptRow:
    correlation = message.correlation if isinstance(message.correlation, dict) else {}
    keys = sorted((str(name), str(value)) for name, value in correlation.items())
    return KeptRow(message, keys, reason_words(message.status),
                   json.dumps(message.payload, ensure_ascii=False, indent=2, sort_keys=True))


@bp.get("/thong-diep", endpoint="messages")
@require_role("admin")
def messages() -> str:
    s = db()
    page = page_number("trang")
    kept = Message.status != "delivered"  # as engine.dossiers.messages.kept, a page of it
    total = s.scalar(select(func.count(Message.id)).where(kept)) or 0
    rows = [_row(m) for m in s.scalars(
        select(Message).where(kept).order_by(Message.received_at.desc(), Message.id.desc())
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE))]
    waiting = [WaitRow(wait, code) for wait, code in s.execute(
        select(MessageWait, Dossier.code).join(Dossier, Dossier.id == MessageWait.dossier_id)
        .where(MessageWait.status == "waiting")
        .order_by(MessageWait.created_at.desc(), MessageWait.id.desc())
        .limit(WAITING_LIMIT))]
    return render_template("admin/messages.html", rows=rows, total=total, page=page,
                           pages=max(1, -(-total // PAGE_SIZE)), waiting=waiting,
                           waiting_limit=WAITING_LIMIT)


@bp.post("/thong-diep/<int:message_id>/gui-lai", endpoint="redeliver_message")
@require_role("admin")
def send_again(message_id: int) -> Response:
    """Try the kept message again (a dossier may wait for it by now) and say what
    happened; one already delivered, or unknown, is only named."""
    s = db()
    try:
        with attempt():
            message = redeliver(s, message_id)
    except NotFound:
        flash(gettext("Không có thông điệp #%(id)d.", id=message_id))
        return _back()
    except Conflict:
        flash(_conflict_words(message_id))
        return _back()
    if message.status == "delivered":
        flash(gettext("Đã chuyển cho hồ sơ %(code)s.", code=_code(message.dossier_id)))
    elif message.status == "ambiguous":
        flash(gettext("Vẫn có nhiều hồ sơ cùng chờ thông điệp này nên chưa chuyển được; xem "
                      "các hồ sơ đang chờ bên dưới."))
    else:
        flash(gettext("Vẫn chưa có hồ sơ nào chờ thông điệp này."))
    return _back()


def _conflict_words(message_id: int) -> str:
    """Why the message could not be sent again: delivered before, or the dossier stopped
    waiting for it while it was being given."""
    message = db().get(Message, message_id)
    if message is not None and message.status == "delivered":
        return gettext("Thông điệp #%(id)d đã được chuyển cho hồ sơ %(code)s trước đó.",
                       id=message_id, code=_code(message.dossier_id))
    return gettext("Hồ sơ vừa thôi chờ thông điệp #%(id)d trong lúc chuyển; vui lòng thử "
                   "lại.", id=message_id)


def _code(dossier_id: int | None) -> str:
    code = db().scalar(select(Dossier.code).where(Dossier.id == dossier_id)) \
        if dossier_id is not None else None
    return code or "?"


def _back() -> Response:
    """The page of the list the form was posted from."""
    raw = request.form.get("trang", "")
    page = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 7 and \
        1 < int(raw) <= MAX_PAGE else None
    return redirect(url_for("admin.messages", trang=page))
