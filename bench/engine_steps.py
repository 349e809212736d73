"""Engine speed: N dossiers of one procedure run to completion.

Prints, per backend, steps per second, median and p95 ms per step and the mean
stored workflow state in bytes; then the same dossiers on bare SpiffWorkflow
in memory (one deserialize + serialize per step, service tasks answered
inline) as the ceiling, and our/ceiling ratios.

A step is one input applied in one transaction: the submission, a user task
completed, or a service job's result fed back (claim + completion). Service
tasks get canned answers in both runs, so the connectors' own work (rendering,
signing, sending) is not in these figures.

    .venv/bin/python -m bench.engine_steps [--n 200] [--procedure marital_status] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from connectors import register_all
from engine import db, migrate
from engine.db import transaction
from engine.dossiers import runner
from engine.outbox.outbox import claim_jobs, complete_job
from engine.outbox.worker import _context
from engine.procedures import operators, procedures
from engine.scenario.scenario import Scenario, open_task

ROOT = Path(__file__).resolve().parent.parent
SHARED = ("fee_collection", "result_issue")
PG_URL = os.environ.get("MOTCUA_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
# What every service task answers, in both runs: the engine is measured, not the
# connectors (bench/signing.py, bench/delivery.py and bench/payments.py measure those).
CANNED = {"fee.collect": {"status": "paid", "amount": 0}, "fee.refund": {"status": "refunded"},
          "result.render": {"document": "0" * 64}, "result.sign": {"signed": False},
          "result.deliver": {"channel": "portal"}, "notify.send": {"channel": "mailbox"}}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def run_ours(url: str, scenario: Scenario, n: int) -> dict[str, float]:
    engine = db.make_engine(url)
    migrate.upgrade(engine)
    sessions = db.session_factory(engine)
    with transaction(sessions) as s:
        procedures.deploy_path(s, ROOT / "processes", "bench")  # with its shared sub-procedures
    steps: list[float] = []
    sizes: list[int] = []
    now = START
    wall = time.perf_counter()

    def drain() -> None:
        while True:
            t = time.perf_counter()
            with transaction(sessions) as s:
                jobs = claim_jobs(s, "bench", 1, now)
                ctx = _context(s, jobs[0], sessions) if jobs else None
            if ctx is None:
                return
            claim = time.perf_counter() - t
            result = operators.handler_for(ctx.operator)(ctx)  # type: ignore[misc]
            t = time.perf_counter()
            with transaction(sessions) as s:
                complete_job(s, ctx.job_id, result, now)
                sizes.append(len(s.get(runner.Dossier, jobs[0].dossier_id).state))
            steps.append(claim + time.perf_counter() - t)

    for _ in range(n):
        t = time.perf_counter()
        with transaction(sessions) as s:
            d = runner.submit(s, scenario.procedure, scenario.application, actor="bench",
                              channel=scenario.channel, at=now)
            code = d.code
            sizes.append(len(d.state))
        steps.append(time.perf_counter() - t)
        drain()
        for step in scenario.paths["approve"]:
            now += timedelta(minutes=5)
            t = time.perf_counter()
            with transaction(sessions) as s:
                task = open_task(s, code, step.element_id)
                d = runner.complete_task(s, task.id, step.data, actor=step.actor, at=now)  # type: ignore[union-attr]
                sizes.append(len(d.state))
            steps.append(time.perf_counter() - t)
            drain()
        with transaction(sessions) as s:
            assert runner.get_dossier(s, code).status in ("returned", "done"), code
    wall = time.perf_counter() - wall
    engine.dispose()
    return {"steps": len(steps), "steps_per_s": len(steps) / sum(steps),
            "median_ms": statistics.median(steps) * 1000, "p95_ms": percentile(steps, 95) * 1000,
            "state_bytes": statistics.mean(sizes), "dossiers_per_s": n / wall}


def run_ceiling(scenario: Scenario, n: int) -> dict[str, float]:
    """Bare SpiffWorkflow: default Spiff parser and serializer, services inline."""
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
    from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
    from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
    from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
    from SpiffWorkflow.util.task import TaskState

    class Inline(TaskDataEnvironment):
        def call_service(self, context, operation_name, operation_params, task_data=None):  # type: ignore[no-untyped-def]
            return json.dumps(CANNED.get(operation_name, {}))

    script_engine = PythonScriptEngine(environment=Inline())
    parser = SpiffBpmnParser()
    for code in (scenario.procedure, *SHARED):  # the shared sub-procedures it calls
        parser.add_bpmn_file(str(ROOT / "processes" / code / "procedure.bpmn"))
        parser.add_dmn_files([str(f) for f in (ROOT / "processes" / code).glob("decisions/*.dmn")])
    spec = parser.get_spec(scenario.procedure)
    subprocesses = parser.get_subprocess_specs(scenario.procedure)
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
    data = {"application": scenario.application, "channel": scenario.channel, "fee_amount": 0,
            "dossier_code": "X", "procedure_code": scenario.procedure}
    steps: list[float] = []
    sizes: list[int] = []
    wall = time.perf_counter()
    for _ in range(n):
        t = time.perf_counter()
        wf = BpmnWorkflow(spec, subprocesses, script_engine=script_engine)
        wf.get_next_task(state=TaskState.READY).data.update(data)
        wf.do_engine_steps()
        state = serializer.serialize_json(wf)
        steps.append(time.perf_counter() - t)
        sizes.append(len(state))
        for step in scenario.paths["approve"]:
            t = time.perf_counter()
            wf = serializer.deserialize_json(state)
            wf.script_engine = script_engine
            task = next(t for t in wf.get_tasks(state=TaskState.READY)
                        if t.task_spec.bpmn_id == step.element_id)
            task.data.update(step.data)
            task.run()
            wf.refresh_timers()
            wf.do_engine_steps()
            state = serializer.serialize_json(wf)
            steps.append(time.perf_counter() - t)
            sizes.append(len(state))
        assert wf.is_completed()
    wall = time.perf_counter() - wall
    return {"steps": len(steps), "steps_per_s": len(steps) / sum(steps),
            "median_ms": statistics.median(steps) * 1000, "p95_ms": percentile(steps, 95) * 1000,
            "state_bytes": statistics.mean(sizes), "dossiers_per_s": n / wall}


def pg_database() -> tuple[str, callable] | None:  # type: ignore[valid-type]
    try:
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        name = f"motcua_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        print(f"(PostgreSQL not reachable at {PG_URL}: {type(exc).__name__}; skipped)")
        return None

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False), drop


def median_of(runs: list[dict[str, float]]) -> dict[str, float]:
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def show(label: str, r: dict[str, float]) -> None:
    print(f"{label:34} {r['steps_per_s']:9.1f} {r['median_ms']:9.2f} {r['p95_ms']:9.2f} "
          f"{r['state_bytes']:11.0f} {r['dossiers_per_s']:10.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100, help="dossiers per run")
    parser.add_argument("--repeat", type=int, default=3, help="runs per backend (medians reported)")
    parser.add_argument("--procedure", default="marital_status")
    args = parser.parse_args()
    os.environ.setdefault("MOTCUA_INSTANCE", tempfile.mkdtemp(prefix="motcua-bench-"))
    register_all()
    for operator, answer in CANNED.items():
        operators.register(operator)(lambda ctx, answer=answer: dict(answer))
    scenario = Scenario.load(ROOT / "examples" / "scenarios" / f"{args.procedure}.json")

    results: dict[str, dict[str, float]] = {}
    runs = []
    for _ in range(args.repeat):
        folder = tempfile.mkdtemp(prefix="motcua-bench-db-")
        runs.append(run_ours(f"sqlite:///{folder}/bench.db", scenario, args.n))
    results["motcua, SQLite (WAL)"] = median_of(runs)
    runs = []
    for _ in range(args.repeat):
        pg = pg_database()
        if pg is None:
            break
        url, drop = pg
        try:
            runs.append(run_ours(url, scenario, args.n))
        finally:
            drop()
    if runs:
        results["motcua, PostgreSQL"] = median_of(runs)
    ceiling = median_of([run_ceiling(scenario, args.n) for _ in range(args.repeat)])

    print(f"\n{args.procedure}: {args.n} dossiers to completion, median of {args.repeat} runs")
    print(f"{'':34} {'steps/s':>9} {'median ms':>9} {'p95 ms':>9} {'state bytes':>11} {'dossiers/s':>10}")
    for label, r in results.items():
        show(label, r)
    show("bare SpiffWorkflow (ceiling)", ceiling)
    for label, r in results.items():
        print(f"{label}: {r['steps_per_s'] / ceiling['steps_per_s']:.2f}× the ceiling's steps/s, "
              f"{r['dossiers_per_s'] / ceiling['dossiers_per_s']:.2f}× its dossiers/s "
              f"({r['steps'] / args.n:.0f} vs {ceiling['steps'] / args.n:.0f} steps per dossier)")


if __name__ == "__main__":
    main()
