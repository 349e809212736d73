"""Outbox jobs: claim, retry with backoff, incidents, idempotent completion."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.db import transaction
from engine.models import Event, Incident, Job
from engine.outbox import outbox
from engine.outbox.worker import run_once
from engine.procedures import operators
from engine.procedures.operators import RetryableError

from ..conftest import FIXTURES, at
from ..helpers import deploy, dossier, open_tasks, submit

APP = {"ho_ten": "Lê Văn Cường", "so_dinh_danh": "001099000222"}
T0 = at("2026-03-02 09:00")


@pytest.fixture
def mini(sessions):
    deploy(sessions, FIXTURES / "mini")
    return sessions


@pytest.fixture
def no_fee_handler():
    saved = operators.handler_for("fee.collect")
    operators.unregister("fee.collect")
    yield
    operators.register("fee.collect")(saved)


def test_job_without_handler_becomes_an_incident(mini, no_fee_handler):
    code = submit(mini, "mini", APP, T0)
    report = run_once(mini, clock=lambda: T0)
    assert report.incidents == 1 and report.jobs_done == 0
    with transaction(mini) as s:
        [incident] = outbox.open_incidents(s)
        assert incident.operator == "fee.collect"
        assert "no handler registered for operator 'fee.collect'" in incident.reason
        assert s.scalar(select(Job.status)) == "incident"
        assert s.scalar(select(Event.type).order_by(Event.id.desc())) == "incident_raised"
    assert dossier(mini, code).status == "submitted"  # nothing to pay online


def test_incident_retry_runs_the_job_once_the_handler_exists(mini, no_fee_handler):
    code = submit(mini, "mini", APP, T0)
    run_once(mini, clock=lambda: T0)
    with transaction(mini) as s:
        [incident] = outbox.open_incidents(s)
    operators.register("fee.collect")(lambda ctx: {"status": "waived", "amount": 0})
    with transaction(mini) as s:
        outbox.retry_incident(s, incident.id, "admin1", T0)
    assert run_once(mini, clock=lambda: T0).jobs_done == 1
    assert [t.element_id for t in open_tasks(mini, code)] == ["receive"]
    with transaction(mini) as s:
        assert outbox.open_incidents(s) == []
        assert s.get(Incident, incident.id).resolved_by == "admin1"


def test_retryable_failure_backs_off_then_becomes_an_incident(mini):
    calls = []

    def flaky(ctx):
        calls.append(ctx.attempt)
        raise RetryableError("gateway timeout")

    saved = operators.handler_for("fee.collect")
    operators.register("fee.collect")(flaky)
    try:
        submit(mini, "mini", APP, T0)
        now = T0
        for _ in range(10):
            run_once(mini, clock=lambda t=now: t)
            with transaction(mini) as s:
                job = s.scalar(select(Job))
            if job.status == "incident":
                break
            assert job.status == "pending" and job.next_attempt_at > now
            assert job.last_error == "RetryableError: gateway timeout"
            now = job.next_attempt_at
    finally:
        operators.register("fee.collect")(saved)
    assert calls == [1, 2, 3, 4, 5]
    assert job.status == "incident"


def test_backoff_grows_exponentially_with_jitter():
    for attempts in range(1, 8):
        delay = outbox.backoff(attempts)
        ceiling = min(outbox.BACKOFF_CAP, outbox.BACKOFF_BASE * 2 ** (attempts - 1))
        assert ceiling / 2 <= delay <= ceiling


def test_completing_a_job_twice_changes_nothing(mini):
    code = submit(mini, "mini", APP, T0)
    with transaction(mini) as s:
        [job] = outbox.claim_jobs(s, "w1", now=T0)
    with transaction(mini) as s:
        outbox.complete_job(s, job.id, {"status": "waived", "amount": 0}, T0)
    seq = dossier(mini, code).last_event_seq
    with transaction(mini) as s:
        outbox.complete_job(s, job.id, {"status": "waived", "amount": 0}, T0)
    assert dossier(mini, code).last_event_seq == seq
    assert len(open_tasks(mini, code)) == 1


def test_claimed_job_of_a_vanished_worker_is_claimed_again_after_the_lease(mini):
    submit(mini, "mini", APP, T0)
    with transaction(mini) as s:
        [job] = outbox.claim_jobs(s, "w1", now=T0)
    with transaction(mini) as s:
        assert outbox.claim_jobs(s, "w2", now=T0 + timedelta(minutes=1)) == []
    with transaction(mini) as s:
        [again] = outbox.claim_jobs(s, "w2", now=T0 + outbox.LEASE + timedelta(seconds=1))
        assert again.id == job.id and again.claimed_by == "w2" and again.attempts == 2
