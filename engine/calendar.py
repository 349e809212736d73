"""Working days: weekends and Vietnamese public holidays skipped, with the
administrator's extra days off and make-up working days."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


@lru_cache(maxsize=64)
def public_holidays(year: int) -> dict[date, str]:
    return dict(holidays.country_holidays("VN", years=year, language="vi"))


@dataclass(frozen=True)
class WorkingCalendar:
    days_off: frozenset[date] = frozenset()
    working_days: frozenset[date] = frozenset()
    cutoff: time = time(15, 0)
    office_close: time = time(17, 0)
    tz: ZoneInfo = field(default=VIETNAM)

    def is_holiday(self, day: date) -> str | None:
        if day in self.days_off:
            return "Ngày nghỉ bổ sung"
        return public_holidays(day.year).get(day)

    def is_working_day(self, day: date) -> bool:
        if day in self.working_days:
            return True
        return day.weekday() < 5 and self.is_holiday(day) is None

    def next_working_day(self, day: date) -> date:
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def local_date(self, at: datetime) -> date:
        if at.tzinfo is None:
            raise ValueError("naive datetime: give a timezone-aware one")
        return at.astimezone(self.tz).date()

    def effective_start(self, at: datetime) -> date:
        """The day the clock starts: the day itself when a working day before the cut-off."""
        local = at.astimezone(self.tz) if at.tzinfo else None
        if local is None:
            raise ValueError("naive datetime: give a timezone-aware one")
        day = local.date()
        if self.is_working_day(day) and local.time() < self.cutoff:
            return day
        return self.next_working_day(day)

    def add_working_days(self, start: date, n: int) -> date:
        if n < 0:
            raise ValueError("n must be ≥ 0")
        day = start
        for _ in range(n):
            day = self.next_working_day(day)
        return day

    def appointment_date(self, received_at: datetime, n: int) -> date:
        return self.add_working_days(self.effective_start(received_at), n)

    def end_of_day(self, day: date) -> datetime:
        return datetime.combine(day, self.office_close, self.tz).astimezone(UTC)

    def working_days_between(self, start: datetime, end: datetime) -> int:
        """Working days d with local_date(start) < d <= local_date(end)."""
        first, last = self.local_date(start), self.local_date(end)
        count, day = 0, first + timedelta(days=1)
        while day <= last:
            count += self.is_working_day(day)
            day += timedelta(days=1)
        return count

    def extend(self, due: date, paused_days: int) -> date:
        return self.add_working_days(due, paused_days)

    def timeliness(self, finished_at: datetime, due_day: date) -> str:
        day = self.local_date(finished_at)
        return "early" if day < due_day else "on_time" if day == due_day else "late"


def default_calendar() -> WorkingCalendar:
    return WorkingCalendar()
