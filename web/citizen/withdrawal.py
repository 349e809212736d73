"""The applicant withdraws a dossier whose workflow waits for the withdrawal message
(`rut_ho_so`): the message goes to the dossier like a partner's, and the diagram decides
what follows."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from engine.dossiers import messages
from engine.errors import Conflict

from ..identity import db, require_role
from .blueprint import bp
from .dossiers import render_dossier
from .ownership import my_dossier


@bp.post("/ho-so/<code>/rut-ho-so")
@require_role("citizen")
def withdraw(code: str) -> Response | tuple[str, int]:
    s = db()
    dossier = my_dossier(s, code)
    if not messages.awaits_message(s, dossier, messages.WITHDRAWAL):
        raise Conflict(gettext("Hồ sơ này không thể rút ở bước hiện tại."))
    reason = request.form.get("ly_do", "").strip()
    errors = {}
    if not reason:
        errors["ly_do"] = gettext("Nhập lý do rút hồ sơ.")
    elif len(reason) > messages.REASON_LIMIT:
        errors["ly_do"] = gettext("Lý do rút hồ sơ dài tối đa %(n)s ký tự.",
                                  n=messages.REASON_LIMIT)
    if request.form.get("xac_nhan") != "1":
        errors["xac_nhan"] = gettext("Đánh dấu xác nhận để rút hồ sơ.")
    if errors:
        return render_dossier(dossier, 400, withdrawal_errors=errors, withdrawal_reason=reason)
    messages.withdraw(s, dossier, reason, actor=current_user.username)
    flash(gettext("Đã gửi yêu cầu rút hồ sơ."))
    return redirect(url_for(".dossier", code=code))
