"""Alembic migrations, run from code (`motcua db upgrade`).

The revisions form one linear chain. Databases created while 0003–0006 were
parallel branches of 0002 carry several rows in `alembic_version` (the old
heads); every one of them lies on today's chain, so the newest stands for all.

Only `motcua db upgrade` (and the demo and the tests, through the same
`upgrade`) migrates. On PostgreSQL it holds an advisory lock for the whole
upgrade, so two upgrades started together run one after the other: the second
finds nothing left to do. On SQLite the transaction starts with BEGIN IMMEDIATE
(engine.db), which serialises them the same way. Web and worker processes only
check the schema (`require_head`) and refuse an older or a newer one.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

from .errors import MotcuaError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

# The key of the PostgreSQL advisory lock held while migrating ("motcua" in ASCII).
MIGRATION_LOCK_KEY = 0x6D6F74637561

UPGRADE_COMMAND = "motcua db upgrade"


class SchemaNotCurrent(MotcuaError):
    """The database's schema is not the one this code was written for."""

    http_status = 503


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


@lru_cache(maxsize=1)
def _revisions() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The heads, and every revision newest first; read once a process (/readyz asks)."""
    script = ScriptDirectory.from_config(alembic_config())
    return tuple(script.get_heads()), tuple(rev.revision for rev in script.walk_revisions())


def head() -> str:
    """The one head of the chain; more than one is a mistake in a new migration."""
    heads = _revisions()[0]
    if len(heads) != 1:
        raise RuntimeError(f"migrations have {len(heads)} heads ({', '.join(sorted(heads))}); "
                           "each new migration must revise the current head")
    return heads[0]


def _chain() -> list[str]:
    """Every revision, newest first."""
    head()
    return list(_revisions()[1])


def _recorded(connection: Connection) -> list[str] | None:
    """The rows of alembic_version, or None when the table does not exist."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    return [r[0] for r in connection.execute(text("SELECT version_num FROM alembic_version"))]


def _collapse_old_heads(connection: Connection) -> None:
    rows = _recorded(connection)
    if rows is None or len(rows) <= 1:
        return
    order = _chain()
    newest = min(rows, key=order.index)
    connection.execute(text("DELETE FROM alembic_version WHERE version_num != :v"), {"v": newest})


def current(bind: Engine | Connection) -> str | None:
    """The database's revision (the newest row, for a database made on the old parallel
    heads; a revision this code does not know counts as newest), or None when the
    database was never migrated."""
    if isinstance(bind, Engine):
        with bind.connect() as connection:
            rows = _recorded(connection)
    else:
        rows = _recorded(bind)
    if not rows:
        return None
    order = _chain()
    unknown = sorted(r for r in rows if r not in order)
    if unknown:
        return unknown[0]
    return min(rows, key=order.index)


def require_head(bind: Engine | Connection) -> str:
    """Return the head when the database's schema is exactly this code's; else raise
    SchemaNotCurrent saying what to run. Long-running processes call this at start
    instead of migrating."""
    expected = head()
    found = current(bind)
    if found == expected:
        return expected
    where = bind.engine.url.render_as_string(hide_password=True)
    if found is None:
        raise SchemaNotCurrent(
            f"the database has no motcua schema yet: run `{UPGRADE_COMMAND}` first",
            database=where, expected=expected)
    if found in _chain():
        raise SchemaNotCurrent(
            f"the database's schema ({found}) is older than this motcua's ({expected}): "
            f"run `{UPGRADE_COMMAND}` first, then start this process again",
            database=where)
    raise SchemaNotCurrent(
        f"the database's schema ({found}) is newer than this motcua knows (its newest is "
        f"{expected}): run the motcua release that migrated it, or install it here and run "
        f"`{UPGRADE_COMMAND}`", database=where)


def upgrade(engine: Engine, revision: str | None = None) -> str | None:
    """Upgrade to the head (or to `revision`), holding the migration lock on PostgreSQL:
    an upgrade started while another runs waits for it, then has nothing left to do.
    Return the revision found once the lock was held (None: an empty database)."""
    target = revision or head()
    cfg = alembic_config()
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # released with the transaction, whether it commits or rolls back
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                               {"key": MIGRATION_LOCK_KEY})
        _collapse_old_heads(connection)
        rows = _recorded(connection)
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, target)
    return rows[0] if rows else None
