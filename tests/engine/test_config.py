"""Settings: read once from the environment over an optional TOML file, every problem
named with its setting, and nothing but engine/config.py reads the environment."""

from __future__ import annotations

import re
from pathlib import Path

from cryptography.fernet import Fernet

from engine import config

ROOT = Path(__file__).resolve().parent.parent.parent
EXAMPLE = ROOT / "examples" / "deploy" / "motcua.env"


def test_only_the_settings_module_reads_the_environment():
    reads = re.compile(r"\bos\.environ\b|\bgetenv\b|\bputenv\b|from os import .*environ")
    found = [f"{path.relative_to(ROOT)}:{n}"
             for folder in ("engine", "connectors", "web", "signing")
             for path in sorted((ROOT / folder).rglob("*.py"))
             if path != ROOT / "engine" / "config.py"
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if reads.search(line)]
    assert found == []


def test_a_file_gives_settings_and_the_environment_wins(tmp_path):
    path = tmp_path / "motcua.toml"
    path.write_text('database_url = "postgresql+psycopg://motcua:pw@db/motcua"\n'
                    'web_workers = 3\nlog_format = "json"\ncookie_secure = false\n'
                    'public_url = "https://motcua.example.gov.vn/"\n', encoding="utf-8")
    settings = config.load({"MOTCUA_CONFIG": str(path), "MOTCUA_WEB_WORKERS": "5"})
    assert settings.problems == ()
    assert settings.database_url == "postgresql+psycopg://motcua:pw@db/motcua"
    assert settings.web.workers == 5 and settings.log_format == "json"
    assert settings.cookie_secure is False
    assert settings.public_url == "https://motcua.example.gov.vn"
    sources = {s.name: s.source for s in settings.shown}
    assert sources["MOTCUA_WEB_WORKERS"] == "environment"
    assert sources["MOTCUA_LOG_FORMAT"] == "file" and sources["MOTCUA_WEB_BIND"] == "default"


def test_every_problem_is_named_with_its_setting(tmp_path):
    path = tmp_path / "motcua.toml"
    path.write_text('web_wokers = 3\n', encoding="utf-8")
    settings = config.load({
        "MOTCUA_CONFIG": str(path), "MOTCUA_WEB_THREADS": "many", "MOTCUA_DEMO": "maybe",
        "MOTCUA_TSA_URL": "http://tsa.example.vn/tsa", "MOTCUA_SIGNING_KEK": "short",
        "MOTCUA_PAYMENT_MODE": "gateway", "MOTCUA_PAYMENT_URL": "https://pay.example.vn",
        "MOTCUA_TRUST_ROOTS": str(tmp_path / "absent.pem"), "MOTCUA_SMPT_HOST": "mail",
        "MOTCUA_WORKER_METRICS_BIND": "9101",
    })
    problems = "\n".join(settings.problems)
    for expected in ("'web_wokers', which is no setting", "MOTCUA_WEB_THREADS must be a whole number",
                     "MOTCUA_DEMO must be 1 or 0", "MOTCUA_TSA_URL must be https",
                     "MOTCUA_SIGNING_KEK must be a Fernet key",
                     "missing: MOTCUA_PAYMENT_API_URL, MOTCUA_PAYMENT_TMN_CODE, MOTCUA_PAYMENT_SECRET",
                     "absent.pem is not a readable file", "MOTCUA_SMPT_HOST is set but is no setting",
                     "MOTCUA_WORKER_METRICS_BIND must be host:port, such as 127.0.0.1:9101, not '9101'"):
        assert expected in problems
    assert len(settings.problems) == 9
    assert config.load({"MOTCUA_WORKER_METRICS_BIND": "[::1]:9101"}).worker.metrics_bind == (
        "::1", 9101)


def test_a_file_that_is_not_toml_is_a_problem(tmp_path):
    path = tmp_path / "motcua.toml"
    path.write_text("database_url = \n", encoding="utf-8")
    assert "is not valid TOML" in config.load({"MOTCUA_CONFIG": str(path)}).problems[0]


def test_any_https_timestamp_authority_is_taken_with_its_login():
    settings = config.load({"MOTCUA_TSA_URL": "https://tsa.ca.gov.vn/tsr",
                            "MOTCUA_TSA_USER": "ubnd", "MOTCUA_TSA_PASSWORD": "pw"})
    assert settings.problems == ()
    assert (settings.tsa_url, settings.tsa_user, settings.tsa_password) == (
        "https://tsa.ca.gov.vn/tsr", "ubnd", "pw")
    alone = config.load({"MOTCUA_TSA_URL": "https://tsa.ca.gov.vn/tsr", "MOTCUA_TSA_USER": "u"})
    assert alone.problems == ("MOTCUA_TSA_USER and MOTCUA_TSA_PASSWORD go together",)


def test_secrets_are_masked():
    settings = config.load({
        "MOTCUA_DATABASE_URL": "postgresql+psycopg://motcua:s3cret@db/motcua",
        "MOTCUA_SECRET_KEY": "k" * 64, "MOTCUA_S3_SECRET_KEY": "s3-secret",
        "MOTCUA_RATELIMIT_STORAGE": "redis://:redispw@cache:6379/0"})
    shown = {s.name: s.value for s in settings.shown}
    assert shown["MOTCUA_DATABASE_URL"] == "postgresql+psycopg://motcua:***@db/motcua"
    assert shown["MOTCUA_SECRET_KEY"] == "***" and shown["MOTCUA_S3_SECRET_KEY"] == "***"
    assert shown["MOTCUA_RATELIMIT_STORAGE"] == "redis://:***@cache:6379/0"
    assert "s3cret" not in repr(settings) and "redispw" not in repr(settings.shown)


def _example() -> dict[str, str]:
    pairs = [line.split("=", 1) for line in EXAMPLE.read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")]
    return {name.strip(): value.strip() for name, value in pairs}


def test_the_example_settings_file_is_valid_once_its_secrets_are_chosen():
    example = _example()
    settings = config.load(example)
    assert settings.problems == ()
    placeholders = settings.production_problems()
    named = {p.split()[0] for p in placeholders}
    assert named == {name for name, value in example.items() if config.PLACEHOLDER in value
                     and name in config.SECRETS}
    chosen = {name: value.replace(config.PLACEHOLDER, "chosen") for name, value in example.items()}
    chosen["MOTCUA_SIGNING_KEK"] = Fernet.generate_key().decode()
    settings = config.load(chosen)
    assert settings.problems == () and settings.production_problems() == []
    assert not settings.demo and settings.payment_mode == "gateway"
