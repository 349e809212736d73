"""The signed-redirect payment protocol of Vietnamese gateways (version 2.1.0).

A payment URL carries `vnp_*` parameters; the signature is HMAC-SHA512, in hex,
over the parameters sorted by name and URL-encoded (`name=value&...`, spaces as
`+`), without the signature fields themselves. Amounts travel in đồng × 100.
Dates are Vietnam time, `yyyyMMddHHmmss`. The status query and refund APIs are
JSON POSTs signed over their fields joined with `|` in a fixed order.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import quote_plus

from engine.deadlines.calendar import VIETNAM_TZ as VIETNAM

VERSION = "2.1.0"
SIGNATURE_FIELDS = ("vnp_SecureHash", "vnp_SecureHashType")

# vnp_ResponseCode of a payment, as the payer should read it.
RESPONSE_MESSAGES = {
    "00": "Giao dịch thành công",
    "07": "Trừ tiền thành công, giao dịch bị nghi ngờ (liên quan tới lừa đảo, giao dịch bất thường)",
    "09": "Thẻ/Tài khoản chưa đăng ký dịch vụ InternetBanking",
    "10": "Xác thực thông tin thẻ/tài khoản không đúng quá 3 lần",
    "11": "Đã hết hạn chờ thanh toán",
    "12": "Thẻ/Tài khoản bị khóa",
    "13": "Nhập sai mật khẩu xác thực giao dịch (OTP)",
    "24": "Khách hàng hủy giao dịch",
    "51": "Tài khoản không đủ số dư",
    "65": "Tài khoản đã vượt quá hạn mức giao dịch trong ngày",
    "75": "Ngân hàng thanh toán đang bảo trì",
    "79": "Nhập sai mật khẩu thanh toán quá số lần quy định",
    "99": "Lỗi khác",
}

# Answers to a server-to-server notification (IPN).
IPN_CONFIRMED = "00"
IPN_ORDER_NOT_FOUND = "01"
IPN_ALREADY_CONFIRMED = "02"
IPN_INVALID_AMOUNT = "04"
IPN_INVALID_SIGNATURE = "97"
IPN_UNKNOWN_ERROR = "99"
IPN_MESSAGES = {
    IPN_CONFIRMED: "Confirm Success",
    IPN_ORDER_NOT_FOUND: "Order not found",
    IPN_ALREADY_CONFIRMED: "Order already confirmed",
    IPN_INVALID_AMOUNT: "Invalid amount",
    IPN_INVALID_SIGNATURE: "Invalid signature",
    IPN_UNKNOWN_ERROR: "Unknown error",
}

# Response codes of the query and refund APIs.
API_OK = "00"
API_INVALID_MERCHANT = "02"
API_BAD_REQUEST = "03"
API_NOT_FOUND = "91"
API_DUPLICATE = "94"
API_REFUSED = "95"
API_INVALID_SIGNATURE = "97"

QUERY_REQUEST_FIELDS = ("vnp_RequestId", "vnp_Version", "vnp_Command", "vnp_TmnCode",
                        "vnp_TxnRef", "vnp_TransactionDate", "vnp_CreateDate", "vnp_IpAddr",
                        "vnp_OrderInfo")
REFUND_REQUEST_FIELDS = ("vnp_RequestId", "vnp_Version", "vnp_Command", "vnp_TmnCode",
                         "vnp_TransactionType", "vnp_TxnRef", "vnp_Amount", "vnp_TransactionNo",
                         "vnp_TransactionDate", "vnp_CreateBy", "vnp_CreateDate", "vnp_IpAddr",
                         "vnp_OrderInfo")
API_RESPONSE_FIELDS = ("vnp_ResponseId", "vnp_Command", "vnp_ResponseCode", "vnp_Message",
                       "vnp_TmnCode", "vnp_TxnRef", "vnp_Amount", "vnp_BankCode", "vnp_PayDate",
                       "vnp_TransactionNo", "vnp_TransactionType", "vnp_TransactionStatus",
                       "vnp_OrderInfo")


def canonical_query(params: Mapping[str, object]) -> str:
    """The string that is signed: parameters sorted by name, URL-encoded, without
    the signature fields and without empty values."""
    items = sorted((k, str(v)) for k, v in params.items()
                   if k not in SIGNATURE_FIELDS and v is not None and str(v) != "")
    return "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in items)


def hmac_sha512(secret: str, data: str) -> str:
    return hmac.new(secret.encode("utf-8"), data.encode("utf-8"), hashlib.sha512).hexdigest()


def sign(params: Mapping[str, object], secret: str) -> str:
    return hmac_sha512(secret, canonical_query(params))


def signed_query(params: Mapping[str, object], secret: str) -> str:
    """The query string of a signed URL: the canonical query and its signature."""
    query = canonical_query(params)
    return f"{query}&vnp_SecureHash={hmac_sha512(secret, query)}"


def verify(params: Mapping[str, object], secret: str) -> bool:
    given = str(params.get("vnp_SecureHash") or "")
    return bool(given) and hmac.compare_digest(given.lower(), sign(params, secret))


def sign_fields(params: Mapping[str, object], fields: tuple[str, ...], secret: str) -> str:
    """The API signature: the named fields' values joined with `|`, in order."""
    return hmac_sha512(secret, "|".join(str(params.get(f, "") or "") for f in fields))


def verify_fields(params: Mapping[str, object], fields: tuple[str, ...], secret: str) -> bool:
    given = str(params.get("vnp_SecureHash") or "")
    return bool(given) and hmac.compare_digest(given.lower(), sign_fields(params, fields, secret))


def vn_timestamp(moment: datetime) -> str:
    """yyyyMMddHHmmss in Vietnam time."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime refused")
    return moment.astimezone(VIETNAM).strftime("%Y%m%d%H%M%S")


def parse_vn_timestamp(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=VIETNAM).astimezone(UTC)
    except ValueError:
        return None


def to_wire_amount(dong: int) -> str:
    return str(int(dong) * 100)


def from_wire_amount(text: str | None) -> int | None:
    """đồng from the wire's hundredths; None when it is not a whole number of đồng."""
    if text is None or not str(text).isdigit():
        return None
    value = int(text)
    return value // 100 if value % 100 == 0 else None
