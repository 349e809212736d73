"""`motcua db upgrade` is the only thing that migrates, and two of them at once are
safe; a worker refuses a database whose schema is older or newer than its code."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from engine import db, migrate

from ..conftest import BACKENDS, ROOT, postgres_database


@pytest.fixture(params=BACKENDS)
def empty_db(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """A database with nothing in it: a new SQLite file, or a PostgreSQL database
    created for this test (not from the migrated template) and dropped after it."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    with postgres_database("motcua_up") as url:
        yield url


def _motcua(url: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "MOTCUA_DATABASE_URL": url, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "web.cli", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _finish(proc: subprocess.Popen[str]) -> tuple[int, str]:
    out, _ = proc.communicate(timeout=120)
    return proc.returncode, out


def _revision(url: str) -> str | None:
    engine = db.make_engine(url)
    try:
        return migrate.current(engine)
    finally:
        engine.dispose()


def test_two_upgrades_at_once_both_succeed_and_one_migrates(empty_db):
    first, second = _motcua(empty_db, "db", "upgrade"), _motcua(empty_db, "db", "upgrade")
    results = [_finish(first), _finish(second)]
    assert [code for code, _ in results] == [0, 0], results
    outputs = [out for _, out in results]
    migrated = [out for out in outputs if "migrated from an empty database" in out]
    idle = [out for out in outputs if "nothing to do" in out]
    assert len(migrated) == 1 and len(idle) == 1, outputs
    assert _revision(empty_db) == migrate.head()
    assert "nothing to do" in _finish(_motcua(empty_db, "db", "upgrade"))[1]


@pytest.mark.skipif("postgresql" not in BACKENDS, reason="MOTCUA_TEST_DATABASE_URL not set")
@pytest.mark.parametrize("empty_db", ["postgresql"], indirect=True)  # the lock is PostgreSQL's
def test_an_upgrade_waits_for_the_migration_lock_on_postgresql(empty_db):
    name = make_url(empty_db).database
    holder = create_engine(empty_db, isolation_level="AUTOCOMMIT")
    engine = db.make_engine(empty_db)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            migrate.upgrade(engine)
        except BaseException as exc:  # reported by the test below
            errors.append(exc)

    with holder.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": migrate.MIGRATION_LOCK_KEY})
        upgrading = threading.Thread(target=run)
        upgrading.start()
        waiting = text("SELECT count(*) FROM pg_stat_activity WHERE datname = :d "
                       "AND wait_event_type = 'Lock' AND wait_event = 'advisory'")
        deadline = time.monotonic() + 60
        while not conn.execute(waiting, {"d": name}).scalar() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert conn.execute(waiting, {"d": name}).scalar() == 1  # the upgrade waits ...
        assert _revision(empty_db) is None  # ... having changed nothing yet
        conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": migrate.MIGRATION_LOCK_KEY})
        upgrading.join(timeout=120)
    holder.dispose()
    engine.dispose()
    assert not upgrading.is_alive() and not errors, errors
    assert _revision(empty_db) == migrate.head()


def _older_revision() -> str:
    chain = [rev.revision for rev in ScriptDirectory.from_config(
        migrate.alembic_config()).walk_revisions()]
    return chain[1]


def test_a_worker_refuses_an_older_schema_and_names_the_command(empty_db):
    older = _older_revision()
    engine = db.make_engine(empty_db)
    migrate.upgrade(engine, older)
    engine.dispose()
    code, out = _finish(_motcua(empty_db, "worker", "--once"))
    assert code == 1, out
    assert f"the database's schema ({older}) is older than this motcua's ({migrate.head()})" in out
    assert "run `motcua db upgrade` first" in out
    assert _revision(empty_db) == older  # the worker migrated nothing
    code, out = _finish(_motcua(empty_db, "db", "upgrade"))
    assert code == 0 and f"migrated from {older} to {migrate.head()}" in out, out
    code, out = _finish(_motcua(empty_db, "worker", "--once"))
    assert code == 0 and "jobs done 0" in out, out


def test_a_worker_refuses_an_empty_database_and_a_newer_schema(empty_db, monkeypatch):
    from click.testing import CliRunner

    from web.cli import main

    monkeypatch.setenv("MOTCUA_DATABASE_URL", empty_db)
    refused = CliRunner().invoke(main, ["worker", "--once"])
    assert refused.exit_code == 1, refused.output
    assert "the database has no motcua schema yet: run `motcua db upgrade` first" in refused.output
    assert _revision(empty_db) is None
    engine = db.make_engine(empty_db)
    migrate.upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_later'"))
    engine.dispose()
    refused = CliRunner().invoke(main, ["worker", "--once"])
    assert refused.exit_code == 1, refused.output
    assert (f"the database's schema (9999_from_later) is newer than this motcua knows "
            f"(its newest is {migrate.head()})") in refused.output
    assert "`motcua db upgrade`" in refused.output
