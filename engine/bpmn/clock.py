"""The time an input is applied at. Timers compare against it rather than the
wall clock, so replaying recorded inputs reproduces the same history."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

_now: ContextVar[datetime | None] = ContextVar("motcua_engine_now", default=None)


def now() -> datetime:
    return _now.get() or datetime.now(UTC)


@contextmanager
def clock_at(at: datetime) -> Iterator[None]:
    if at.tzinfo is None:
        raise ValueError("the engine clock needs an aware datetime")
    token = _now.set(at)
    try:
        yield
    finally:
        _now.reset(token)
