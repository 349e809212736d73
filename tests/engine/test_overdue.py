"""Controlled time: the deadline reminder, the overdue flag, and the apology slip
(refused before the slip, allowed after it, still counted late)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from engine.audit.events import verify_chain
from engine.config import WorkerSettings
from engine.db import transaction
from engine.deadlines.calendar_store import load_calendar
from engine.deadlines.overdue import SlipRequired, lateness
from engine.dossiers import runner
from engine.dossiers.apology import issue_apology, mark_late
from engine.dossiers.reminders import days_left, remind_due_tasks
from engine.dossiers.replay import replay
from engine.dossiers.statistics import (
    on_time_by_procedure,
    overdue_by_procedure,
    slips_by_procedure,
)
from engine.errors import Conflict, InvalidInput
from engine.models import ApologySlip, Event, Job, SlaReminder, User

from ..conftest import FIXTURES, at
from ..helpers import complete, deploy, dossier, open_tasks, submit, task, work

APP = {"ho_ten": "Lê Văn Cường", "so_dinh_danh": "001099000222", "email": "cuong@example.vn"}
T0 = at("2026-03-02 09:00")  # Monday
SETTINGS = WorkerSettings()
MARCH = (at("2026-03-01 00:00"), at("2026-04-01 00:00"))


def figures(s, day: date, agencies: list[str] | None = None) -> tuple[int, ...]:
    """The mini procedure's line of the tracking board on `day` in March: solved, of which
    on time (early or on the day), late; overdue now; apology slips issued."""
    rows = {r.key: r for r in on_time_by_procedure(s, load_calendar(s), *MARCH, agencies)}
    row = rows.get("mini")
    solved = (row.total, row.early + row.on_time, row.late) if row else (0, 0, 0)
    return (*solved, overdue_by_procedure(s, day, agencies).get("mini", 0),
            slips_by_procedure(s, *MARCH, agencies).get("mini", 0))


@pytest.fixture
def mini(sessions):
    deploy(sessions, FIXTURES / "mini")
    from engine.accounts.accounts import create_user

    with transaction(sessions) as s:
        create_user(s, "chuyenvien", "Trần Văn Minh", "x" * 12, [("specialist", "TUPHAP")],
                    email="minh@example.vn")
        create_user(s, "chuyenvien2", "Phạm Thị Lan", "x" * 12, [("specialist", "*")],
                    email="lan@example.vn")
        create_user(s, "khac", "Ngô Văn Khác", "x" * 12, [("specialist", "QLDT")])
    return sessions


def _received(sessions) -> str:
    """A mini dossier received on Monday 02/03: appointment Thursday 05/03 (3
    working days), review due Wednesday 04/03 (2 working days)."""
    code = submit(sessions, "mini", APP, T0)
    work(sessions, T0)
    complete(sessions, code, "receive", {"reception_decision": "receive"}, "tiepnhan", T0)
    work(sessions, T0)
    return code


def test_days_left_counts_whole_working_days_after_today(sessions):
    with transaction(sessions) as s:
        cal = load_calendar(s)
    assert days_left(cal, date(2026, 3, 4), date(2026, 3, 4)) == 0
    assert days_left(cal, date(2026, 3, 5), date(2026, 3, 4)) == 0
    assert days_left(cal, date(2026, 3, 4), date(2026, 3, 5)) == 1
    assert days_left(cal, date(2026, 3, 6), date(2026, 3, 9)) == 1  # Friday → Monday


def test_reminder_goes_to_the_role_once_before_the_deadline(mini):
    code = _received(mini)
    review = task(mini, code, "review")
    assert review.due_date == date(2026, 3, 4)
    assert remind_due_tasks(mini, at("2026-03-03 09:00"), SETTINGS) == 0  # 1 working day left
    assert remind_due_tasks(mini, at("2026-03-04 08:00"), SETTINGS) == 1  # due today
    assert remind_due_tasks(mini, at("2026-03-04 09:00"), SETTINGS) == 0  # never twice
    with transaction(mini) as s:
        [sent] = s.scalars(select(SlaReminder)).all()
        assert sent.human_task_id == review.id and sent.recipient == "role"
        assert sent.recipients == ["chuyenvien", "chuyenvien2"]  # not the other department
        job = s.get(Job, sent.job_id)
        params = job.payload["params"]
        assert (job.operator, params["template"], params["recipient"]) == ("notify.send", "reminder", "role")
        assert params["to"] == ["minh@example.vn", "lan@example.vn"]
        assert params["task"]["due_date"] == "2026-03-04"
    work(mini, at("2026-03-04 08:01"))
    with transaction(mini) as s:
        assert s.get(Job, sent.job_id).status == "done"
        notices = s.scalars(select(Event).where(Event.type == "notice_sent")).all()
        assert [e.payload["job_id"] for e in notices].count(sent.job_id) == 1
    assert replay_ok(mini, code)


def test_reminder_goes_to_the_assignee_when_claimed_and_by_fraction(mini):
    from engine.dossiers.officers import claim_task

    code = _received(mini)
    review = task(mini, code, "review")
    with transaction(mini) as s:
        claim_task(s, review.id, "chuyenvien", T0)
    # two working days of allowance, one left on Tuesday: half remains
    early = WorkerSettings(reminder_working_days=0, reminder_fraction=0.6)
    assert remind_due_tasks(mini, at("2026-03-03 09:00"), early) == 1
    with transaction(mini) as s:
        sent = s.scalar(select(SlaReminder))
        assert (sent.recipient, sent.recipients) == ("assignee", ["chuyenvien"])
        assert s.get(Job, sent.job_id).payload["params"]["recipient"] == "assignee"


def test_overdue_dossier_needs_an_apology_slip_before_its_next_task(mini):
    code = _received(mini)
    friday = at("2026-03-06 09:00")  # the appointment (05/03) has passed
    with transaction(mini) as s:
        d = runner.get_dossier(s, code)
        assert d.appointment_date == date(2026, 3, 5)
        assert lateness(s, d, date(2026, 3, 5)).overdue is False
        assert lateness(s, d, date(2026, 3, 6)).past_due is True
    with pytest.raises(SlipRequired) as refused:
        complete(mini, code, "review", {"review_decision": "approve"}, "chuyenvien", friday)
    assert refused.value.http_status == 409 and refused.value.context["dossier"] == code
    assert [t.element_id for t in open_tasks(mini, code)] == ["review"]

    with transaction(mini) as s:
        dossier_id = runner.get_dossier(s, code).id
    for bad, why in ((date(2026, 3, 6), "or later"), (date(2026, 3, 7), "not a working day"),
                     (date(2026, 3, 4), "or later")):
        with pytest.raises(InvalidInput) as invalid, transaction(mini) as s:
            issue_apology(s, dossier_id, "Chờ xác minh thông tin", bad, actor="tiepnhan",
                          actor_name="Nguyễn Thị Hoa", at=friday)
        assert why in " ".join(invalid.value.errors["new_appointment"])
    with pytest.raises(InvalidInput), transaction(mini) as s:
        issue_apology(s, dossier_id, " ", date(2026, 3, 10), actor="tiepnhan",
                      actor_name="Nguyễn Thị Hoa", at=friday)

    with transaction(mini) as s:
        slip = issue_apology(s, dossier_id, "Chờ kết quả xác minh của cơ quan công an",
                             date(2026, 3, 10), actor="tiepnhan", actor_name="Nguyễn Thị Hoa",
                             at=friday)
        assert (slip.number, slip.previous_appointment) == (1, date(2026, 3, 5))
    d = dossier(mini, code)
    assert d.appointment_date == date(2026, 3, 10)
    with transaction(mini) as s:
        late_job = s.get(Job, slip.job_id)
        assert late_job.payload["params"] == {
            "template": "late", "recipient": "applicant", "slip": 1, "officer": "Nguyễn Thị Hoa",
            "reason": "Chờ kết quả xác minh của cơ quan công an",
            "previous_appointment": "2026-03-05", "new_appointment": "2026-03-10"}
        event = s.scalar(select(Event).where(Event.type == "apology_issued"))
        assert event.payload["from"] == "2026-03-05" and event.payload["to"] == "2026-03-10"
        assert event.actor == "tiepnhan"

    complete(mini, code, "review", {"review_decision": "approve"}, "chuyenvien", friday)
    work(mini, friday)
    d = dossier(mini, code)
    assert d.status == "returned"
    with transaction(mini) as s:
        assert s.get(Job, slip.job_id).status == "done"
        assert verify_chain(s, d).ok
        # finished before the new date, yet late against the first appointment
        assert figures(s, date(2026, 3, 6)) == (1, 0, 1, 0, 1)
    assert replay_ok(mini, code)


def test_an_officer_marks_a_dossier_late_before_its_date(mini):
    code = _received(mini)
    tuesday = at("2026-03-03 10:00")
    with transaction(mini) as s:
        dossier_id = runner.get_dossier(s, code).id
        mark_late(s, dossier_id, "Hệ thống của cơ quan phối hợp gián đoạn", actor="chuyenvien",
                  at=tuesday)
    with transaction(mini) as s:
        state = lateness(s, runner.get_dossier(s, code), date(2026, 3, 3))
        assert state.overdue and not state.past_due
    with pytest.raises(SlipRequired):
        complete(mini, code, "review", {"review_decision": "approve"}, "chuyenvien", tuesday)
    with transaction(mini) as s:
        issue_apology(s, dossier_id, "Hệ thống của cơ quan phối hợp gián đoạn",
                      date(2026, 3, 9), actor="tiepnhan", actor_name="Nguyễn Thị Hoa", at=tuesday)
    complete(mini, code, "review", {"review_decision": "approve"}, "chuyenvien", tuesday)
    work(mini, tuesday)
    with transaction(mini) as s:
        assert s.scalar(select(func.count()).select_from(ApologySlip)) == 1
        assert figures(s, date(2026, 3, 3)) == (1, 0, 1, 0, 1)
        with pytest.raises(Conflict):  # finished: no slip needed any more
            issue_apology(s, dossier_id, "Thêm một lần nữa", date(2026, 3, 12), actor="tiepnhan",
                          actor_name="x", at=tuesday)


def test_on_time_dossier_counts_on_time(mini):
    code = _received(mini)
    complete(mini, code, "review", {"review_decision": "approve"}, "chuyenvien", T0)
    work(mini, T0)
    still_open = _received(mini)  # due Thursday 05/03, like the first
    with transaction(mini) as s:
        assert figures(s, date(2026, 3, 2)) == (1, 1, 0, 0, 0)
        assert figures(s, date(2026, 3, 6)) == (1, 1, 0, 1, 0)  # the second is past its date
        assert figures(s, date(2026, 3, 6), ["elsewhere"]) == (0, 0, 0, 0, 0)
        assert runner.get_dossier(s, still_open).finished_at is None
        assert s.scalar(select(func.count()).select_from(User)) == 3


def replay_ok(sessions, code: str) -> bool:
    with transaction(sessions) as s:
        report = replay(s, runner.get_dossier(s, code))
        assert report.consistent, str(report)
        return True
