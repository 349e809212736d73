"""One dossier's failure is that dossier's incident: the worker goes on with the others,
the input is rolled back, and the web answers a clear error."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine.db import transaction
from engine.models import HumanTask, Incident, Job, Timer
from engine.outbox import outbox
from engine.outbox.worker import run_once
from engine.procedures import operators

from ..conftest import at
from ..helpers import bpmn_bundle, complete, deploy, dossier, open_tasks, submit

T0 = at("2026-03-02 09:00")
HEALTHY = 100


def applicant(case: str = "") -> dict[str, str]:
    return {"ho_ten": "Trần Thị Bình", "so_dinh_danh": "001099000333", "case": case}


@pytest.fixture
def poison(sessions, tmp_path):
    def compute(ctx):
        case = ctx.params["case"]
        if case == "crash":
            raise TypeError("'NoneType' object is not iterable")
        if case == "nothing":
            return {"value": 41}  # no "items": the multi-instance step has nothing to go over
        return {"value": 41, "items": ["a", "b"]}

    operators.register("test.compute")(compute)
    deploy(sessions, bpmn_bundle(tmp_path, "poison"))
    yield sessions
    operators.unregister("test.compute")


def incidents(sessions) -> list[Incident]:
    with transaction(sessions) as s:
        return list(s.scalars(select(Incident).order_by(Incident.id)))


def test_one_poisoned_dossier_among_a_hundred_healthy_ones(poison):
    healthy = [submit(poison, "poison", applicant(), T0) for _ in range(HEALTHY)]
    poisoned = submit(poison, "poison", applicant("nothing"), T0)
    report = run_once(poison, batch=7, clock=lambda: T0)
    assert (report.jobs_done, report.incidents) == (HEALTHY, 1)
    with transaction(poison) as s:
        reviews = s.scalar(select(func.count()).select_from(HumanTask).where(
            HumanTask.element_id == "review", HumanTask.state == "open"))
        assert reviews == HEALTHY
        assert s.scalar(select(func.count()).select_from(Job).where(
            Job.status == "running")) == 0
    assert {t.element_id for c in healthy[:3] for t in open_tasks(poison, c)} == {"review"}
    [incident] = incidents(poison)
    assert incident.dossier_id == dossier(poison, poisoned).id
    assert (incident.source, incident.element_id) == ("job", "check")
    assert "NoneType" in incident.reason and "Traceback" in (incident.detail or "")
    assert open_tasks(poison, poisoned) == []


def test_a_bug_in_the_engine_itself_is_only_that_dossiers_incident(poison, monkeypatch):
    from engine.dossiers import runner

    good = submit(poison, "poison", applicant(), T0)
    bad = submit(poison, "poison", applicant(), T0)
    on_input = runner.status_jobs.on_input

    def broken(session, dossier, *args):
        if dossier.code == bad:
            raise KeyError("a bug")
        return on_input(session, dossier, *args)

    monkeypatch.setattr(runner.status_jobs, "on_input", broken)
    report = run_once(poison, clock=lambda: T0)
    assert (report.jobs_done, report.incidents) == (1, 1)
    assert [t.element_id for t in open_tasks(poison, good)] == ["review"]
    [incident] = incidents(poison)
    assert incident.dossier_id == dossier(poison, bad).id
    assert "KeyError" in incident.reason and "broken" in incident.detail


def test_a_crashing_handler_is_retried_never_left_running(poison):
    code = submit(poison, "poison", applicant("crash"), T0)
    report = run_once(poison, clock=lambda: T0)
    assert (report.jobs_failed, report.incidents) == (1, 0)
    with transaction(poison) as s:
        job = s.scalar(select(Job).where(Job.operator == "test.compute"))
        assert (job.status, job.attempts) == ("pending", 1)
        assert "TypeError" in job.last_error
    for hours in range(2, 22, 2):
        run_once(poison, clock=lambda hours=hours: T0 + timedelta(hours=hours))
    [incident] = incidents(poison)
    assert incident.dossier_id == dossier(poison, code).id and incident.job_id == job.id
    assert "Traceback" in incident.detail


def test_a_timer_its_dossier_fails_to_take_is_an_incident_and_can_be_retried(poison):
    good = submit(poison, "poison", applicant(), T0)
    bad = submit(poison, "poison", applicant("zero"), T0)
    run_once(poison, clock=lambda: T0)
    for code in (good, bad):
        complete(poison, code, "review", {"decision": "approve", "opinion": " ok "}, when=T0)
    later = T0 + timedelta(hours=2)
    report = run_once(poison, clock=lambda: later)
    assert report.timers_fired == 1
    assert dossier(poison, good).status == "done"
    [incident] = incidents(poison)
    assert (incident.source, incident.element_id) == ("timer_fired", "tally")
    assert "ZeroDivisionError" in incident.reason
    bad_id = dossier(poison, bad).id
    with transaction(poison) as s:
        timer = s.get(Timer, incident.timer_id)
        assert timer.status == "incident" and timer.dossier_id == bad_id
    assert run_once(poison, clock=lambda: later).timers_fired == 0  # not fired every poll
    with transaction(poison) as s:
        again = outbox.retry_incident(s, incident.id, "admin1", later)
        assert isinstance(again, Timer) and again.status == "pending"
    run_once(poison, clock=lambda: later)
    assert len(incidents(poison)) == 2  # the same failure, recorded again


def test_a_task_completion_the_dossier_fails_on_is_rolled_back(poison):
    code = submit(poison, "poison", applicant(), T0)
    run_once(poison, clock=lambda: T0)
    before = dossier(poison, code)
    with pytest.raises(Exception) as failure:
        complete(poison, code, "review", {"decision": "approve"}, when=T0)  # no opinion
    assert getattr(failure.value, "element_id", None) == "note"
    after = dossier(poison, code)
    assert (after.state, after.last_event_seq) == (before.state, before.last_event_seq)
    assert [t.element_id for t in open_tasks(poison, code)] == ["review"]


def test_the_web_answers_a_clear_error_and_the_admin_sees_an_incident(app, people, poison):
    from ..conftest import csrf_token, login

    code = submit(poison, "poison", applicant(), T0)
    run_once(poison, clock=lambda: T0)
    [review] = open_tasks(poison, code)
    client = login(app.test_client(), "chuyenvien")
    page = f"/can-bo/viec/{review.id}"
    answer = client.post(f"{page}/hoan-thanh", data={"csrf_token": csrf_token(client, page),
                                                     "decision": "approve"})
    assert answer.status_code == 422
    text = answer.get_data(as_text=True)
    assert "quản trị" in text and "note" in text
    [incident] = incidents(poison)
    assert (incident.source, incident.element_id) == ("task_completed", "note")
    assert incident.dossier_id == dossier(poison, code).id
    assert [t.element_id for t in open_tasks(poison, code)] == ["review"]
    assert client.get("/").status_code == 200  # and the app goes on
