"""The runner on a small real bundle: inputs, tasks, jobs, timers, conflicts."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.db import transaction
from engine.dossiers import runner
from engine.errors import Conflict, InvalidInput
from engine.models import Event, HumanTask, Job, Timer

from ..conftest import FIXTURES, at
from ..helpers import complete, deploy, dossier, open_tasks, pay_at_counter, submit, work

APP = {"ho_ten": "Nguyễn Văn An", "so_dinh_danh": "001099012345", "so_ban_sao": 2}


@pytest.fixture
def mini(sessions):
    deploy(sessions, FIXTURES / "mini")
    return sessions


def test_submission_queues_the_fee_job_and_waits(mini):
    code = submit(mini, "mini", APP, at("2026-03-02 09:00"), channel="counter")
    assert code == "TEST-260302-0001"
    d = dossier(mini, code)
    assert d.status == "awaiting_payment"
    assert d.fee_amount == 10000 + 2 * 5000
    with transaction(mini) as s:
        jobs = list(s.scalars(select(Job)))
        assert [(j.operator, j.status, j.payload["params"]) for j in jobs] == [
            ("fee.collect", "pending", {"amount": 20000})]
        assert jobs[0].idempotency_key.startswith(code + "/collect/")
    assert open_tasks(mini, code) == []


def test_full_path_sets_deadline_projects_tasks_and_finishes(mini):
    code = submit(mini, "mini", APP, at("2026-03-02 09:00"))  # Monday
    work(mini, at("2026-03-02 09:01"))
    pay_at_counter(mini, code, at("2026-03-02 09:01"))
    d = dossier(mini, code)
    assert d.status == "submitted"  # fee paid; waits for reception
    [receive] = open_tasks(mini, code)
    assert (receive.element_id, receive.role, receive.department) == ("receive", "reception", "TUPHAP")
    assert receive.due_date.isoformat() == "2026-03-02"  # allowance 0: same day

    d = complete(mini, code, "receive", {"reception_decision": "receive"}, "tiepnhan1",
                 at("2026-03-02 10:00"))
    assert d.status == "in_progress"
    assert d.appointment_date.isoformat() == "2026-03-05"  # 3 working days after Monday
    [review] = open_tasks(mini, code)
    assert review.element_id == "review" and review.due_date.isoformat() == "2026-03-04"
    with transaction(mini) as s:
        timers = list(s.scalars(select(Timer)))
        assert [(t.element_id, t.status) for t in timers] == [("remind_timer", "pending")]
        assert timers[0].due_at == at("2026-03-04 10:00")

    complete(mini, code, "review", {"review_decision": "approve"}, "chuyenvien1", at("2026-03-03 08:00"))
    work(mini, at("2026-03-03 08:01"))
    d = dossier(mini, code)
    assert d.status == "returned" and d.finished_at is not None
    with transaction(mini) as s:
        done = {t.element_id: t for t in s.scalars(select(HumanTask))}
        assert done["receive"].timeliness == "on_time"
        assert done["review"].timeliness == "early"
        assert done["review"].completed_by == "chuyenvien1"
        assert s.scalar(select(Timer.status)) == "cancelled"
        result = s.scalar(select(Job).where(Job.operator == "result.render")).result
        assert result["media_type"] == "application/pdf" and result["pdf_variant"] == "PDF/A-2b"
    import subprocess

    from engine.documents import blobs
    pdf = blobs.get(result["document"])
    assert pdf.startswith(b"%PDF-")
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    text = text.decode()
    assert code in text and "Nguyễn Văn An" in text and "1 bản" in text  # len(name) % 3 == 1


def test_invalid_form_data_is_refused_field_by_field_and_nothing_changes(mini):
    with pytest.raises(InvalidInput) as err, transaction(mini) as s:
        runner.submit(s, "mini", {"ho_ten": "A", "so_dinh_danh": "12ab", "so_ban_sao": 99},
                      actor="c")
    assert set(err.value.errors) == {"ho_ten", "so_dinh_danh", "so_ban_sao"}
    assert "does not match" in err.value.errors["so_dinh_danh"][0]
    with transaction(mini) as s:
        assert s.scalars(select(Event)).first() is None

    code = submit(mini, "mini", APP)
    work(mini)
    pay_at_counter(mini, code)
    before = dossier(mini, code)
    with pytest.raises(InvalidInput) as err:
        complete(mini, code, "receive", {"reception_decision": "maybe"})
    assert list(err.value.errors) == ["reception_decision"]
    with pytest.raises(InvalidInput) as err:
        complete(mini, code, "receive", {})
    assert err.value.errors == {"reception_decision": ["is required"]}
    after = dossier(mini, code)
    assert (after.revision, after.last_event_seq, after.status) == (
        before.revision, before.last_event_seq, before.status)


def test_second_completion_of_the_same_task_conflicts_naming_who(mini):
    code = submit(mini, "mini", APP)
    work(mini)
    pay_at_counter(mini, code)
    [receive] = open_tasks(mini, code)
    with transaction(mini) as s:
        runner.complete_task(s, receive.id, {"reception_decision": "receive"}, actor="tiepnhan1")
    with pytest.raises(Conflict) as err, transaction(mini) as s:
        runner.complete_task(s, receive.id, {"reception_decision": "refuse"}, actor="tiepnhan2")
    assert "already completed by tiepnhan1" in str(err.value)
    assert dossier(mini, code).status == "in_progress"


def test_stale_revision_conflicts(mini):
    code = submit(mini, "mini", APP)
    work(mini)
    pay_at_counter(mini, code)
    d = dossier(mini, code)
    [receive] = open_tasks(mini, code)
    with pytest.raises(Conflict), transaction(mini) as s:
        runner.complete_task(s, receive.id, {"reception_decision": "receive"}, actor="x",
                             expected_revision=d.revision - 1)


def test_supplement_loop_pauses_the_clock_across_weekend_and_holiday(mini):
    # Received Tuesday 28/04/2026: 3 working days skip 30/04 and 01/05 (holidays),
    # the weekend → appointment Tuesday 05/05.
    code = submit(mini, "mini", APP, at("2026-04-28 08:00"))
    work(mini, at("2026-04-28 08:00"))
    pay_at_counter(mini, code, at("2026-04-28 08:00"))
    complete(mini, code, "receive", {"reception_decision": "receive"}, "r", at("2026-04-28 09:00"))
    assert dossier(mini, code).appointment_date.isoformat() == "2026-05-05"
    # Supplement asked Wednesday 29/04, answered Monday 04/05: working days paused
    # are those after 29/04 up to 04/05: 30/04 and 01/05 are holidays, 02-03/05 the
    # weekend, so only Monday 04/05 counts.
    d = complete(mini, code, "review", {"review_decision": "supplement"}, "cv", at("2026-04-29 10:00"))
    assert d.status == "supplement_requested" and d.paused_since is not None
    [supp] = open_tasks(mini, code)
    assert supp.role == "citizen" and supp.assignee == "citizen1" and supp.due_date is None
    d = complete(mini, code, "supplement", {"answer": "Đã bổ sung bản sao"}, "citizen1",
                 at("2026-05-04 16:00"))
    assert d.status == "in_progress" and d.paused_since is None
    assert d.paused_working_days == 1
    assert d.appointment_date.isoformat() == "2026-05-06"
    with transaction(mini) as s:
        ext = s.scalar(select(Event).where(Event.type == "deadline_extended"))
        assert ext.payload == {"paused_working_days": 1, "from": "2026-05-05", "to": "2026-05-06"}
    assert [t.element_id for t in open_tasks(mini, code)] == ["review"]  # the loop came back


def test_boundary_timer_fires_through_the_worker(mini):
    code = submit(mini, "mini", APP, at("2026-03-02 09:00"))
    work(mini, at("2026-03-02 09:00"))
    pay_at_counter(mini, code, at("2026-03-02 09:00"))
    complete(mini, code, "receive", {"reception_decision": "receive"}, "r", at("2026-03-02 10:00"))
    work(mini, at("2026-03-04 09:59"))
    with transaction(mini) as s:
        assert s.scalar(select(Timer.status)) == "pending"
    work(mini, at("2026-03-04 10:00"))
    with transaction(mini) as s:
        assert s.scalar(select(Timer.status)) == "fired"
        reminder = s.scalar(select(Job).where(Job.operator == "notify.send"))
        assert reminder.status == "done" and reminder.payload["params"]["template"] == "reminder"
    # the non-interrupting timer left the review open
    assert [t.element_id for t in open_tasks(mini, code)] == ["review"]


def test_refusal_ends_rejected_before_reception(mini):
    code = submit(mini, "mini", APP)
    work(mini)
    pay_at_counter(mini, code)
    d = complete(mini, code, "receive", {"reception_decision": "refuse", "note": "thiếu giấy tờ"})
    assert d.status == "rejected" and d.received_at is None and d.appointment_date is None
    with transaction(mini) as s:
        change = s.scalars(select(Event).where(Event.type == "status_changed")).all()[-1]
        assert change.payload["portal_code"] == 3


def test_officer_task_without_allowance_is_due_on_the_appointment_date(mini, tmp_path):
    import shutil

    from ..helpers import deploy as deploy_bundle
    bundle = tmp_path / "mini"
    shutil.copytree(FIXTURES / "mini", bundle)
    text = (bundle / "procedure.bpmn").read_text()
    (bundle / "procedure.bpmn").write_text(text.replace(
        '<spiffworkflow:property name="allowanceWorkingDays" value="2" />', ""))
    deploy_bundle(mini, bundle)
    code = submit(mini, "mini", APP, at("2026-03-02 09:00"))
    work(mini, at("2026-03-02 09:00"))
    pay_at_counter(mini, code, at("2026-03-02 09:00"))
    complete(mini, code, "receive", {"reception_decision": "receive"}, "r", at("2026-03-02 10:00"))
    [review] = open_tasks(mini, code)
    assert review.due_date == dossier(mini, code).appointment_date
