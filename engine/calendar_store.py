"""The working-day calendar with the administrator's exceptions from the database."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from .calendar import WorkingCalendar
from .models import CalendarDay


def load_calendar(session: Session) -> WorkingCalendar:
    rows = session.execute(select(CalendarDay.day, CalendarDay.kind)).all()
    return WorkingCalendar(
        days_off=frozenset(d for d, kind in rows if kind == "off"),
        working_days=frozenset(d for d, kind in rows if kind == "working"),
    )


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
