"""The signed-redirect gateway adapter (payment URL, return, IPN, query, refund)."""

from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.request
from datetime import datetime
from typing import Any

from engine.config import PaymentSettings
from engine.models import utcnow

from . import protocol as p
from .gateway import GatewayError, Notice, PaymentRequest, QueryResult, RefundResult

TIMEOUT = 10


class SignedRedirectGateway:
    def __init__(self, settings: PaymentSettings) -> None:
        self.settings = settings
        self.name = settings.gateway

    # -- the payer's browser --------------------------------------------------------

    def create_payment(self, request: PaymentRequest) -> str:
        if not self.settings.pay_url:
            raise GatewayError("the payment gateway's address is not known "
                               "(set MOTCUA_PUBLIC_URL or MOTCUA_PAYMENT_URL)")
        params = {
            "vnp_Version": p.VERSION, "vnp_Command": "pay", "vnp_TmnCode": self.settings.tmn_code,
            "vnp_Amount": p.to_wire_amount(request.amount), "vnp_CurrCode": "VND",
            "vnp_TxnRef": request.reference, "vnp_OrderInfo": request.order_info,
            "vnp_OrderType": "other", "vnp_Locale": request.locale,
            "vnp_ReturnUrl": request.return_url, "vnp_IpAddr": request.ip_address,
            "vnp_CreateDate": p.vn_timestamp(request.created_at),
        }
        return f"{self.settings.pay_url}?{p.signed_query(params, self.settings.secret)}"

    def verify_return(self, params: dict[str, str]) -> Notice:
        return self._notice(params)

    def handle_notification(self, params: dict[str, str]) -> Notice:
        return self._notice(params)

    def ipn_answer(self, code: str, message: str) -> dict[str, Any]:
        return {"RspCode": code, "Message": message}

    def _notice(self, params: dict[str, str]) -> Notice:
        valid = (p.verify(params, self.settings.secret)
                 and params.get("vnp_TmnCode") == self.settings.tmn_code)
        return Notice(
            valid_signature=valid, reference=params.get("vnp_TxnRef"),
            amount=p.from_wire_amount(params.get("vnp_Amount")),
            response_code=params.get("vnp_ResponseCode"),
            transaction_status=params.get("vnp_TransactionStatus"),
            transaction_no=params.get("vnp_TransactionNo"), bank_code=params.get("vnp_BankCode"),
            paid_at=p.parse_vn_timestamp(params.get("vnp_PayDate")), raw=dict(params))

    # -- server to server -----------------------------------------------------------

    def query(self, reference: str, created_at: datetime) -> QueryResult:
        request = self._api_request("querydr", {
            "vnp_TxnRef": reference, "vnp_OrderInfo": f"Truy van giao dich {reference}",
            "vnp_TransactionDate": p.vn_timestamp(created_at),
        }, p.QUERY_REQUEST_FIELDS)
        answer = self._post(request)
        code = str(answer.get("vnp_ResponseCode", ""))
        return QueryResult(
            reference=reference, found=code == p.API_OK, response_code=code,
            transaction_status=answer.get("vnp_TransactionStatus"),
            amount=p.from_wire_amount(answer.get("vnp_Amount")),
            transaction_no=answer.get("vnp_TransactionNo") or None,
            bank_code=answer.get("vnp_BankCode") or None,
            paid_at=p.parse_vn_timestamp(answer.get("vnp_PayDate")),
            transaction_type=answer.get("vnp_TransactionType") or None)

    def refund(self, reference: str, amount: int, reason: str, *, refund_reference: str,
               transaction_no: str | None, paid_at: datetime, requested_by: str) -> RefundResult:
        request = self._api_request("refund", {
            "vnp_TransactionType": "02", "vnp_TxnRef": reference,
            "vnp_Amount": p.to_wire_amount(amount), "vnp_TransactionNo": transaction_no or "",
            "vnp_TransactionDate": p.vn_timestamp(paid_at), "vnp_CreateBy": requested_by,
            "vnp_OrderInfo": reason[:255] or f"Hoan tra {reference}",
        }, p.REFUND_REQUEST_FIELDS, request_id=refund_reference)
        answer = self._post(request)
        code = str(answer.get("vnp_ResponseCode", ""))
        return RefundResult(
            reference=reference, refund_reference=refund_reference, ok=code == p.API_OK,
            response_code=code, message=str(answer.get("vnp_Message", "")), amount=amount,
            gateway_refund_no=answer.get("vnp_TransactionNo") or None)

    def _api_request(self, command: str, fields: dict[str, str], order: tuple[str, ...],
                     request_id: str | None = None) -> dict[str, str]:
        body = {
            "vnp_RequestId": request_id or secrets.token_hex(16), "vnp_Version": p.VERSION,
            "vnp_Command": command, "vnp_TmnCode": self.settings.tmn_code,
            "vnp_CreateDate": p.vn_timestamp(utcnow()), "vnp_IpAddr": "127.0.0.1", **fields,
        }
        body["vnp_SecureHash"] = p.sign_fields(body, order, self.settings.secret)
        return body

    def _post(self, body: dict[str, str]) -> dict[str, Any]:
        if not self.settings.api_url:
            raise GatewayError("the payment gateway's API address is not known "
                               "(set MOTCUA_PUBLIC_URL or MOTCUA_PAYMENT_API_URL)")
        request = urllib.request.Request(
            self.settings.api_url, data=json.dumps(body).encode("utf-8"), method="POST",
            headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                answer = json.loads(response.read().decode("utf-8"))
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
            raise GatewayError(f"gateway {body['vnp_Command']} failed: {exc}") from exc
        if not isinstance(answer, dict) or not p.verify_fields(
                answer, p.API_RESPONSE_FIELDS, self.settings.secret):
            raise GatewayError(f"gateway {body['vnp_Command']} answer has a bad signature")
        return answer
