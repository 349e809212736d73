from __future__ import annotations

import os
import shutil
import tomllib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from connectors import register_all
from engine import db, migrate

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
PROCESSES = ROOT / "processes"

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("MOTCUA_TEST_DATABASE_URL") else [])


@pytest.fixture(autouse=True, scope="session")
def cheap_password_hashing():
    """Argon2 at production cost takes ~100 ms a hash; tests create many accounts."""
    from argon2 import PasswordHasher

    from engine.accounts import accounts

    saved = accounts._hasher
    accounts._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    accounts._hasher = saved


SIGNERS = {"lanhdao": "Lê Quang Hải", "pholanhdao": "Đặng Thu Hà", "chuyenvien": "Trần Văn Minh"}
SIGNING_PASSPHRASE = "motcua-demo"  # the scenarios' consent_to_sign
HOAN_KIEM = "Ủy ban nhân dân phường Hoàn Kiếm"
# one key-encryption key for the session: the PKI's organisation keys are sealed under it
SIGNING_KEK = Fernet.generate_key().decode()


@pytest.fixture(scope="session")
def signing_pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One local PKI for the session, with a key for each officer who signs in the
    scenarios. Tests that revoke or expire certificates make their own."""
    from connectors import organisation_keys
    from signing import OfficerSpec, init_pki, load_pki

    folder = tmp_path_factory.mktemp("pki")
    init_pki(folder, [OfficerSpec(name, HOAN_KIEM, SIGNING_PASSPHRASE,
                                  slug=username, key_type="ec-p256")
                      for username, name in SIGNERS.items()], organisation="motcua tests")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MOTCUA_PKI", str(folder))
        patch.setenv("MOTCUA_SIGNING_KEK", SIGNING_KEK)
        pki = load_pki(folder)
        for path in sorted(PROCESSES.glob("*/procedure.toml")):
            settings = tomllib.loads(path.read_text(encoding="utf-8"))
            if settings.get("shared"):  # runs in its callers' agencies
                continue
            organisation_keys.issue(settings["agency"], settings["agency_name_vi"])
            if settings["agency_name_vi"] != HOAN_KIEM:  # the officers serve this agency too
                for username, name in SIGNERS.items():
                    pki.issue_officer(name, settings["agency_name_vi"], SIGNING_PASSPHRASE,
                                      slug=f"{username}@{settings['agency'].lower()}",
                                      key_type="ec-p256")
    return folder


@pytest.fixture(scope="session")
def signed_samples(signing_pki: Path) -> dict[str, bytes]:
    """PDFs as businesses sign and send them in (tests/signed_samples.py), made once."""
    from .signed_samples import make_samples

    return make_samples(signing_pki)


@pytest.fixture(autouse=True)
def instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, signing_pki: Path) -> Iterator[Path]:
    """Every test gets its own instance folder (blobs, mail) and the session's PKI, and
    opts in to the demo's parts (the sandbox bank, the local PKI's endpoints); the tests
    of production mode unset MOTCUA_DEMO. Settings a command installed end with the test."""
    from engine import config

    path = tmp_path / "instance"
    monkeypatch.setenv("MOTCUA_DEMO", "1")
    monkeypatch.setenv("MOTCUA_INSTANCE", str(path))
    monkeypatch.setenv("MOTCUA_PKI", str(signing_pki))
    monkeypatch.setenv("MOTCUA_SIGNING_KEK", SIGNING_KEK)
    for name in [n for n in os.environ if n.startswith("MOTCUA_") and n not in config.IGNORED]:
        if name not in ("MOTCUA_DEMO", "MOTCUA_INSTANCE", "MOTCUA_PKI", "MOTCUA_SIGNING_KEK"):
            monkeypatch.delenv(name)  # the settings of the shell that runs the suite
    yield path
    config.install(None)


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str | None]:
    """A PostgreSQL database migrated once; each test copies it (CREATE DATABASE
    ... TEMPLATE) instead of running every migration again."""
    if "postgresql" not in BACKENDS:
        yield None
        return
    admin_url = make_url(os.environ["MOTCUA_TEST_DATABASE_URL"])
    name = f"motcua_tpl_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = db.make_engine(admin_url.set(database=name).render_as_string(hide_password=False),
                            poolclass=NullPool)
    migrate.upgrade(engine)
    engine.dispose()
    try:
        yield name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database migrated once (per test process); each test copies the file."""
    path = tmp_path_factory.mktemp("sqlite-template") / "migrated.db"
    engine = db.make_engine(f"sqlite:///{path}", poolclass=NullPool)
    migrate.upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path, pg_template: str | None,
           sqlite_template: Path) -> Iterator[str]:
    """A fresh database at the schema's head: a copy of the migrated SQLite file, or a
    PostgreSQL database created for this test from the migrated template and dropped
    after it."""
    if request.param == "sqlite":
        shutil.copyfile(sqlite_template, tmp_path / "test.db")
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    with postgres_database("motcua_t", template=pg_template) as url:
        yield url


@contextmanager
def postgres_database(prefix: str, template: str | None = None) -> Iterator[str]:
    """The URL of a PostgreSQL database made for one test (empty, or a copy of
    `template`) on the server MOTCUA_TEST_DATABASE_URL names, dropped afterwards."""
    admin_url = make_url(os.environ["MOTCUA_TEST_DATABASE_URL"])
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    copy = f' TEMPLATE "{template}"' if template else ""
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"{copy}'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def sessions(db_url: str) -> Iterator[sessionmaker[Session]]:
    engine = db.make_engine(db_url)
    migrate.require_head(engine)  # db_url copied a migrated database
    register_all()
    yield db.session_factory(engine)
    engine.dispose()


@pytest.fixture
def session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    s = sessions()
    yield s
    s.rollback()
    s.close()


def at(text_: str) -> datetime:
    """An aware datetime from 'YYYY-MM-DD HH:MM' in Vietnam time."""
    from engine.deadlines.calendar import VIETNAM_TZ

    local = datetime.strptime(text_, "%Y-%m-%d %H:%M").replace(tzinfo=VIETNAM_TZ)
    return local.astimezone(UTC)


# -- web ---------------------------------------------------------------------------

DEMO_PASSWORD = "matkhau-thu-nghiem"


@pytest.fixture
def app(sessions):
    from web.app import create_app

    application = create_app(sessions, TESTING=True, SESSION_COOKIE_SECURE=False,
                             SECRET_KEY="test-secret", RATELIMIT_ENABLED=False,
                             DEMO=False)  # the mailbox and portal: tests turn them on
    return application


@pytest.fixture
def people(sessions):
    """Officers and citizens with known passwords, keyed by username."""
    from engine.accounts.accounts import create_user
    from engine.db import transaction

    accounts = {
        "tiepnhan": ("Nguyễn Thị Hoa", [("reception", "MOTCUA")]),
        "chuyenvien": ("Trần Văn Minh", [("specialist", "TUPHAP")]),
        "chuyenvien_qldt": ("Phạm Văn Quy", [("specialist", "QLDT")]),
        "lanhdao": ("Lê Quang Hải", [("leader", "LANHDAO")]),
        "pholanhdao": ("Đặng Thu Hà", [("leader", "LANHDAO")]),
        "admin": ("Quản trị", [("admin", "*")]),
        "kiemtoan": ("Đỗ Minh Tuấn", [("auditor", "*")]),
        "congdan": ("Nguyễn Văn An", [("citizen", "*")]),
        "congdan2": ("Hoàng Thị Lan", [("citizen", "*")]),
    }
    with transaction(sessions) as s:
        for username, (name, roles) in accounts.items():
            create_user(s, username, name, DEMO_PASSWORD, roles, email=f"{username}@example.vn",
                        phone="0912345678", id_number="001094012345")
    return accounts


def login(client, username: str, password: str = DEMO_PASSWORD):
    """Sign a test client in through the real form (CSRF token included)."""
    import re

    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"username": username, "password": password,
                                           "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def csrf_token(client, path: str) -> str:
    import re

    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


@pytest.fixture
def live_server(app):
    """The app served on a free local port in a thread, for the browser."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


CHROMIUM = os.environ.get("MOTCUA_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture
def browser():
    """Headless Debian Chromium driven by Playwright."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} missing: .ci/run must install Debian's chromium")
        pytest.skip("chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield instance
        instance.close()


class Screens:
    """Screenshots of a browser walk, saved under the test's tmp folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count = 0

    def shot(self, page, name: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def screens(tmp_path) -> Screens:
    return Screens(tmp_path / "screens")
