"""A dossier code as a person types it: any case, with stray spaces."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.models import Dossier

MAX_INPUT = 64


def typed_code(value: str | None) -> str:
    """The code without spaces, upper-cased as codes are issued."""
    return "".join((value or "").split()).upper()[:MAX_INPUT]


def by_code(session: Session, value: str | None) -> Dossier | None:
    code = typed_code(value)
    if not code:
        return None
    return session.scalar(select(Dossier).where(func.upper(Dossier.code) == code))
