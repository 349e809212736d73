"""Process-wide wiring: the database engine, sessions, handlers."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from connectors import register_all
from engine import config, db, migrate


@lru_cache(maxsize=8)
def _engine(url: str) -> Engine:
    engine = db.make_engine(url)
    migrate.upgrade(engine)
    return engine


def factory(url: str | None = None) -> sessionmaker[Session]:
    """Sessions on an up-to-date database, with every connector registered."""
    register_all()
    return db.session_factory(_engine(url or config.database_url()))
