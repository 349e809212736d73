"""A leader's figures under controlled time: what was received, finished and is in
progress; on-time rates per procedure, department and officer; the dossiers about to be
late and who holds them; who has not opened what was assigned to them; and the monthly
report (Circular 01/2018/TT-VPCP), whose columns balance."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import update

from engine.db import transaction
from engine.deadlines.calendar_store import load_calendar
from engine.dossiers import runner
from engine.dossiers.apology import issue_apology
from engine.dossiers.monthly_report import monthly_report, parse_month
from engine.dossiers.officers import claim_task, record_view
from engine.dossiers.statistics import (
    Counts,
    activity,
    day_start,
    due_soon,
    on_time_by_department,
    on_time_by_officer,
    on_time_by_procedure,
    unopened,
)
from engine.errors import InvalidInput
from engine.models import Dossier, HumanTask

from ..conftest import FIXTURES, at
from ..helpers import complete, deploy, pay_at_counter, submit, task, work

APP = {"ho_ten": "Lê Văn Cường", "so_dinh_danh": "001099000222", "email": "cuong@example.vn"}
FRIDAY = date(2026, 3, 6)


def _received(sessions, when: str, channel: str = "online") -> str:
    code = submit(sessions, "mini", APP, at(when), channel=channel)
    work(sessions, at(when))
    if channel != "online":
        pay_at_counter(sessions, code, at(when))
    complete(sessions, code, "receive", {"reception_decision": "receive"}, "tiepnhan", at(when))
    work(sessions, at(when))
    return code


def _approve(sessions, code: str, when: str, officer: str = "chuyenvien") -> None:
    complete(sessions, code, "review", {"review_decision": "approve"}, officer, at(when))
    work(sessions, at(when))


@pytest.fixture
def march(sessions):
    """Mini dossiers (3 working days) around the first week of March 2026."""
    deploy(sessions, FIXTURES / "mini")
    from engine.accounts.accounts import create_user

    with transaction(sessions) as s:
        create_user(s, "chuyenvien", "Trần Văn Minh", "x" * 12, [("specialist", "TUPHAP")])
        create_user(s, "chuyenvien2", "Phạm Thị Lan", "x" * 12, [("specialist", "TUPHAP")])
    codes = {}
    codes["carried"] = _received(sessions, "2026-02-27 09:00")  # due Wed 04/03
    for name in ("early", "on_time", "late", "open", "rejected"):
        codes[name] = _received(sessions, "2026-03-02 09:00")  # due Thu 05/03
    codes["counter"] = _received(sessions, "2026-03-04 09:00", "counter")  # due Mon 09/03
    _approve(sessions, codes["carried"], "2026-03-03 10:00")
    _approve(sessions, codes["early"], "2026-03-03 10:00")
    _approve(sessions, codes["on_time"], "2026-03-05 16:00", "chuyenvien2")
    with transaction(sessions) as s:  # late: an apology slip first, then the result
        issue_apology(s, runner.get_dossier(s, codes["late"]).id, "Chờ xác minh",
                      date(2026, 3, 9), actor="tiepnhan", actor_name="Nguyễn Thị Hoa",
                      at=at("2026-03-06 08:00"))
    work(sessions, at("2026-03-06 08:00"))
    _approve(sessions, codes["late"], "2026-03-06 09:00")
    with transaction(sessions) as s:  # the mini procedure has no rejection after reception
        s.execute(update(Dossier).where(Dossier.code == codes["rejected"]).values(
            status="rejected", finished_at=at("2026-03-03 11:00")))
    refused = submit(sessions, "mini", APP, at("2026-03-03 09:00"))
    work(sessions, at("2026-03-03 09:00"))
    complete(sessions, refused, "receive", {"reception_decision": "refuse"}, "tiepnhan",
             at("2026-03-03 09:30"))
    codes["waiting"] = submit(sessions, "mini", APP, at("2026-03-06 09:00"))
    work(sessions, at("2026-03-06 09:00"))
    return sessions, codes


def test_activity_counts_today_this_week_and_this_month(march):
    sessions, _ = march
    with transaction(sessions) as s:
        cal = load_calendar(s)
        friday = activity(s, cal, FRIDAY)
        assert friday.received == Counts(today=0, week=6, month=6)
        assert friday.finished == Counts(today=1, week=5, month=5)
        assert (friday.waiting_reception, friday.in_progress, friday.overdue) == (1, 2, 1)
        sunday = activity(s, cal, date(2026, 3, 1))  # the week began in February
        assert sunday.received == Counts(today=0, week=1, month=0)
        assert activity(s, cal, FRIDAY, ["TEST"]) == friday
        other = activity(s, cal, FRIDAY, ["UBND-PHK"])
        assert other.received == Counts(0, 0, 0) and other.in_progress == 0


def test_on_time_rates_per_procedure_department_and_officer(march):
    sessions, _ = march
    with transaction(sessions) as s:
        cal = load_calendar(s)
        start, end = day_start(cal, date(2026, 3, 1)), day_start(cal, date(2026, 4, 1))
        [mini] = on_time_by_procedure(s, cal, start, end)
        # carried and early before 04/03-05/03, on time on 05/03, the slip makes it late;
        # the rejection after reception issued no result: not counted
        assert (mini.key, mini.early, mini.on_time, mini.late) == ("mini", 2, 1, 1)
        assert mini.rate == pytest.approx(0.75)
        assert on_time_by_procedure(s, cal, start, end, ["UBND-PHK"]) == []
        steps = [(t.department, t.completed_at, t.timeliness) for t in s.query(HumanTask).filter(
            HumanTask.state == "completed", HumanTask.role != "citizen")]
        by_dept = {r.key: (r.early, r.on_time, r.late) for r in
                   on_time_by_department(s, start, end)}
        by_officer = {r.name: (r.early, r.on_time, r.late) for r in
                      on_time_by_officer(s, start, end)}
    # review: 2 working days; the carried one was due Tue 03/03 (on time), the early one
    # Wed 04/03 (early), the one of 05/03 16:00 late, the one after the slip late
    assert by_officer["Trần Văn Minh"] == (1, 1, 1)
    assert by_officer["Phạm Thị Lan"] == (0, 0, 1)
    assert by_dept == {"TUPHAP": tuple(  # the desk and the review share the department
        sum(1 for _, done, m in steps if m == mark and start <= done < end)
        for mark in ("early", "on_time", "late"))}
    assert "Nguyễn Thị Hoa" not in by_officer and "tiepnhan" in by_officer  # no account


def test_about_to_be_late_and_who_holds_them(march):
    sessions, codes = march
    review = task(sessions, codes["counter"], "review")
    with transaction(sessions) as s:
        claim_task(s, review.id, "chuyenvien", at("2026-03-04 10:00"))
        cal = load_calendar(s)
        assert due_soon(s, cal, FRIDAY, 0) == (0, [])
        total, [row] = due_soon(s, cal, FRIDAY, 1)  # Monday 09/03 is the next working day
        assert (total, row.code, row.appointment, row.working_days_left) == (
            1, codes["counter"], date(2026, 3, 9), 1)
        [holder] = row.holders
        assert (holder.task, holder.assignee_name, holder.department) == (
            "Thẩm định", "Trần Văn Minh", "TUPHAP")
        # the overdue one is late already, not about to be
        assert codes["open"] not in [r.code for r in due_soon(s, cal, FRIDAY, 10)[1]]
        assert due_soon(s, cal, FRIDAY, 1, ["UBND-PHK"]) == (0, [])


def test_who_has_not_opened_what_was_assigned_to_them(march):
    sessions, codes = march
    counter, late_one = task(sessions, codes["counter"], "review"), task(sessions, codes["open"], "review")
    with transaction(sessions) as s:
        record_view(s, counter.dossier_id, "chuyenvien", at("2026-03-04 09:30"))  # before
        claim_task(s, counter.id, "chuyenvien", at("2026-03-04 10:00"))
        claim_task(s, late_one.id, "chuyenvien2", at("2026-03-04 10:00"))
        record_view(s, late_one.dossier_id, "chuyenvien", at("2026-03-04 11:00"))  # not theirs
    with transaction(sessions) as s:
        total, rows = unopened(s)
        assert total == 2 and {(r.code, r.assignee_name) for r in rows} == {
            (codes["counter"], "Trần Văn Minh"), (codes["open"], "Phạm Thị Lan")}
        record_view(s, late_one.dossier_id, "chuyenvien2", at("2026-03-04 11:30"))
    with transaction(sessions) as s:
        total, [row] = unopened(s)
        assert (total, row.code, row.task, row.due_date) == (
            1, codes["counter"], "Thẩm định", date(2026, 3, 6))
        assert unopened(s, ["UBND-PHK"]) == (0, [])


def test_monthly_report_columns_balance(march):
    sessions, _ = march
    with transaction(sessions) as s:
        cal = load_calendar(s)
        report = monthly_report(s, cal, 2026, 3)
        february = monthly_report(s, cal, 2026, 2)
        april = monthly_report(s, cal, 2026, 4)
    [row] = report.rows
    assert (report.first_day, report.last_day) == (date(2026, 3, 1), date(2026, 3, 31))
    assert (row.carried_over, row.new_online, row.new_direct) == (1, 5, 1)
    assert (row.solved_early, row.solved_on_time, row.solved_late) == (2, 1, 1)
    assert (row.pending_in_time, row.pending_overdue, row.returned_or_withdrawn) == (0, 2, 1)
    assert row.received == row.solved + row.pending + row.returned_or_withdrawn == 7
    assert report.total.received == 7 and report.total.on_time_rate == pytest.approx(0.75)
    [feb] = february.rows  # at the end of February the carried one was not yet due
    assert (feb.new_online, feb.pending_in_time, feb.pending_overdue) == (1, 1, 0)
    [apr] = april.rows  # what was open at the end of March carries over
    assert (apr.carried_over, apr.new, apr.pending_overdue) == (2, 0, 2)
    with transaction(sessions) as s:  # while March runs, its open dossiers are judged today
        [running] = monthly_report(s, cal, 2026, 3, today=date(2026, 3, 6)).rows
    assert (running.pending_in_time, running.pending_overdue) == (1, 1)


def test_a_month_is_read_strictly():
    assert parse_month("2026-03", FRIDAY) == (2026, 3)
    for bad in ("2026-13", "03/2026", "2026-04", ""):
        with pytest.raises(InvalidInput):
            parse_month(bad, FRIDAY)
