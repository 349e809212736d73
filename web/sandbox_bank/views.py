"""The bank's pages (pay or cancel) and its merchant API (status query, refund)."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from connectors.payment import protocol as p
from engine import config
from engine.models import utcnow

from . import ledger

bp = Blueprint("sandbox_bank", __name__, url_prefix="/sandbox-bank")
log = logging.getLogger("motcua.sandbox_bank")
BANK_CODE = "NCB"
MERCHANT_NAME = "Cổng dịch vụ công trực tuyến (motcua)"


def merchants() -> dict[str, str]:
    """Merchant terminal code → shared secret, as registered with this bank."""
    return {config.SANDBOX_TMN_CODE: config.sandbox_secret()}


def _checked(params: dict[str, str]) -> tuple[str | None, str]:
    """(error, secret): the request must come from a known merchant, signed."""
    secret = merchants().get(params.get("vnp_TmnCode", ""))
    if secret is None:
        return "Mã website (vnp_TmnCode) không tồn tại", ""
    if not p.verify(params, secret):
        return "Sai chữ ký (vnp_SecureHash)", secret
    if params.get("vnp_Command") != "pay" or params.get("vnp_Version") != p.VERSION:
        return "Tham số không hợp lệ (vnp_Command, vnp_Version)", secret
    if p.from_wire_amount(params.get("vnp_Amount")) in (None, 0):
        return "Số tiền không hợp lệ", secret
    if not params.get("vnp_ReturnUrl") or not params.get("vnp_TxnRef"):
        return "Thiếu địa chỉ trả về hoặc mã giao dịch", secret
    return None, secret


@bp.get("/paymentv2/vpcpay.html")
def pay_page() -> tuple[str, int]:
    params = request.args.to_dict()
    error, _ = _checked(params)
    if error:
        return render_template("sandbox_bank/error.html", message=error), 400
    with ledger.books() as conn:
        done = ledger.find(conn, params["vnp_TmnCode"], params["vnp_TxnRef"])
    if done is not None:
        return render_template("sandbox_bank/error.html",
                               message="Giao dịch này đã được xử lý trước đó"), 409
    return render_template("sandbox_bank/pay.html", params=params, merchant=MERCHANT_NAME,
                           amount=p.from_wire_amount(params["vnp_Amount"]),
                           query=request.query_string.decode("ascii")), 200


@bp.post("/paymentv2/xac-nhan")
def confirm() -> Response | tuple[str, int]:
    query = request.form.get("q", "")
    params = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
    error, secret = _checked(params)
    if error:
        return render_template("sandbox_bank/error.html", message=error), 400
    pay = request.form.get("action") == "pay"
    tmn, ref = params["vnp_TmnCode"], params["vnp_TxnRef"]
    amount = p.from_wire_amount(params["vnp_Amount"]) or 0
    with ledger.books() as conn:
        if ledger.find(conn, tmn, ref) is not None:
            return render_template("sandbox_bank/error.html",
                                   message="Giao dịch này đã được xử lý trước đó"), 409
        txn = ledger.record(conn, tmn, ref, amount, params.get("vnp_OrderInfo", ""),
                            "paid" if pay else "cancelled", "00" if pay else "24", BANK_CODE,
                            p.vn_timestamp(utcnow()))
    result = _result_params(txn, secret)
    answer = _notify(tmn, ref, result)
    log.info("sandbox bank: %s %s %s đ, IPN answered %s", ref, txn.status, amount, answer)
    target = params["vnp_ReturnUrl"]
    return redirect(f"{target}{'&' if '?' in target else '?'}{p.signed_query(result, secret)}")


def _result_params(txn: ledger.Transaction, secret: str) -> dict[str, str]:
    return {
        "vnp_Amount": p.to_wire_amount(txn.amount), "vnp_BankCode": txn.bank_code,
        "vnp_BankTranNo": f"VNP{txn.transaction_no}" if txn.status == "paid" else "",
        "vnp_CardType": "ATM", "vnp_OrderInfo": txn.order_info, "vnp_PayDate": txn.pay_date,
        "vnp_ResponseCode": txn.response_code, "vnp_TmnCode": txn.tmn_code,
        "vnp_TransactionNo": txn.transaction_no if txn.status == "paid" else "0",
        "vnp_TransactionStatus": "00" if txn.status == "paid" else "02", "vnp_TxnRef": txn.txn_ref,
    }


def ipn_url() -> str:
    return config.current().sandbox_ipn_url or url_for("payments.ipn", _external=True)


def _notify(tmn: str, ref: str, result: dict[str, str]) -> str:
    """Send the IPN server to server (before the browser goes back) and keep the answer."""
    secret = merchants()[tmn]
    url = f"{ipn_url()}?{p.signed_query(result, secret)}"
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            answer = json.loads(response.read().decode("utf-8"))
        text = f"{answer.get('RspCode')} {answer.get('Message')}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        text = f"unreachable: {exc}"
    ledger.note_ipn(tmn, ref, text)
    return text


# -- merchant API -----------------------------------------------------------------------

@bp.post("/merchant_webapi/api/transaction")
def api() -> Response:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400)
    tmn = str(body.get("vnp_TmnCode", ""))
    secret = merchants().get(tmn)
    command = body.get("vnp_Command")
    base = {"vnp_ResponseId": str(body.get("vnp_RequestId", "")), "vnp_Command": str(command),
            "vnp_TmnCode": tmn, "vnp_TxnRef": str(body.get("vnp_TxnRef", ""))}
    if secret is None:
        return _answer(base, p.API_INVALID_MERCHANT, "Merchant khong ton tai", None, "")
    fields = {"querydr": p.QUERY_REQUEST_FIELDS, "refund": p.REFUND_REQUEST_FIELDS}.get(str(command))
    if fields is None or body.get("vnp_Version") != p.VERSION:
        return _answer(base, p.API_BAD_REQUEST, "Sai dinh dang du lieu", None, secret)
    if not p.verify_fields(body, fields, secret):
        return _answer(base, p.API_INVALID_SIGNATURE, "Sai chu ky", None, secret)
    with ledger.books() as conn:
        txn = ledger.find(conn, tmn, base["vnp_TxnRef"])
        if txn is None:
            return _answer(base, p.API_NOT_FOUND, "Khong tim thay giao dich", None, secret)
        if command == "querydr":
            kind = "01" if not txn.refunded else ("02" if txn.refunded >= txn.amount else "03")
            return _answer(base, p.API_OK, "Tra cuu thanh cong", txn, secret, kind)
        return _refund(conn, body, base, txn, secret)


def _refund(conn: Any, body: dict[str, Any], base: dict[str, str], txn: ledger.Transaction,
            secret: str) -> Response:
    request_id = str(body.get("vnp_RequestId", ""))
    amount = p.from_wire_amount(str(body.get("vnp_Amount", "")))
    earlier = ledger.refund_by_request(conn, txn.tmn_code, request_id)
    if earlier is not None:  # the same request again: the same answer, no new refund
        return _answer(base, p.API_OK, "Hoan tien thanh cong (da xu ly)", txn, secret, "02",
                       transaction_no=earlier["refund_no"])
    if txn.status != "paid":
        return _answer(base, p.API_REFUSED, "Giao dich khong thanh cong, khong the hoan", txn,
                       secret)
    if amount is None or amount <= 0 or amount > txn.amount - txn.refunded:
        return _answer(base, p.API_REFUSED, "So tien hoan vuot qua so tien con lai", txn, secret)
    number = ledger.add_refund(conn, txn.tmn_code, request_id, txn.txn_ref, amount,
                               p.vn_timestamp(utcnow()))
    return _answer(base, p.API_OK, "Hoan tien thanh cong", txn, secret,
                   "02" if amount == txn.amount else "03", transaction_no=number)


def _answer(base: dict[str, str], code: str, message: str, txn: ledger.Transaction | None,
            secret: str, kind: str = "", transaction_no: str | None = None) -> Response:
    body = {**base, "vnp_ResponseCode": code, "vnp_Message": message}
    if txn is not None:
        body.update({
            "vnp_Amount": p.to_wire_amount(txn.amount), "vnp_BankCode": txn.bank_code,
            "vnp_PayDate": txn.pay_date, "vnp_OrderInfo": txn.order_info,
            "vnp_TransactionNo": transaction_no or txn.transaction_no,
            "vnp_TransactionType": kind,
            "vnp_TransactionStatus": "00" if txn.status == "paid" else "02"})
    if secret:
        body["vnp_SecureHash"] = p.sign_fields(body, p.API_RESPONSE_FIELDS, secret)
    return jsonify(body)
