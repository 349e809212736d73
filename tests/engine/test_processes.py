"""The three real procedures, every scenario path, on every backend: the
dossier ends where it should, the chain verifies and the replay is consistent."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from engine.audit.events import verify_chain
from engine.db import transaction
from engine.dossiers import runner
from engine.dossiers.apology import issue_apology
from engine.dossiers.replay import replay
from engine.models import Event, HumanTask, Job
from engine.procedures import procedures
from engine.scenario.scenario import Clock, all_scenarios, drive, play

from ..conftest import PROCESSES, at
from ..helpers import complete, consent_to_sign, dossier, open_tasks, work

SCENARIOS = all_scenarios()
CASES = [(name, path) for name, sc in SCENARIOS.items() for path in sc.paths]
MONDAY = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 08:00 in Hà Nội
EXPECTED_END = {"approve": "returned", "supplement": "returned", "reject": "rejected",
                "refuse": "rejected"}


@pytest.fixture
def deployed(sessions):
    with transaction(sessions) as s:
        results = procedures.deploy_path(s, PROCESSES, "test")
    assert {r.code for r in results} == {"marital_status", "birth_registration", "construction_permit"}
    return sessions


@pytest.mark.parametrize("name, path", CASES)
def test_scenario_runs_to_its_end_and_replays(deployed, name, path):
    code = drive(deployed, SCENARIOS[name], path, clock=Clock(MONDAY))
    with transaction(deployed) as s:
        d = runner.get_dossier(s, code)
        assert d.status == EXPECTED_END[path]
        assert s.scalars(select(HumanTask).where(HumanTask.dossier_id == d.id,
                                                 HumanTask.state == "open")).all() == []
        jobs = s.scalars(select(Job).where(Job.dossier_id == d.id)).all()
        assert jobs and all(j.status == "done" for j in jobs)
        for render in (j.result for j in jobs if j.operator == "result.render"):
            # one page, both signature boxes on it; a number once issued, none on a draft
            assert render["pages"] == 1, render
            if not render["draft"]:
                assert {"signature_field", "seal_field", "document_number"} <= set(render)
        assert verify_chain(s, d).ok
        report = replay(s, d)
        assert report.consistent, report


def test_every_required_element_kind_is_used():
    from engine.procedures.bundle import load_bundle, validate
    kinds: set[str] = set()
    operators: set[str] = set()
    roles: set[str] = set()
    for code in ("marital_status", "birth_registration", "construction_permit"):
        bpmn = (PROCESSES / code / "procedure.bpmn").read_text()
        kinds |= {k for k in ("parallelGateway", "exclusiveGateway", "boundaryEvent", "timerEventDefinition")
                  if f"<bpmn:{k}" in bpmn}
        proc = validate(load_bundle(PROCESSES / code), None)
        operators |= {t.operator for t in proc.tasks.values() if t.operator}
        roles |= {t.role for t in proc.tasks.values() if t.role}
        assert proc.settings["legal_deadline_working_days"] > 0 and proc.settings["documents"]
    assert kinds == {"parallelGateway", "exclusiveGateway", "boundaryEvent", "timerEventDefinition"}
    assert {"fee.collect", "fee.refund", "result.render", "result.sign", "result.deliver",
            "notify.send"} <= operators
    assert roles == {"reception", "specialist", "leader", "citizen"}


def test_parallel_consultation_opens_two_departments_at_once(deployed):
    sc = SCENARIOS["construction_permit"]
    events = list(play(deployed, sc, "approve", steps=1, clock=Clock(MONDAY)))
    code = events[0][0]
    tasks = open_tasks(deployed, code)
    assert sorted((t.element_id, t.department) for t in tasks) == [
        ("design_appraisal", "QLDT"), ("site_inspection", "TNMT")]
    complete(deployed, code, "site_inspection", sc.paths["approve"][2].data, "cv2", at("2026-03-03 09:00"))
    assert [t.element_id for t in open_tasks(deployed, code)] == ["design_appraisal"]  # join waits
    complete(deployed, code, "design_appraisal", sc.paths["approve"][1].data, "cv1", at("2026-03-03 10:00"))
    assert [t.element_id for t in open_tasks(deployed, code)] == ["review"]


def test_fee_by_channel_is_computed_at_submission(deployed):
    sc = SCENARIOS["marital_status"]
    with transaction(deployed) as s:
        online = runner.submit(s, "marital_status", sc.application, actor="a", channel="online")
        counter = runner.submit(s, "marital_status", sc.application, actor="a", channel="counter")
        birth = runner.submit(s, "birth_registration", SCENARIOS["birth_registration"].application,
                              actor="a", channel="online")
        assert (online.fee_amount, counter.fee_amount, birth.fee_amount) == (0, 15000, 2 * 8000)


def test_marital_status_supplement_across_a_weekend_and_holiday(deployed):
    """Received Wed 29/04/2026 10:00 (3 working days: 30/04 and 01/05 are holidays,
    02–03/05 the weekend) → appointment Wed 06/05. The specialist asks for a
    supplement Mon 04/05; the citizen answers Thu 07/05: Tue, Wed and Thu count as
    paused, so the appointment moves 3 working days to Mon 11/05."""
    sc = SCENARIOS["marital_status"]
    steps = sc.paths["supplement"]
    with transaction(deployed) as s:
        code = runner.submit(s, "marital_status", sc.application, actor="congdan",
                             applicant_user="congdan", at=at("2026-04-29 09:00")).code
    work(deployed, at("2026-04-29 09:00"))
    d = complete(deployed, code, "reception", steps[0].data, "tiepnhan", at("2026-04-29 10:00"))
    assert d.appointment_date.isoformat() == "2026-05-06"
    work(deployed, at("2026-04-29 10:00"))
    d = complete(deployed, code, "review", steps[1].data, "chuyenvien", at("2026-05-04 10:00"))
    work(deployed, at("2026-05-04 10:00"))
    assert dossier(deployed, code).status == "supplement_requested"
    d = complete(deployed, code, "supplement_review", steps[2].data, "congdan", at("2026-05-07 08:30"))
    assert d.status == "in_progress"
    assert d.paused_working_days == 3
    assert d.appointment_date.isoformat() == "2026-05-11"
    review = [t for t in open_tasks(deployed, code) if t.element_id == "review"]
    assert review, "the loop returns to the specialist's review"
    with transaction(deployed) as s:
        assert s.scalar(select(Event.payload).where(Event.type == "deadline_extended")) == {
            "paused_working_days": 3, "from": "2026-05-06", "to": "2026-05-11"}


def test_hand_offs_record_timeliness_for_the_control_sheet(deployed):
    sc = SCENARIOS["marital_status"]
    steps = sc.paths["approve"]
    with transaction(deployed) as s:
        code = runner.submit(s, "marital_status", sc.application, actor="congdan",
                             at=at("2026-03-02 08:00")).code
    work(deployed, at("2026-03-02 08:00"))
    complete(deployed, code, "reception", steps[0].data, "tiepnhan", at("2026-03-02 09:00"))
    work(deployed, at("2026-03-02 09:00"))
    complete(deployed, code, "review", steps[1].data, "chuyenvien", at("2026-03-04 16:00"))  # due 04/03
    work(deployed, at("2026-03-04 16:00"))
    consent_to_sign(deployed, code, "lanhdao")
    # handed over after the 15:00 cut-off: the leader's day counts from 05/03, due 06/03;
    # the dossier's appointment (05/03) has passed, so an apology slip comes first
    with transaction(deployed) as s:
        issue_apology(s, runner.get_dossier(s, code).id, "Chờ lãnh đạo đi công tác về",
                      date(2026, 3, 10), actor="tiepnhan", actor_name="Nguyễn Thị Hoa",
                      at=at("2026-03-09 08:30"))
    complete(deployed, code, "approval", steps[2].data, "lanhdao", at("2026-03-09 09:00"))
    work(deployed, at("2026-03-09 09:00"))
    with transaction(deployed) as s:
        rows = s.scalars(select(HumanTask).join(runner.Dossier).where(runner.Dossier.code == code)
                         .order_by(HumanTask.id)).all()
        sheet = [(r.element_id, r.role, r.completed_by, r.due_date.isoformat(), r.timeliness)
                 for r in rows]
    assert sheet == [
        ("reception", "reception", "tiepnhan", "2026-03-02", "on_time"),
        ("review", "specialist", "chuyenvien", "2026-03-04", "on_time"),
        ("approval", "leader", "lanhdao", "2026-03-06", "late"),
    ]
    assert dossier(deployed, code).finished_at is not None
