"""Working-day calendar for one-stop-shop deadlines.

A working day is a Monday-to-Friday that is not a Vietnamese public holiday, with
two kinds of exceptions set by the administrator: extra days off (a bridge day) and
make-up working days (a Saturday worked in exchange). The government's own swaps
shipped by the ``holidays`` package (e.g. Saturday 22/08/2026 worked for Monday
31/08/2026 off) are honoured the same way.

Deadlines count whole working days: the appointment date for a deadline of N working
days is the Nth working day after the effective receipt day, which is the receipt
day itself only when it is a working day and the dossier arrived before the cut-off.

The module imports only the standard library and ``holidays``; the public-holiday
tables are built lazily, once per year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Literal
from zoneinfo import ZoneInfo

import holidays

VIETNAM_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
ADMIN_DAY_OFF = "Ngày nghỉ bổ sung"  # label of an administrator's extra day off

Timeliness = Literal["early", "on_time", "late"]

_ONE_DAY = timedelta(days=1)
_SATURDAY = 5


@cache
def _official_year(year: int) -> tuple[dict[date, str], frozenset[date]]:
    """Vietnam's public holidays of ``year`` (date → Vietnamese name) and the
    weekend days of ``year`` the government declared working days in exchange.

    Swaps may cross a year boundary (a day off in December worked back in January),
    so the neighbouring years are loaded and the workdays filtered to ``year``.
    """
    table = holidays.country_holidays("VN", years=(year - 1, year, year + 1), language="vi")
    days_off = {day: str(name) for day, name in table.items() if day.year == year}
    workdays = frozenset(day for day in table.weekend_workdays if day.year == year)
    return days_off, workdays


def _require_aware(at: datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"naive datetime {at!r}: give a timezone-aware datetime")


@dataclass(frozen=True)
class WorkingCalendar:
    """Working days, receipt cut-off and office hours of one agency.

    ``days_off`` and ``working_days`` are the administrator's exceptions; a date in
    ``working_days`` is a working day even on a weekend or public holiday, a date in
    ``days_off`` never is. Times (``cutoff``, ``office_close``) are local to ``tz``.
    """

    days_off: frozenset[date] = frozenset()
    working_days: frozenset[date] = frozenset()
    cutoff: time = time(15, 0)
    office_close: time = time(17, 0)
    tz: ZoneInfo = VIETNAM_TZ

    def is_working_day(self, day: date) -> bool:
        """True if the office counts ``day`` towards deadlines."""
        if day in self.working_days:
            return True
        if day in self.days_off:
            return False
        public, swapped_workdays = _official_year(day.year)
        if day.weekday() >= _SATURDAY:
            return day in swapped_workdays
        return day not in public

    def is_holiday(self, day: date) -> str | None:
        """The name of the public holiday or administrator's day off on ``day``, else None.

        This names the day only; whether it is worked is :meth:`is_working_day`'s call
        (an administrator may still declare a public holiday a working day).
        """
        name = _official_year(day.year)[0].get(day)
        if name is None and day in self.days_off:
            return ADMIN_DAY_OFF
        return name

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        day += _ONE_DAY
        while not self.is_working_day(day):
            day += _ONE_DAY
        return day

    def local_date(self, at: datetime) -> date:
        """The calendar date of the aware datetime ``at`` in the office's time zone."""
        _require_aware(at)
        return at.astimezone(self.tz).date()

    def effective_start(self, at: datetime) -> date:
        """The effective receipt day of a dossier received at ``at``.

        It is ``at``'s local date when that is a working day and the local time is
        before the cut-off; otherwise the next working day.
        """
        _require_aware(at)
        local = at.astimezone(self.tz)
        day = local.date()
        if local.time() < self.cutoff and self.is_working_day(day):
            return day
        return self.next_working_day(day)

    def add_working_days(self, start: date, n: int) -> date:
        """The ``n``-th working day after ``start`` (``start`` itself when ``n`` is 0)."""
        if n < 0:
            raise ValueError(f"number of working days must be >= 0, got {n}")
        day = start
        while n:
            day += _ONE_DAY
            if self.is_working_day(day):
                n -= 1
        return day

    def appointment_date(self, received_at: datetime, n: int) -> date:
        """The appointment date (ngày hẹn trả) of a dossier received at ``received_at``
        with a legal deadline of ``n`` working days."""
        return self.add_working_days(self.effective_start(received_at), n)

    def end_of_day(self, day: date) -> datetime:
        """Office closing time on the local ``day``, as an aware datetime in UTC."""
        local = datetime.combine(day, self.office_close.replace(tzinfo=None), tzinfo=self.tz)
        return local.astimezone(UTC)

    def working_days_between(self, start: datetime, end: datetime) -> int:
        """How many working days ``d`` satisfy ``local_date(start) < d <= local_date(end)``.

        This is the length of a paused clock: a supplement requested on a Friday and
        answered on the next Tuesday paused two working days (Monday and Tuesday).
        Returns 0 when ``end`` is not after ``start``.
        """
        first, last = self.local_date(start), self.local_date(end)
        if end <= start:
            return 0
        count = 0
        day = first + _ONE_DAY
        while day <= last:
            if self.is_working_day(day):
                count += 1
            day += _ONE_DAY
        return count

    def extend(self, due: date, paused_days: int) -> date:
        """Push the due date ``due`` back by ``paused_days`` working days."""
        return self.add_working_days(due, paused_days)

    def timeliness(self, finished_at: datetime, due_day: date) -> Timeliness:
        """Compare the local date of ``finished_at`` with ``due_day``:
        ``"early"`` before it, ``"on_time"`` on it, ``"late"`` after it."""
        finished = self.local_date(finished_at)
        if finished < due_day:
            return "early"
        if finished == due_day:
            return "on_time"
        return "late"


def default_calendar() -> WorkingCalendar:
    """The calendar with no administrator exceptions, 15:00 cut-off, 17:00 close, Hanoi time."""
    return WorkingCalendar()
