"""Scenarios: a dossier's whole path written as data (submit, then each task's
form data and actor), driven through the real runner and worker. Used by the
examples, the demo seed, the benchmarks and the process tests."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ..accounts import signing_grants
from ..config import PROJECT_ROOT
from ..db import transaction
from ..dossiers import runner
from ..models import Dossier, HumanTask, utcnow
from ..outbox.worker import run_once
from ..payments import payments

SCENARIOS = PROJECT_ROOT / "examples" / "scenarios"


@dataclass(frozen=True)
class Step:
    element_id: str
    data: dict[str, Any]
    actor: str
    # {"consent_to_sign": passphrase}: the actor approves with "sign and approve"
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Scenario:
    procedure: str
    channel: str
    application: dict[str, Any]
    applicant: str
    paths: dict[str, list[Step]]

    @classmethod
    def load(cls, path: Path) -> Scenario:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(
            procedure=raw["procedure"], channel=raw.get("channel", "online"),
            application=raw["application"], applicant=raw.get("applicant", "congdan"),
            paths={name: [Step(*step) for step in steps] for name, steps in raw["paths"].items()},
        )


def all_scenarios(folder: Path = SCENARIOS) -> dict[str, Scenario]:
    return {p.stem: Scenario.load(p) for p in sorted(folder.glob("*.json"))}


class Clock:
    """Time for a driven dossier: real now, or a simulated one that moves on."""

    def __init__(self, start: datetime | None = None, step: timedelta = timedelta(hours=1)):
        self.simulated = start is not None
        self.current = start or utcnow()
        self.step = step

    def now(self) -> datetime:
        return self.current if self.simulated else utcnow()

    def tick(self) -> datetime:
        if self.simulated:
            self.current += self.step
        return self.now()


def open_task(session: Session, code: str, element_id: str) -> HumanTask | None:
    return session.scalar(
        select(HumanTask).join(Dossier)
        .where(Dossier.code == code, HumanTask.state == "open", HumanTask.element_id == element_id)
    )


def drive(sessions: sessionmaker[Session], scenario: Scenario, path: str, **options: Any) -> str:
    """Submit the scenario's dossier and play its path (`steps=` to stop early),
    running the worker after each input. Returns the dossier code."""
    return list(play(sessions, scenario, path, **options))[0][0]


def play(
    sessions: sessionmaker[Session],
    scenario: Scenario,
    path: str,
    *,
    steps: int | None = None,
    clock: Clock | None = None,
    log: Callable[[str], None] = lambda _: None,
    pay: bool = True,
) -> Iterator[tuple[str, str]]:
    """Like `drive`, yielding (dossier code, what happened) after each input. A fee
    is paid in cash at the counter unless `pay` is false (the dossier then waits
    for its payment)."""
    clock = clock or Clock()
    with transaction(sessions) as s:
        d = runner.submit(s, scenario.procedure, scenario.application, actor=scenario.applicant,
                          channel=scenario.channel, applicant_user=scenario.applicant, at=clock.now())
        code = d.code
    log(f"{code}: submitted ({scenario.procedure}, {scenario.channel})")
    yield code, "submitted"
    yield code, _work(sessions, clock, log, code)
    if not pay:
        return
    if _pay_at_counter(sessions, clock, log, code):
        yield code, "paid"
        yield code, _work(sessions, clock, log, code)
    for step in scenario.paths[path][:steps]:
        clock.tick()
        with transaction(sessions) as s:
            task = open_task(s, code, step.element_id)
            if task is None:
                waiting = [t.element_id for t in s.scalars(
                    select(HumanTask).join(Dossier).where(Dossier.code == code, HumanTask.state == "open"))]
                raise LookupError(f"{code}: {step.element_id} is not open (open: {waiting})")
            if "consent_to_sign" in step.options:
                signing_grants.grant(s, runner.get_dossier(s, code), step.actor, step.element_id,
                                     str(step.options["consent_to_sign"]))
            d = runner.complete_task(s, task.id, step.data, actor=step.actor, at=clock.now())
            log(f"{code}: {step.actor} completed {step.element_id} → {d.status}")
        yield code, step.element_id
        yield code, _work(sessions, clock, log, code)


def _pay_at_counter(sessions: sessionmaker[Session], clock: Clock, log: Callable[[str], None],
                    code: str) -> bool:
    """A fee to pay: the applicant pays it in cash at the counter (reception takes it)."""
    with transaction(sessions) as s:
        if payments.waiting_fee_job(s, runner.get_dossier(s, code)) is None:
            return False
        payment = payments.record_counter_payment(s, code, "tiepnhan", clock.tick())
        log(f"{code}: fee {payment.amount:,} đ paid at the counter ({payment.reference})")
    return True


def _work(sessions: sessionmaker[Session], clock: Clock, log: Callable[[str], None], code: str) -> str:
    report = run_once(sessions, clock=clock.now)
    if report.total:
        with transaction(sessions) as s:
            status = runner.get_dossier(s, code).status
        log(f"{code}: worker ran ({report}) → {status}")
    return "worker"
