"""The signed-redirect protocol: signatures checked against vectors computed here
with hmac directly, amounts, dates, settings."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlsplit

import pytest

from connectors.payment import PaymentRequest, SignedRedirectGateway
from connectors.payment import protocol as p
from engine import config

SECRET = "KHOABIMATTHUNGHIEM0123456789ABCD"


def hexmac(data: str, secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), data.encode(), hashlib.sha512).hexdigest()


def test_signature_is_hmac_sha512_over_sorted_url_encoded_parameters():
    params = {"vnp_TxnRef": "TT000001AB", "vnp_Amount": "7500000",
              "vnp_OrderInfo": "Nộp lệ phí hồ sơ A-1",
              "vnp_ReturnUrl": "http://127.0.0.1:5000/thanh-toan/ket-qua?x=1",
              "vnp_BankCode": "", "vnp_SecureHash": "ignored", "vnp_SecureHashType": "HmacSHA512"}
    expected_text = ("vnp_Amount=7500000"
                     "&vnp_OrderInfo=N%E1%BB%99p+l%E1%BB%87+ph%C3%AD+h%E1%BB%93+s%C6%A1+A-1"
                     "&vnp_ReturnUrl=http%3A%2F%2F127.0.0.1%3A5000%2Fthanh-toan%2Fket-qua%3Fx%3D1"
                     "&vnp_TxnRef=TT000001AB")
    assert p.canonical_query(params) == expected_text
    assert p.sign(params, SECRET) == hexmac(expected_text)
    assert len(p.sign(params, SECRET)) == 128


def test_verify_accepts_the_right_signature_in_any_case_and_refuses_any_change():
    params = {"vnp_Amount": "1500000", "vnp_TxnRef": "BL1", "vnp_ResponseCode": "00"}
    signed = {**params, "vnp_SecureHash": hexmac("vnp_Amount=1500000&vnp_ResponseCode=00&vnp_TxnRef=BL1")}
    assert p.verify(signed, SECRET)
    assert p.verify({**signed, "vnp_SecureHash": signed["vnp_SecureHash"].upper()}, SECRET)
    assert not p.verify({**signed, "vnp_Amount": "1500100"}, SECRET)
    assert not p.verify({**signed, "vnp_ResponseCode": "24"}, SECRET)
    assert not p.verify(signed, SECRET + "x")
    assert not p.verify(params, SECRET)  # no signature at all


def test_api_signature_joins_fields_with_a_pipe_in_order():
    body = {"vnp_RequestId": "r1", "vnp_Version": "2.1.0", "vnp_Command": "querydr",
            "vnp_TmnCode": "MOTCUA01", "vnp_TxnRef": "TT1", "vnp_TransactionDate": "20260302090000",
            "vnp_CreateDate": "20260302091500", "vnp_IpAddr": "127.0.0.1", "vnp_OrderInfo": "tra cuu"}
    expected = hexmac("r1|2.1.0|querydr|MOTCUA01|TT1|20260302090000|20260302091500|127.0.0.1|tra cuu")
    assert p.sign_fields(body, p.QUERY_REQUEST_FIELDS, SECRET) == expected
    assert p.verify_fields({**body, "vnp_SecureHash": expected}, p.QUERY_REQUEST_FIELDS, SECRET)
    assert not p.verify_fields({**body, "vnp_TxnRef": "TT2", "vnp_SecureHash": expected},
                               p.QUERY_REQUEST_FIELDS, SECRET)


def test_amounts_and_dates_on_the_wire():
    assert p.to_wire_amount(75000) == "7500000"
    assert p.from_wire_amount("7500000") == 75000
    assert p.from_wire_amount("7500050") is None  # not a whole number of đồng
    assert p.from_wire_amount("-100") is None and p.from_wire_amount(None) is None
    moment = datetime(2026, 3, 2, 2, 5, 9, tzinfo=UTC)
    assert p.vn_timestamp(moment) == "20260302090509"  # UTC+7
    assert p.parse_vn_timestamp("20260302090509") == moment
    assert p.parse_vn_timestamp("2026-03-02") is None
    with pytest.raises(ValueError):
        p.vn_timestamp(datetime(2026, 3, 2))


def _settings(**overrides):
    values = dict(mode="gateway", gateway="vnpay", pay_url="https://pay.example.vn/vpcpay.html",
                  api_url="https://pay.example.vn/api", tmn_code="TMN00001", secret=SECRET,
                  public_url=None)
    values.update(overrides)
    return config.PaymentSettings(**values)


def test_payment_url_carries_every_field_and_a_signature_that_checks_out():
    gateway = SignedRedirectGateway(_settings())
    url = gateway.create_payment(PaymentRequest(
        reference="TT000007C0FFEE", amount=75000, order_info="Nop le phi ho so UBND-260302-0001",
        return_url="http://127.0.0.1:5000/thanh-toan/ket-qua", ip_address="10.0.0.9",
        created_at=datetime(2026, 3, 2, 2, 0, tzinfo=UTC)))
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://pay.example.vn/vpcpay.html"
    params = dict(parse_qsl(parts.query))
    assert params["vnp_Amount"] == "7500000" and params["vnp_CurrCode"] == "VND"
    assert params["vnp_Command"] == "pay" and params["vnp_Version"] == "2.1.0"
    assert params["vnp_TmnCode"] == "TMN00001" and params["vnp_TxnRef"] == "TT000007C0FFEE"
    assert params["vnp_CreateDate"] == "20260302090000" and params["vnp_IpAddr"] == "10.0.0.9"
    signed_part, signature = parts.query.rsplit("&vnp_SecureHash=", 1)
    assert signature == hexmac(signed_part)
    assert gateway.verify_return(params).valid_signature


def test_return_from_another_terminal_is_not_valid_even_when_signed():
    gateway = SignedRedirectGateway(_settings())
    params = {"vnp_TmnCode": "OTHER001", "vnp_TxnRef": "TT1", "vnp_Amount": "100",
              "vnp_ResponseCode": "00"}
    params["vnp_SecureHash"] = p.sign(params, SECRET)
    assert not gateway.handle_notification(params).valid_signature


def test_gateway_mode_needs_every_setting(monkeypatch):
    monkeypatch.setenv("MOTCUA_PAYMENT_MODE", "gateway")
    for name in ("URL", "API_URL", "TMN_CODE", "SECRET"):
        monkeypatch.delenv(f"MOTCUA_PAYMENT_{name}", raising=False)
    with pytest.raises(ValueError, match="MOTCUA_PAYMENT_SECRET"):
        config.payment_settings()
    monkeypatch.setenv("MOTCUA_PAYMENT_URL", "https://pay.example.vn/vpcpay.html")
    monkeypatch.setenv("MOTCUA_PAYMENT_API_URL", "https://pay.example.vn/api")
    monkeypatch.setenv("MOTCUA_PAYMENT_TMN_CODE", "TMN00001")
    monkeypatch.setenv("MOTCUA_PAYMENT_SECRET", "from-the-environment")
    settings = config.payment_settings()
    assert (settings.mode, settings.secret, settings.sandbox) == ("gateway", "from-the-environment",
                                                                  False)


def test_sandbox_secret_is_made_per_instance_not_shipped(monkeypatch, tmp_path):
    monkeypatch.delenv("MOTCUA_PAYMENT_MODE", raising=False)
    first = config.payment_settings("http://127.0.0.1:5000/")
    assert first.sandbox and len(first.secret) == 64
    assert first.pay_url == "http://127.0.0.1:5000/sandbox-bank/paymentv2/vpcpay.html"
    monkeypatch.setenv("MOTCUA_INSTANCE", str(tmp_path / "other"))
    assert config.payment_settings().secret != first.secret
