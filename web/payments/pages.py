"""Paying online: start, the gateway's return, the IPN, and receipts."""

from __future__ import annotations

from typing import Any

from flask import jsonify, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from connectors.payment import GatewayError, Notice, current_gateway
from connectors.payment import protocol as p
from engine.errors import NotFound
from engine.models import Dossier, Payment, Refund, utcnow
from engine.payments import payments

from ..access import check_dossier_visible
from ..citizen.ownership import my_dossier
from ..identity import db, require_role
from .blueprint import bp


def gateway():
    return current_gateway(request.host_url)


def word(notice: Notice) -> payments.GatewayWord:
    return payments.GatewayWord(
        valid_signature=notice.valid_signature, reference=notice.reference, amount=notice.amount,
        success=notice.success, cancelled=notice.cancelled, response_code=notice.response_code,
        transaction_no=notice.transaction_no, bank_code=notice.bank_code, paid_at=notice.paid_at)


@bp.post("/ho-so/<code>/thanh-toan")
@require_role("citizen")
def pay(code: str) -> Response:
    s = db()
    dossier = my_dossier(s, code)
    adapter = gateway()
    payment = payments.open_online_payment(s, dossier, adapter.name)
    url = adapter.create_payment(payments_request(payment, dossier))
    return redirect(url)


def payments_request(payment: Payment, dossier: Dossier):
    from connectors.payment import PaymentRequest

    return PaymentRequest(
        reference=payment.reference, amount=payment.amount,
        order_info=f"Nop le phi ho so {dossier.code}",
        return_url=url_for("payments.returned", _external=True),
        ip_address=request.remote_addr or "127.0.0.1", created_at=utcnow(),
        locale="vn")


@bp.get("/thanh-toan/ket-qua")
def returned() -> tuple[str, int]:
    """Where the gateway sends the payer back. It settles nothing by itself: only
    a verified IPN does, or a status query when the IPN is late."""
    s = db()
    params = request.args.to_dict()
    notice = gateway().verify_return(params)
    payment = s.scalar(select(Payment).where(Payment.reference == (notice.reference or "")))
    verdict = "ok" if notice.valid_signature and payment is not None else "refused"
    payments.log_notice(s, "return", params, verdict,
                        "return checked" if verdict == "ok" else "bad signature or unknown reference",
                        notice.reference, request.remote_addr, utcnow())
    if verdict != "ok" or payment is None:
        # Returned, not raised: the refused notice logged above is committed with the 400.
        return render_template("payments/returned.html", outcome="invalid", payment=None,
                               dossier=None), 400
    if notice.success and payment.status == "pending":
        _query_late(payment)
    dossier = s.get(Dossier, payment.dossier_id)
    if payment.status == "paid":
        outcome = "paid"
    elif payment.status == "late":
        outcome = "late"
    elif notice.cancelled:
        outcome = "cancelled"
    elif notice.success:
        outcome = "processing"
    else:
        outcome = "failed"
    message = p.RESPONSE_MESSAGES.get(notice.response_code or "", "")
    return render_template("payments/returned.html", outcome=outcome, payment=payment,
                           dossier=dossier, bank_message=message), 200


def _query_late(payment: Payment) -> None:
    """The IPN has not come yet: ask the gateway, and settle if it says paid."""
    try:
        result = gateway().query(payment.reference, payment.created_at)
    except GatewayError:
        return
    if not result.paid:
        return
    payments.settle(db(), payments.GatewayWord(
        valid_signature=True, reference=payment.reference, amount=result.amount, success=True,
        cancelled=False, response_code="00", transaction_no=result.transaction_no,
        bank_code=result.bank_code, paid_at=result.paid_at), source="query",
        params={"query": payment.reference, "transaction_no": result.transaction_no},
        remote_addr=None)
    db().refresh(payment)


@bp.route("/thanh-toan/ipn", methods=["GET", "POST"])
def ipn() -> Response:
    """The gateway's server-to-server notification: strict and idempotent."""
    params: dict[str, Any] = request.args.to_dict() or request.form.to_dict()
    adapter = gateway()
    notice = adapter.handle_notification(params)
    code, reason = payments.settle(db(), word(notice), source="ipn", params=params,
                                   remote_addr=request.remote_addr)
    return jsonify(adapter.ipn_answer(code, p.IPN_MESSAGES.get(code, reason)))


def _visible_payment(reference: str) -> tuple[Payment, Dossier]:
    s = db()
    payment = s.scalar(select(Payment).where(Payment.reference == reference))
    if payment is None:
        raise NotFound(gettext("Không tìm thấy biên lai %(ref)s.", ref=reference))
    dossier = s.get(Dossier, payment.dossier_id)
    assert dossier is not None
    if dossier.applicant_user and dossier.applicant_user == current_user.username:
        return payment, dossier
    if not current_user.is_officer and not current_user.has_role("admin") \
            and not current_user.has_role("auditor"):
        raise NotFound(gettext("Không tìm thấy biên lai %(ref)s.", ref=reference))
    check_dossier_visible(s, current_user, dossier)
    return payment, dossier


@bp.get("/bien-lai/<reference>")
@require_role("citizen", "reception", "specialist", "leader", "admin", "auditor")
def receipt(reference: str) -> tuple[str, int]:
    payment, dossier = _visible_payment(reference)
    if payment.status not in ("paid", "refunded"):
        raise NotFound(gettext("Khoản thanh toán %(ref)s chưa hoàn tất.", ref=reference))
    return render_template("payments/receipt.html", payment=payment, dossier=dossier,
                           procedure=dossier.procedure_version.settings), 200


@bp.get("/bien-lai-hoan-tra/<reference>")
@require_role("citizen", "reception", "specialist", "leader", "admin", "auditor")
def refund_receipt(reference: str) -> tuple[str, int]:
    s = db()
    refund = s.scalar(select(Refund).where(Refund.reference == reference))
    if refund is None:
        raise NotFound(gettext("Không tìm thấy chứng từ hoàn trả %(ref)s.", ref=reference))
    payment = s.get(Payment, refund.payment_id)
    assert payment is not None
    payment, dossier = _visible_payment(payment.reference)
    return render_template("payments/refund_receipt.html", refund=refund, payment=payment,
                           dossier=dossier, procedure=dossier.procedure_version.settings), 200
