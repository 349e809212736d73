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
from engine.payments import payments
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
    codes = [r.code for r in results]
    # the shared sub-procedures first: their callers pin the versions just deployed
    assert set(codes[:2]) == {"fee_collection", "result_issue"}
    assert set(codes[2:]) == {"marital_status", "birth_registration", "construction_permit"}
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


def test_every_required_element_kind_is_used(deployed):
    kinds: set[str] = set()
    operators: set[str] = set()
    roles: set[str] = set()
    for code in ("marital_status", "birth_registration", "construction_permit"):
        bpmn = (PROCESSES / code / "procedure.bpmn").read_text()
        kinds |= {k for k in ("exclusiveGateway", "boundaryEvent", "timerEventDefinition",
                              "callActivity", "businessRuleTask", "multiInstanceLoopCharacteristics")
                  if f"<bpmn:{k}" in bpmn}
        with transaction(deployed) as s:
            proc = procedures.load_version(s, procedures.latest_version(s, code).id)
        operators |= {t.operator for t in proc.tasks.values() if t.operator}
        roles |= {t.role for t in proc.tasks.values() if t.role}
        assert proc.settings["legal_deadline_working_days"] > 0 and proc.settings["documents"]
    assert kinds == {"exclusiveGateway", "boundaryEvent", "timerEventDefinition", "callActivity",
                     "businessRuleTask", "multiInstanceLoopCharacteristics"}
    assert {"fee.collect", "fee.refund", "result.render", "result.sign", "result.deliver",
            "notify.send"} <= operators
    assert roles == {"reception", "specialist", "leader", "citizen"}


def test_all_three_call_the_shared_fee_collection_and_result_issue_once_kept():
    for code in ("marital_status", "birth_registration", "construction_permit"):
        bpmn = (PROCESSES / code / "procedure.bpmn").read_text()
        assert 'calledElement="fee_collection"' in bpmn and 'calledElement="result_issue"' in bpmn
        assert "fee.collect" not in bpmn and "result.render\" resultVariable=\"result\"" not in bpmn
    for shared in ("fee_collection", "result_issue"):
        assert 'shared = true' in (PROCESSES / shared / "procedure.toml").read_text()


def consultations(sessions, code: str) -> list[tuple[str, str]]:
    return [(t.element_id, t.department) for t in open_tasks(sessions, code)]


def test_consultation_opens_one_task_per_department_in_its_inbox(deployed):
    sc = SCENARIOS["construction_permit"]
    events = list(play(deployed, sc, "approve", steps=1, clock=Clock(MONDAY)))
    code = events[0][0]
    assert sorted(consultations(deployed, code)) == [("consultation", "QLDT"), ("consultation", "TNMT")]
    site = next(t for t in open_tasks(deployed, code) if t.department == "TNMT")
    opinion = sc.paths["approve"][2].data
    with transaction(deployed) as s:
        runner.complete_task(s, site.id, opinion, actor="cv2", at=at("2026-03-03 09:00"))
    assert consultations(deployed, code) == [("consultation", "QLDT")]  # every opinion is awaited
    complete(deployed, code, "consultation", {**opinion, "consultation_conclusion": "can_bo_sung"},
             "cv1", at("2026-03-03 10:00"))
    assert [t.element_id for t in open_tasks(deployed, code)] == ["review"]
    with transaction(deployed) as s:
        d = runner.get_dossier(s, code)
        assert replay(s, d).consistent


@pytest.mark.parametrize("kind, floors, basement, fee, departments", [
    ("xay_dung_moi", 5, False, 75000, ["QLDT", "TNMT"]),
    ("sua_chua_cai_tao", 7, False, 75000, ["PCCC", "QLDT"]),
    ("dieu_chinh", 3, True, 15000, ["PCCC", "QLDT"]),
    ("xay_dung_moi", 8, True, 75000, ["PCCC", "QLDT", "TNMT"]),  # fire safety asked once
])
def test_construction_fee_and_consulted_departments_come_from_the_decision_tables(
        deployed, kind, floors, basement, fee, departments):
    sc = SCENARIOS["construction_permit"]
    building = {**sc.application["cong_trinh"], "so_tang": floors, "co_tang_ham": basement}
    if basement:
        building["so_tang_ham"] = 1
    application = {**sc.application, "loai_cap_phep": kind, "cong_trinh": building}
    with transaction(deployed) as s:
        d = runner.submit(s, "construction_permit", application, actor="a", channel="online",
                          applicant_user="a", at=MONDAY)
        code = d.code
        # the decided fee is the dossier's fee from submission on: shown, then charged
        assert d.status == "awaiting_payment" and d.fee_amount == fee
    work(deployed, MONDAY)
    with transaction(deployed) as s:
        d = runner.get_dossier(s, code)
        [job] = s.scalars(select(Job).where(Job.dossier_id == d.id, Job.status == "waiting")).all()
        pending = payments.open_online_payment(s, d, "sandbox", MONDAY)
        assert (job.operator, pending.amount) == ("fee.collect", fee)
        paid = payments.record_counter_payment(s, code, "tiepnhan", MONDAY)
        assert paid.amount == fee
    work(deployed, MONDAY)
    complete(deployed, code, "reception", sc.paths["approve"][0].data, "tiepnhan", at("2026-03-02 10:00"))
    work(deployed, at("2026-03-02 10:00"))
    assert sorted(t.department for t in open_tasks(deployed, code)) == departments
    with transaction(deployed) as s:
        d = runner.get_dossier(s, code)
        assert [m.problem for m in payments.reconcile(s, MONDAY.date())
                if m.dossier == code] == []
        assert replay(s, d).consistent


def test_a_fee_step_refuses_a_fee_that_is_not_a_whole_amount():
    from engine.errors import WorkflowError
    from engine.procedures.fees import charged_fee

    assert charged_fee({"fee_amount": 75000.0}, "collect_fee") == 75000
    assert charged_fee({}, "collect_fee") is None
    for bad in (-1, 1.5, "75000", True):
        with pytest.raises(WorkflowError, match="collect_fee|fee_amount"):
            charged_fee({"fee_amount": bad}, "collect_fee")


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
