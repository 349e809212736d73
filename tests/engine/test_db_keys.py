"""Caches keyed by database (the working calendar, parsed procedure versions) serve a
session bound to one connection as well as one bound to the engine."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from engine.db import database_key
from engine.deadlines.calendar_store import load_calendar, set_day


def test_a_session_on_one_connection_reads_and_changes_the_calendar(
        sessions: sessionmaker[Session]) -> None:
    engine = sessions.kw["bind"]
    with sessions() as on_engine:
        key = database_key(on_engine)
    with engine.connect() as connection, Session(bind=connection) as on_connection:
        assert database_key(on_connection) == key
        set_day(on_connection, date(2026, 3, 9), "off")
        assert date(2026, 3, 9) in load_calendar(on_connection).days_off
        on_connection.rollback()
