"""Working-day calendar: weekends, Vietnamese public holidays, the administrator's
exceptions, the receipt cut-off, paused clocks and timeliness, on real dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from engine.deadlines.calendar import ADMIN_DAY_OFF, WorkingCalendar, default_calendar

VN = WorkingCalendar().tz
CAL = default_calendar()


def at(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    """A local (Asia/Ho_Chi_Minh) aware datetime."""
    return datetime(y, m, d, hh, mm, tzinfo=VN)


def weekday_days_off(cal: WorkingCalendar, year: int) -> set[date]:
    """Every Monday-to-Friday of ``year`` that is not a working day."""
    day, off = date(year, 1, 1), set()
    while day.year == year:
        if day.weekday() < 5 and not cal.is_working_day(day):
            off.add(day)
        day += timedelta(days=1)
    return off


# -- defaults, weekends ---------------------------------------------------------------


def test_default_calendar():
    assert default_calendar() == WorkingCalendar()
    assert CAL.cutoff == time(15, 0) and CAL.office_close == time(17, 0)
    assert str(CAL.tz) == "Asia/Ho_Chi_Minh"
    assert CAL.days_off == frozenset() and CAL.working_days == frozenset()


def test_weekend_is_skipped():
    # 2026-03-02 is a Monday, with no holiday that week or the next.
    assert [CAL.is_working_day(date(2026, 3, d)) for d in range(2, 9)] == [
        True, True, True, True, True, False, False,
    ]
    assert CAL.next_working_day(date(2026, 3, 6)) == date(2026, 3, 9)  # Fri → Mon
    assert CAL.next_working_day(date(2026, 3, 7)) == date(2026, 3, 9)  # Sat → Mon
    assert CAL.next_working_day(date(2026, 3, 2)) == date(2026, 3, 3)  # strictly after
    assert CAL.add_working_days(date(2026, 3, 5), 2) == date(2026, 3, 9)  # Thu + 2 → Mon
    assert CAL.appointment_date(at(2026, 3, 6, 9), 1) == date(2026, 3, 9)


def test_monday_examples_from_the_rules():
    assert CAL.appointment_date(at(2026, 3, 2, 10), 3) == date(2026, 3, 5)  # Mon 10:00 → Thu
    assert CAL.appointment_date(at(2026, 3, 2, 16), 3) == date(2026, 3, 6)  # Mon 16:00 → Fri


def test_add_working_days_zero_and_negative():
    assert CAL.add_working_days(date(2026, 3, 4), 0) == date(2026, 3, 4)
    assert CAL.add_working_days(date(2026, 3, 2), 15) == date(2026, 3, 23)
    with pytest.raises(ValueError):
        CAL.add_working_days(date(2026, 3, 4), -1)


# -- public holidays ------------------------------------------------------------------


def test_public_holidays_2026_as_given_by_the_package():
    assert weekday_days_off(CAL, 2026) == {
        date(2026, 1, 1),  # New Year
        date(2026, 2, 16), date(2026, 2, 17), date(2026, 2, 18),  # Tết
        date(2026, 2, 19), date(2026, 2, 20),
        date(2026, 4, 27),  # Hùng Kings (26/4 is a Sunday), moved to Monday
        date(2026, 4, 30), date(2026, 5, 1),
        date(2026, 8, 31), date(2026, 9, 1), date(2026, 9, 2),  # National Day
        date(2026, 11, 24),  # Vietnam Cultural Day
    }
    assert CAL.is_holiday(date(2026, 2, 17)) == "Tết Nguyên Đán"
    assert CAL.is_holiday(date(2026, 4, 26)) == "Ngày Giỗ Tổ Hùng Vương"
    assert CAL.is_holiday(date(2026, 9, 2)) == "Quốc khánh"
    assert CAL.is_holiday(date(2026, 3, 4)) is None
    assert CAL.is_holiday(date(2026, 3, 7)) is None  # a plain Saturday is no holiday


def test_tet_2026():
    for d in range(16, 21):
        assert CAL.is_holiday(date(2026, 2, d)) is not None
        assert not CAL.is_working_day(date(2026, 2, d))
    assert CAL.is_holiday(date(2026, 2, 16)) == "Giao thừa Tết Nguyên Đán"
    assert CAL.is_working_day(date(2026, 2, 13)) and CAL.is_working_day(date(2026, 2, 23))
    # Thu 12/2 10:00, 3 days: Fri 13/2, then the break (14/2–22/2), Mon 23/2, Tue 24/2.
    assert CAL.appointment_date(at(2026, 2, 12, 10), 3) == date(2026, 2, 24)
    # Fri 13/2 after the cut-off: the clock starts on Mon 23/2.
    assert CAL.effective_start(at(2026, 2, 13, 15, 30)) == date(2026, 2, 23)
    assert CAL.appointment_date(at(2026, 2, 13, 15, 30), 3) == date(2026, 2, 26)
    # Received during Tết.
    assert CAL.effective_start(at(2026, 2, 18, 9)) == date(2026, 2, 23)


def test_tet_2027():
    assert {d for d in weekday_days_off(CAL, 2027) if d.month == 2} == {
        date(2027, 2, 4), date(2027, 2, 5), date(2027, 2, 8), date(2027, 2, 9),
        date(2027, 2, 10),
    }
    # Wed 3/2/2027 10:00, 1 day → Thu 11/2/2027.
    assert CAL.appointment_date(at(2027, 2, 3), 1) == date(2027, 2, 11)


def test_hung_kings_30_april_and_1_may_2026():
    assert CAL.is_holiday(date(2026, 4, 30)) == "Ngày Chiến thắng"
    assert CAL.is_holiday(date(2026, 5, 1)) == "Ngày Quốc tế Lao động"
    # Wed 29/4, 1 day: Thu 30/4 and Fri 1/5 off, weekend → Mon 4/5.
    assert CAL.appointment_date(at(2026, 4, 29), 1) == date(2026, 5, 4)
    # Fri 24/4, 2 days: Mon 27/4 (Hùng Kings, observed) off → Tue 28/4, Wed 29/4.
    assert CAL.appointment_date(at(2026, 4, 24), 2) == date(2026, 4, 29)


def test_national_day_2026_and_the_official_swap():
    assert [CAL.is_working_day(date(2026, 9, d)) for d in (1, 2, 3)] == [False, False, True]
    assert CAL.is_holiday(date(2026, 8, 31)) is not None
    # Mon 31/8 is off in exchange for Saturday 22/8, which is worked.
    assert CAL.is_working_day(date(2026, 8, 22))
    assert not CAL.is_working_day(date(2026, 8, 29))
    # Fri 28/8, 1 day: Mon 31/8, Tue 1/9, Wed 2/9 off → Thu 3/9.
    assert CAL.appointment_date(at(2026, 8, 28), 1) == date(2026, 9, 3)
    # Fri 21/8, 1 day → the make-up Saturday 22/8.
    assert CAL.appointment_date(at(2026, 8, 21), 1) == date(2026, 8, 22)


def test_national_day_2027():
    assert not CAL.is_working_day(date(2027, 9, 2)) and not CAL.is_working_day(date(2027, 9, 3))
    # Wed 1/9/2027, 1 day: Thu 2/9 and Fri 3/9 off → Mon 6/9.
    assert CAL.appointment_date(at(2027, 9, 1), 1) == date(2027, 9, 6)


def test_deadline_across_the_new_year():
    # Wed 30/12/2026, 2 days: Thu 31/12, Fri 1/1/2027 off → Mon 4/1/2027.
    assert CAL.appointment_date(at(2026, 12, 30), 2) == date(2027, 1, 4)


# -- administrator's exceptions -------------------------------------------------------


def test_admin_day_off():
    bridge = date(2026, 1, 2)  # the Friday after New Year's Day
    cal = WorkingCalendar(days_off=frozenset({bridge}))
    assert CAL.is_working_day(bridge) and CAL.is_holiday(bridge) is None
    assert not cal.is_working_day(bridge)
    assert cal.is_holiday(bridge) == ADMIN_DAY_OFF
    # Wed 31/12/2025, 1 day: Thu 1/1 public holiday, Fri 2/1 bridge day → Mon 5/1.
    assert CAL.appointment_date(at(2025, 12, 31), 1) == date(2026, 1, 2)
    assert cal.appointment_date(at(2025, 12, 31), 1) == date(2026, 1, 5)
    # Received on the bridge day itself: the clock starts on Monday.
    assert cal.effective_start(at(2026, 1, 2, 9)) == date(2026, 1, 5)


def test_admin_day_off_overrides_an_official_make_up_saturday():
    cal = WorkingCalendar(days_off=frozenset({date(2026, 8, 22)}))
    assert not cal.is_working_day(date(2026, 8, 22))


def test_make_up_saturday_counts_as_working():
    saturday = date(2026, 1, 10)
    cal = WorkingCalendar(
        days_off=frozenset({date(2026, 1, 2)}), working_days=frozenset({saturday})
    )
    assert not CAL.is_working_day(saturday)
    assert cal.is_working_day(saturday)
    assert cal.is_holiday(saturday) is None
    # Fri 9/1, 1 day → Sat 10/1.
    assert CAL.appointment_date(at(2026, 1, 9), 1) == date(2026, 1, 12)
    assert cal.appointment_date(at(2026, 1, 9), 1) == saturday
    # Received on the make-up Saturday before the cut-off: that day is the start.
    assert cal.effective_start(at(2026, 1, 10, 9)) == saturday
    assert cal.next_working_day(date(2026, 1, 9)) == saturday


def test_make_up_working_day_on_a_public_holiday():
    cal = WorkingCalendar(working_days=frozenset({date(2026, 9, 1)}))
    assert cal.is_working_day(date(2026, 9, 1))
    assert cal.is_holiday(date(2026, 9, 1)) == "Quốc khánh"  # still named


# -- receipt time ---------------------------------------------------------------------


def test_cutoff():
    monday = date(2026, 3, 2)
    assert CAL.effective_start(at(2026, 3, 2, 14, 59)) == monday
    assert CAL.effective_start(at(2026, 3, 2, 15, 0)) == date(2026, 3, 3)
    assert CAL.effective_start(at(2026, 3, 2, 16, 0)) == date(2026, 3, 3)
    assert CAL.appointment_date(at(2026, 3, 2, 14, 59), 3) == date(2026, 3, 5)
    assert CAL.appointment_date(at(2026, 3, 2, 15, 0), 3) == date(2026, 3, 6)
    # Friday after the cut-off → Monday.
    assert CAL.effective_start(at(2026, 3, 6, 16)) == date(2026, 3, 9)


def test_cutoff_is_local_time_whatever_the_input_zone():
    assert CAL.effective_start(datetime(2026, 3, 2, 7, 59, tzinfo=UTC)) == date(2026, 3, 2)
    assert CAL.effective_start(datetime(2026, 3, 2, 8, 0, tzinfo=UTC)) == date(2026, 3, 3)
    # Sunday 23:30 UTC is Monday 06:30 in Vietnam.
    assert CAL.local_date(datetime(2026, 3, 1, 23, 30, tzinfo=UTC)) == date(2026, 3, 2)
    assert CAL.effective_start(datetime(2026, 3, 1, 23, 30, tzinfo=UTC)) == date(2026, 3, 2)


def test_custom_cutoff():
    cal = WorkingCalendar(cutoff=time(16, 30))
    assert cal.effective_start(at(2026, 3, 2, 16, 0)) == date(2026, 3, 2)
    assert cal.effective_start(at(2026, 3, 2, 16, 30)) == date(2026, 3, 3)


def test_receipt_on_a_sunday():
    assert CAL.effective_start(at(2026, 3, 1, 9)) == date(2026, 3, 2)
    assert CAL.appointment_date(at(2026, 3, 1, 9), 3) == date(2026, 3, 5)
    # Saturday afternoon: also Monday.
    assert CAL.effective_start(at(2026, 2, 28, 16)) == date(2026, 3, 2)


def test_naive_datetime_refused():
    naive = datetime(2026, 3, 2, 10, 0)
    aware = at(2026, 3, 2)
    with pytest.raises(ValueError):
        CAL.local_date(naive)
    with pytest.raises(ValueError):
        CAL.effective_start(naive)
    with pytest.raises(ValueError):
        CAL.appointment_date(naive, 3)
    with pytest.raises(ValueError):
        CAL.working_days_between(naive, aware)
    with pytest.raises(ValueError):
        CAL.working_days_between(aware, naive)
    with pytest.raises(ValueError):
        CAL.timeliness(naive, date(2026, 3, 2))


# -- paused clock ---------------------------------------------------------------------


def test_working_days_between_across_a_weekend():
    # Requested Friday 6/3, answered Tuesday 10/3: Mon and Tue count.
    assert CAL.working_days_between(at(2026, 3, 6, 11), at(2026, 3, 10, 9)) == 2
    # Requested and answered the same day, or over the weekend only.
    assert CAL.working_days_between(at(2026, 3, 4, 9), at(2026, 3, 4, 16)) == 0
    assert CAL.working_days_between(at(2026, 3, 6, 16), at(2026, 3, 8, 20)) == 0
    # end before start.
    assert CAL.working_days_between(at(2026, 3, 10), at(2026, 3, 6)) == 0


def test_working_days_between_across_a_public_holiday_extends_by_working_days_only():
    # Received Mon 20/4/2026 10:00 with 10 working days:
    # 21, 22, 23, 24, (27 off) 28, 29, (30/4, 1/5 off) 4, 5, 6, 7 May.
    due = CAL.appointment_date(at(2026, 4, 20), 10)
    assert due == date(2026, 5, 7)
    # Supplement requested Wed 29/4, answered Tue 5/5: 30/4, 1/5, weekend skipped,
    # only Mon 4/5 and Tue 5/5 are paused working days.
    paused = CAL.working_days_between(at(2026, 4, 29, 14), at(2026, 5, 5, 10))
    assert paused == 2
    assert CAL.extend(due, paused) == date(2026, 5, 11)  # Fri 8/5, then Mon 11/5
    assert CAL.extend(due, 0) == due


def test_working_days_between_counts_local_dates():
    # 17:30 UTC on Friday 6/3 is already Saturday 00:30 in Vietnam.
    start = datetime(2026, 3, 6, 17, 30, tzinfo=UTC)
    assert CAL.working_days_between(start, at(2026, 3, 9, 9)) == 1


# -- timeliness, end of day -----------------------------------------------------------


def test_timeliness():
    due = date(2026, 3, 5)
    assert CAL.timeliness(at(2026, 3, 4, 16), due) == "early"
    assert CAL.timeliness(at(2026, 3, 5, 8), due) == "on_time"
    assert CAL.timeliness(at(2026, 3, 5, 23, 59), due) == "on_time"
    assert CAL.timeliness(at(2026, 3, 6, 8), due) == "late"
    # 16:59 UTC on 5/3 is 23:59 local (on time); 17:00 UTC is 00:00 on 6/3 (late).
    assert CAL.timeliness(datetime(2026, 3, 5, 16, 59, tzinfo=UTC), due) == "on_time"
    assert CAL.timeliness(datetime(2026, 3, 5, 17, 0, tzinfo=UTC), due) == "late"


def test_end_of_day_in_utc():
    end = CAL.end_of_day(date(2026, 3, 5))
    assert end == datetime(2026, 3, 5, 10, 0, tzinfo=UTC)
    assert end.tzinfo is UTC
    assert end.astimezone(VN).time() == time(17, 0)
    assert WorkingCalendar(office_close=time(16, 30)).end_of_day(date(2026, 3, 5)) == datetime(
        2026, 3, 5, 9, 30, tzinfo=UTC
    )


def test_calendar_is_hashable_and_frozen():
    cal = WorkingCalendar(days_off=frozenset({date(2026, 1, 2)}))
    assert cal == WorkingCalendar(days_off=frozenset({date(2026, 1, 2)}))
    assert len({cal, WorkingCalendar(days_off=frozenset({date(2026, 1, 2)}))}) == 1
    with pytest.raises(AttributeError):
        cal.cutoff = time(16, 0)  # type: ignore[misc]
