"""What the bench scripts share: the backends to measure on, a scratch database per
run (dropped afterwards), and percentiles."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from connectors import register_all  # run as modules: python -m bench.<name>
from engine import config, db, migrate
from engine.db import transaction
from engine.dossiers import runner
from engine.procedures import procedures
from engine.scenario.scenario import all_scenarios

PG_URL = os.environ.get("MOTCUA_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def backends(tmp: Path) -> list[tuple[str, str, Engine | None]]:
    """(label, URL, admin engine or None for SQLite); PostgreSQL only when it answers."""
    found: list[tuple[str, str, Engine | None]] = [
        ("SQLite (WAL)", f"sqlite:///{tmp / 'bench.db'}", None)]
    try:
        admin = create_engine(make_url(PG_URL), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
        found.append(("PostgreSQL", PG_URL, admin))
    except Exception as exc:
        print(f"(PostgreSQL skipped: {exc.__class__.__name__})")
    return found


@contextmanager
def scratch_database(url: str, admin: Engine | None, tmp: Path, run: int) -> Iterator[str]:
    """A fresh, empty database for one run: a new SQLite file, or a PostgreSQL database
    created for the run and dropped after it."""
    if admin is None:
        yield f"sqlite:///{tmp / f'bench{run}.db'}"
        return
    name = f"motcua_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def with_dossiers(url: str, procedure: str, n: int,
                  **engine_options: object) -> tuple[Engine, sessionmaker[Session], list[str]]:
    """A migrated database with every procedure deployed and `n` dossiers of
    `procedure` submitted (its scenario's application); returns the engine, sessions
    and the dossier codes."""
    engine = db.make_engine(url, **engine_options)
    migrate.upgrade(engine)
    register_all()
    sessions = db.session_factory(engine)
    scenario = all_scenarios()[procedure]
    with transaction(sessions) as s:
        procedures.deploy_path(s, config.PROJECT_ROOT / "processes", "bench")
        codes = [runner.submit(s, scenario.procedure, scenario.application, actor="bench",
                               applicant_user="bench").code for _ in range(n)]
    return engine, sessions, codes
