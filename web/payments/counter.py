"""Reception takes the fee in cash, and hands refunds back, at the counter."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from engine.dossiers.runner import get_dossier
from engine.errors import NotFound
from engine.models import Refund
from engine.payments import payments

from ..access import check_dossier_id_visible, check_dossier_visible
from ..identity import db, require_role
from .blueprint import bp


@bp.post("/can-bo/ho-so/<code>/thu-phi")
@require_role("reception")
def take_cash(code: str) -> Response:
    s = db()
    check_dossier_visible(s, current_user, get_dossier(s, code))
    payment = payments.record_counter_payment(s, code, current_user.username)
    flash(gettext("Đã thu %(amount)s tiền mặt cho hồ sơ %(code)s.",
                  amount=f"{payment.amount:,}".replace(",", ".") + " đ", code=code))
    return redirect(url_for("payments.receipt", reference=payment.reference))


@bp.post("/can-bo/hoan-tra/<int:refund_id>")
@require_role("reception")
def hand_back(refund_id: int) -> Response:
    s = db()
    refund = s.get(Refund, refund_id)
    if refund is None:
        raise NotFound("refund not found", refund=refund_id)
    check_dossier_id_visible(s, current_user, refund.dossier_id)
    payments.hand_back_refund(s, refund_id, current_user.username)
    return redirect(url_for("payments.refund_receipt", reference=refund.reference))
