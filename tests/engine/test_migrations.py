"""The migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from engine import db, migrate
from engine.models import Base


def test_migrations_match_the_models(db_url):
    engine = db.make_engine(db_url)
    migrate.upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []


def test_the_migrations_form_one_chain():
    script = ScriptDirectory.from_config(migrate.alembic_config())
    assert len(script.get_heads()) == 1
    assert len(script.get_bases()) == 1
    for rev in script.walk_revisions():
        assert not isinstance(rev.down_revision, tuple | list), f"{rev.revision} merges branches"
        assert len(rev.nextrev) <= 1, f"{rev.revision} has several children: {rev.nextrev}"


def test_a_database_made_on_the_old_parallel_heads_upgrades(tmp_path):
    """Before the chain was linear, 0003, 0004, 0005 and 0010 were heads side by side."""
    engine = db.make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate.upgrade(engine, "0010")
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM alembic_version"))
        for rev in ("0010", "0005", "0004", "0003"):
            conn.execute(text("INSERT INTO alembic_version VALUES (:v)"), {"v": rev})
    migrate.upgrade(engine)
    with engine.connect() as conn:
        versions = [r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version"))]
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert versions == [migrate.head()]
    assert diff == []
