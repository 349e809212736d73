"""bench/fill.py: the database the load benches share. A clone must be as good as a
dossier the engine ran: its chain verifies, its replay agrees, its codes and task ids
are its own, and the engine goes on from where it stands."""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import func, select

from bench.fill import fill
from connectors import register_all
from engine import db
from engine.audit.events import verify_chain
from engine.db import transaction
from engine.dossiers import runner
from engine.dossiers.replay import replay
from engine.models import Dossier, HumanTask
from engine.procedures import operators
from engine.scenario.scenario import all_scenarios


def test_clones_verify_replay_and_go_on(db_url):
    register_all()
    real = operators.handler_for("result.render")
    done = fill(db_url, dossiers=40, days=2, open_days=1, citizens=3,
                scenarios=["marital_status:approve", "marital_status:refuse"],
                until=date(2026, 3, 9))  # a Monday: the days are Friday 6 and Monday 9
    assert operators.handler_for("result.render") is real  # the canned answers are gone
    assert (done.dossiers, done.clones + done.templates) == (40, 40)
    engine = db.make_engine(db_url)
    sessions = db.session_factory(engine)
    with transaction(sessions) as s:
        dossiers = list(s.scalars(select(Dossier).order_by(Dossier.id)))
        for d in dossiers:
            assert verify_chain(s, d).ok, d.code
            report = replay(s, d)
            assert report.consistent, f"{d.code}: {report}"
        owners = Counter(d.applicant_user for d in dossiers)
        task_ids = s.scalars(select(HumanTask.workflow_task_id)).all()
        open_task = s.scalar(select(HumanTask).where(HumanTask.state == "open",
                                                     HumanTask.element_id == "reception")
                             .order_by(HumanTask.id.desc()))
    assert set(owners) == set(done.citizens)
    assert {d.submitted_at.date() for d in dossiers} == {date(2026, 3, 6), date(2026, 3, 9)}
    assert len(task_ids) == len(set(task_ids))
    statuses = {d.status for d in dossiers}
    assert {"returned", "rejected", "submitted", "in_progress"} <= statuses, statuses
    assert open_task is not None
    # a clone waiting for reception is received like any dossier, and a new
    # submission gets a code no clone holds
    step = all_scenarios()["marital_status"].paths["approve"][0]
    with transaction(sessions) as s:
        moved = runner.complete_task(s, open_task.id, step.data, actor="tiepnhan")
        assert moved.status != "submitted"
        scenario = all_scenarios()["marital_status"]
        fresh = runner.submit(s, scenario.procedure, scenario.application, actor="congdan00001",
                              applicant_user="congdan00001",
                              at=max(d.submitted_at for d in dossiers))
        assert s.scalar(select(func.count()).select_from(Dossier)
                        .where(Dossier.code == fresh.code)) == 1
    with transaction(sessions) as s:
        assert replay(s, s.get(Dossier, moved.id)).consistent
    engine.dispose()
