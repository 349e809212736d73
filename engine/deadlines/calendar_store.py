"""The working-day calendar with the administrator's exceptions from the database.

Read on every input, so it is cached per database for a short while; a change
made through `set_day` is seen at once in this process, and within
`CACHE_SECONDS` in the others."""

from __future__ import annotations

import time
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db import database_key
from ..models import CalendarDay
from .calendar import WorkingCalendar

CACHE_SECONDS = 30.0
_cache: dict[str, tuple[float, WorkingCalendar]] = {}


def load_calendar(session: Session) -> WorkingCalendar:
    key = database_key(session)
    cached = _cache.get(key)
    if cached is not None and time.monotonic() - cached[0] < CACHE_SECONDS:
        return cached[1]
    rows = session.execute(select(CalendarDay.day, CalendarDay.kind)).all()
    calendar = WorkingCalendar(
        days_off=frozenset(d for d, kind in rows if kind == "off"),
        working_days=frozenset(d for d, kind in rows if kind == "working"),
    )
    _cache[key] = (time.monotonic(), calendar)
    return calendar


def set_day(session: Session, day: date, kind: str, note: str | None = None) -> None:
    """Declare an extra day off ('off') or a make-up working day ('working')."""
    if kind not in ("off", "working"):
        raise ValueError("kind must be 'off' or 'working'")
    row = session.get(CalendarDay, day)
    if row is None:
        session.add(CalendarDay(day=day, kind=kind, note=note))
    else:
        row.kind, row.note = kind, note
    session.flush()
    _cache.pop(database_key(session), None)
