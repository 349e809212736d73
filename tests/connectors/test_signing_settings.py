"""result.sign in production: the timestamp authority of the settings (with its login),
and the trust roots of the settings with revocation fetched from each certificate's
own responders."""

from __future__ import annotations

import pytest

from connectors import sign
from engine.procedures.operators import RetryableError
from signing.certs import read_cert


def test_the_configured_timestamp_authority_is_used_with_its_login(monkeypatch):
    monkeypatch.setenv("MOTCUA_TSA_URL", "https://tsa.ca.gov.vn/tsr")
    monkeypatch.setenv("MOTCUA_TSA_USER", "ubnd-hoankiem")
    monkeypatch.setenv("MOTCUA_TSA_PASSWORD", "tsa-secret")
    stamper = sign.timestamper(None)
    assert stamper.url == "https://tsa.ca.gov.vn/tsr"
    assert (stamper.auth.login, stamper.auth.password) == ("ubnd-hoankiem", "tsa-secret")


def test_without_an_authority_or_a_local_pki_signing_waits_for_the_setting():
    with pytest.raises(RetryableError, match="MOTCUA_TSA_URL"):
        sign.timestamper(None)


def test_trust_roots_from_the_settings_fetch_revocation_online(monkeypatch, signing_pki):
    root = signing_pki / "root-ca.crt"
    monkeypatch.setenv("MOTCUA_TRUST_ROOTS", str(root))
    trust = sign._trust(None, read_cert(root))
    assert trust.allow_fetching and trust.roots == (read_cert(root),)
