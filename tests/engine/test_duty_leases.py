"""The worker's hourly and daily duties run once per cluster: two workers on one database
that reach a duty at the same time run it once (the other skips it while the first
holds its lease), whichever comes after the lease ran out runs it again, and a duty that
failed is run again by the next worker that tries. On SQLite and on PostgreSQL."""

from __future__ import annotations

import queue
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.config import WorkerSettings
from engine.db import transaction
from engine.models import DutyLease
from engine.outbox import duty_leases, worker_loop
from engine.outbox.worker_loop import DAILY_HOLD, HOURLY_HOLD, WorkerLoop

from ..conftest import at

NOON = at("2026-03-02 12:00")
WAIT = 30  # seconds a step may take before the test gives up on it


class Clock:
    def __init__(self, now=NOON) -> None:
        self.now = now

    def __call__(self):
        return self.now


class Duty:
    """A duty that counts who ran it and when; `gate` (if set) holds it until opened."""

    def __init__(self, gate: threading.Event | None = None, fails: int = 0) -> None:
        self.runs: list[tuple[str, object]] = []
        self.gate, self.fails = gate, fails
        self.running = threading.Event()

    def __call__(self, factory, now, settings):
        self.runs.append((threading.current_thread().name, now))
        self.running.set()
        if self.gate is not None:
            assert self.gate.wait(WAIT), "the duty was never let go"
        if self.fails:
            self.fails -= 1
            raise RuntimeError("the gateway did not answer")
        return "done"


@pytest.fixture
def duties(monkeypatch):
    """The worker's duty tables with only the test's duties in them."""
    hourly: dict = {}
    daily: dict = {}
    monkeypatch.setattr(worker_loop, "HOURLY_DUTIES", hourly)
    monkeypatch.setattr(worker_loop, "DAILY_DUTIES", daily)
    return hourly, daily


def workers(sessions, clock, count=2) -> list[WorkerLoop]:
    return [WorkerLoop(sessions, WorkerSettings(), name=f"may-{i}:{100 + i}", clock=clock)
            for i in range(1, count + 1)]


def lease(sessions, name: str) -> DutyLease | None:
    with transaction(sessions) as s:
        return s.scalar(select(DutyLease).where(DutyLease.name == name))


def test_two_workers_at_the_same_time_run_a_duty_once(sessions, duties):
    hourly, _ = duties
    gate = threading.Event()
    duty = hourly["sla_reminders"] = Duty(gate)
    clock = Clock()
    first, second = workers(sessions, clock)
    start = threading.Barrier(2)
    finished: queue.Queue[str] = queue.Queue()

    def run(loop: WorkerLoop) -> None:
        start.wait(WAIT)
        loop.hourly()
        finished.put(loop.name)

    threads = [threading.Thread(target=run, args=(loop,), name=loop.name)
               for loop in (first, second)]
    for thread in threads:
        thread.start()
    try:
        # the one that did not get the lease is done while the other still runs the duty
        try:
            skipper = finished.get(timeout=WAIT)
        except queue.Empty:
            pytest.fail(f"no worker skipped the duty; it ran {len(duty.runs)} time(s) at once")
        # the lease holder may still be on its way into the duty
        assert duty.running.wait(WAIT) and len(duty.runs) == 1
        runner = duty.runs[0][0]
        assert skipper != runner
        held = lease(sessions, "sla_reminders")
        assert held.holder == runner and held.until == NOON + HOURLY_HOLD
        assert held.last_run_at is None  # not ended yet
    finally:
        gate.set()
        for thread in threads:
            thread.join(WAIT)
    assert finished.get_nowait() == runner
    assert len(duty.runs) == 1
    assert lease(sessions, "sla_reminders").last_run_at == NOON


def test_after_the_lease_ran_out_the_next_worker_runs_it_again(sessions, duties):
    hourly, daily = duties
    reminders = hourly["sla_reminders"] = Duty()
    seal = daily["audit_seal"] = Duty()
    clock = Clock()
    first, second = workers(sessions, clock)
    first.hourly()
    first.daily()
    clock.now = NOON + HOURLY_HOLD - timedelta(minutes=1)
    second.hourly()
    first.hourly()  # the worker that ran it does not run it again before its time either
    second.daily()
    assert [len(reminders.runs), len(seal.runs)] == [1, 1]

    clock.now = NOON + HOURLY_HOLD
    second.hourly()
    first.hourly()
    assert [now for _, now in reminders.runs] == [NOON, NOON + HOURLY_HOLD]
    assert lease(sessions, "sla_reminders").holder == second.name
    second.daily()
    assert len(seal.runs) == 1  # the daily lease is held for most of the day

    clock.now = NOON + DAILY_HOLD
    second.daily()
    assert [now for _, now in seal.runs] == [NOON, NOON + DAILY_HOLD]
    assert lease(sessions, "audit_seal").holder == second.name


def test_a_duty_that_failed_is_run_again_by_the_next_worker(sessions, duties):
    _, daily = duties
    duty = daily["payment_reconciliation"] = Duty(fails=1)
    clock = Clock()
    first, second = workers(sessions, clock)
    first.daily()  # fails, logged, lease given back
    row = lease(sessions, "payment_reconciliation")
    assert row.until == NOON and row.last_run_at is None
    second.daily()
    assert [name for name, _ in duty.runs] == [threading.current_thread().name] * 2
    row = lease(sessions, "payment_reconciliation")
    assert (row.holder, row.last_run_at, row.until) == (second.name, NOON, NOON + DAILY_HOLD)


def test_each_duty_has_its_own_lease(sessions, duties):
    hourly, _ = duties
    a = hourly["a"] = Duty()
    b = hourly["b"] = Duty()
    first, second = workers(sessions, Clock())
    first.hourly()
    second.hourly()
    assert len(a.runs) == len(b.runs) == 1
    with transaction(sessions) as s:
        assert sorted(s.scalars(select(DutyLease.name))) == ["a", "b"]


@pytest.mark.parametrize("first_time", [True, False])
def test_of_many_callers_taking_a_lease_at_once_one_gets_it(sessions, first_time):
    """The atomic take itself, with eight callers: on a duty never run (the INSERT) and
    on one whose lease ran out (the UPDATE)."""
    if not first_time:
        assert duty_leases.take(sessions, "audit_seal", "earlier", NOON - timedelta(days=1),
                                DAILY_HOLD)
    start = threading.Barrier(8)
    taken: queue.Queue[tuple[str, bool]] = queue.Queue()

    def take(holder: str) -> None:
        start.wait(WAIT)
        taken.put((holder, duty_leases.take(sessions, "audit_seal", holder, NOON, DAILY_HOLD)))

    threads = [threading.Thread(target=take, args=(f"worker-{i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    answers = [taken.get_nowait() for _ in threads]
    winners = [holder for holder, got in answers if got]
    assert len(winners) == 1
    assert lease(sessions, "audit_seal").holder == winners[0]


def test_the_demo_schedulers_duties_take_the_lease_too(sessions, duties):
    hourly, daily = duties
    reminders = hourly["sla_reminders"] = Duty()
    seal = daily["audit_seal"] = Duty()
    worker_loop.hourly_duties(sessions, WorkerSettings())
    worker_loop.hourly_duties(sessions, WorkerSettings())
    worker_loop.daily_duties(sessions, WorkerSettings())
    worker_loop.daily_duties(sessions, WorkerSettings())
    assert len(reminders.runs) == len(seal.runs) == 1
    assert lease(sessions, "sla_reminders").last_run_at is not None
