"""What a long-running process does at start (the web app under `motcua serve`, each
`motcua worker`): sessions on the configured database, once its schema is checked to
be exactly this code's. Such processes never migrate: `motcua db upgrade` does."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from connectors import register_all
from engine import config, db, migrate


def sessions_at_head(url: str | None = None) -> sessionmaker[Session]:
    """Sessions with every connector registered; raises migrate.SchemaNotCurrent (naming
    `motcua db upgrade`) when the database is behind or ahead of this code."""
    register_all()
    engine = db.make_engine(url or config.database_url())
    try:
        migrate.require_head(engine)
    except BaseException:
        engine.dispose()
        raise
    return db.session_factory(engine)
