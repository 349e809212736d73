"""Production is the default: the demo's parts exist only when the demo (or a test) turns
them on, and the web app, `motcua worker` and `motcua serve` refuse to start with what
production cannot run with, naming the setting to fix; `motcua config check` lists it."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from cryptography.fernet import Fernet

from engine import config
from engine.db import transaction
from engine.procedures import procedures
from web.app import create_app
from web.cli import main

from ..conftest import PROCESSES

GATEWAY = {"MOTCUA_PAYMENT_MODE": "gateway", "MOTCUA_PAYMENT_URL": "https://pay.example.vn/pay",
           "MOTCUA_PAYMENT_API_URL": "https://pay.example.vn/api",
           "MOTCUA_PAYMENT_TMN_CODE": "UBNDHK01", "MOTCUA_PAYMENT_SECRET": "gateway-secret"}


@pytest.fixture
def production(monkeypatch):
    monkeypatch.delenv("MOTCUA_DEMO")
    monkeypatch.setenv("MOTCUA_SECRET_KEY", "a" * 64)
    return monkeypatch


@pytest.fixture
def deployed(sessions):
    """The processes/ bundles: they charge fees and sign at B-LT."""
    with transaction(sessions) as s:
        procedures.deploy_path(s, PROCESSES, "test")
    return sessions


def refusal(sessions) -> str:
    with pytest.raises(config.SettingsError) as refused:
        create_app(sessions, TESTING=True)
    return str(refused.value)


def test_production_has_none_of_the_demos_parts(production, sessions):
    app = create_app(sessions, TESTING=True)
    client = app.test_client()
    assert not [r for r in app.url_map.iter_rules() if r.rule.startswith("/sandbox-bank")]
    assert client.get("/pki/ca/root-ca.crt").status_code == 404
    assert client.get("/demo/mailbox").status_code == 404
    assert client.get("/healthz").status_code == 200
    production.setenv("MOTCUA_DEMO", "1")
    demo = create_app(sessions, TESTING=True)
    assert [r for r in demo.url_map.iter_rules() if r.rule.startswith("/sandbox-bank")]
    assert demo.test_client().get("/pki/ca/root-ca.crt").status_code == 200


@pytest.mark.parametrize(("name", "value", "named"), [
    ("MOTCUA_SECRET_KEY", None, "MOTCUA_SECRET_KEY is not set"),
    ("MOTCUA_SIGNING_KEK", None, "MOTCUA_SIGNING_KEK is not set"),
    ("MOTCUA_SECRET_KEY", "CHANGE-ME-64-random-hex-characters", "MOTCUA_SECRET_KEY still holds"),
    ("MOTCUA_PAYMENT_MODE", "sandbox", "MOTCUA_PAYMENT_MODE=sandbox is the demo's bank"),
])
def test_the_app_refuses_demo_secrets_and_a_missing_key(production, sessions, name, value, named):
    if value is None:
        production.delenv(name)
    else:
        production.setenv(name, value)
    assert named in refusal(sessions)


def test_fees_need_a_gateway_and_timestamped_signatures_an_authority(production, deployed):
    why = refusal(deployed)
    assert "construction_permit, marital_status charge(s) fees but no payment gateway" in why
    assert "MOTCUA_PAYMENT_MODE=gateway" in why
    assert "sign(s) at level B-T or above but no timestamp authority is set: set MOTCUA_TSA_URL" in why
    for name, value in GATEWAY.items():
        production.setenv(name, value)
    why = refusal(deployed)
    assert "payment gateway" not in why and "MOTCUA_TSA_URL" in why
    production.setenv("MOTCUA_TSA_URL", "https://tsa.ca.gov.vn/tsr")
    app = create_app(deployed, TESTING=True)
    assert app.config["SECRET_KEY"] == "a" * 64 and not app.config["DEMO"]


def motcua(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_worker_and_serve_refuse_before_they_start(production, deployed, db_url):
    production.setenv("MOTCUA_DATABASE_URL", db_url)
    for command in (["worker", "--once"], ["serve", "--bind", "127.0.0.1:1"]):
        code, out = motcua(*command)
        assert code == 1, out
        assert "set MOTCUA_TSA_URL" in out and "MOTCUA_PAYMENT_MODE=gateway" in out
        assert "motcua config check" in out


def test_config_check_prints_the_settings_masked_and_every_problem(production, deployed, db_url):
    production.setenv("MOTCUA_DATABASE_URL", db_url)
    production.setenv("MOTCUA_S3_SECRET_KEY", "s3-secret-value")
    code, out = motcua("config", "check")
    assert code == 1
    assert "mode: production" in out and "MOTCUA_SECRET_KEY              ***  (environment)" in out
    assert "s3-secret-value" not in out and "a" * 64 not in out
    assert "2 problem(s)" in out and "set MOTCUA_TSA_URL" in out and "payment gateway" in out
    for name, value in {**GATEWAY, "MOTCUA_TSA_URL": "https://tsa.ca.gov.vn/tsr"}.items():
        production.setenv(name, value)
    production.setenv("MOTCUA_SIGNING_KEK", Fernet.generate_key().decode())
    code, out = motcua("config", "check")
    assert code == 0, out
    assert out.rstrip().endswith("no problems") and "gateway-secret" not in out


def test_config_check_names_bad_values_without_the_database(production):
    production.setenv("MOTCUA_WEB_WORKERS", "0")
    production.setenv("MOTCUA_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    code, out = motcua("config", "check")
    assert code == 1 and "MOTCUA_WEB_WORKERS must be at least 1, got 0" in out
    production.delenv("MOTCUA_WEB_WORKERS")
    code, out = motcua("config", "check")
    assert code == 1 and "MOTCUA_DATABASE_URL: the database does not answer" in out
