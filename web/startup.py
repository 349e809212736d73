"""What a long-running process does at start (the web app under `motcua serve`, each
`motcua worker`): sessions on the configured database, once its schema is checked to
be exactly this code's and the settings fit what is deployed. Such processes never
migrate: `motcua db upgrade` does."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from connectors import register_all
from engine import config, db, migrate
from engine.models import Procedure, ProcedureVersion


def sessions_at_head(url: str | None = None) -> sessionmaker[Session]:
    """Sessions with every connector registered; raises migrate.SchemaNotCurrent (naming
    `motcua db upgrade`) when the database is behind or ahead of this code, and
    config.SettingsError when production cannot run with these settings."""
    register_all()
    engine = db.make_engine(url or config.database_url())
    try:
        migrate.require_head(engine)
        sessions = db.session_factory(engine)
        refuse_unfit(config.current(), sessions)
    except BaseException:
        engine.dispose()
        raise
    return sessions


def deployed_versions(sessions: sessionmaker[Session]) -> list[dict[str, Any]]:
    """Every deployed procedure version: its code, settings and files."""
    with sessions() as session:
        rows = session.execute(select(Procedure.code, ProcedureVersion.settings,
                                      ProcedureVersion.files).join(ProcedureVersion.procedure))
        return [{"code": code, "settings": settings, "files": files}
                for code, settings, files in rows]


def unfit(settings: config.Settings, sessions: sessionmaker[Session] | None) -> list[str]:
    """Every reason a process refuses to start, each naming the setting to fix."""
    problems = list(settings.problems) + settings.production_problems()
    if sessions is not None and not settings.demo:
        problems += settings.deployment_problems(deployed_versions(sessions))
    return problems


def refuse_unfit(settings: config.Settings, sessions: sessionmaker[Session] | None) -> None:
    problems = unfit(settings, sessions)
    if problems:
        raise config.SettingsError(problems)
