"""Alembic migrations, run from code (`motcua db upgrade`).

The revisions form one linear chain. Databases created while 0003–0006 were
parallel branches of 0002 carry several rows in `alembic_version` (the old
heads); every one of them lies on today's chain, so the newest stands for all.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head() -> str:
    """The one head of the chain; more than one is a mistake in a new migration."""
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    if len(heads) != 1:
        raise RuntimeError(f"migrations have {len(heads)} heads ({', '.join(sorted(heads))}); "
                           "each new migration must revise the current head")
    return heads[0]


def _collapse_old_heads(connection: Connection) -> None:
    if not inspect(connection).has_table("alembic_version"):
        return
    rows = [r[0] for r in connection.execute(text("SELECT version_num FROM alembic_version"))]
    if len(rows) <= 1:
        return
    script = ScriptDirectory.from_config(alembic_config())
    order = [rev.revision for rev in script.walk_revisions("base", head())]  # newest first
    newest = min(rows, key=order.index)
    connection.execute(text("DELETE FROM alembic_version WHERE version_num != :v"), {"v": newest})


def upgrade(engine: Engine, revision: str | None = None) -> None:
    """Upgrade to the head (or to `revision`)."""
    target = revision or head()
    cfg = alembic_config()
    with engine.begin() as connection:
        _collapse_old_heads(connection)
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, target)
