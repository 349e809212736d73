"""The conformance suite: one small diagram per BPMN construct (tests/fixtures/bpmn/),
each driven to its end through the runner and the worker, its event chain verified
and its replay consistent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.audit.events import verify_chain
from engine.db import transaction
from engine.dossiers.replay import replay
from engine.models import Dossier, HumanTask, Timer

from ..conftest import at
from ..helpers import complete, dossier, open_tasks, submit, work

T0 = at("2026-03-02 09:00")
APP = {"ho_ten": "Vũ Thị Mai", "so_dinh_danh": "001099000444"}


def consistent(sessions, code: str) -> None:
    with transaction(sessions) as s:
        d = s.scalar(select(Dossier).where(Dossier.code == code))
        assert verify_chain(s, d).ok
        report = replay(s, d)
        assert report.consistent, str(report)


def tasks(sessions, code: str) -> list[tuple[str, str]]:
    return [(t.element_id, t.role) for t in open_tasks(sessions, code)]


def test_an_embedded_subprocess_runs_its_tasks_in_the_lane_around_it(sessions, bundle):
    code = submit(sessions, bundle("subprocess"), APP, T0)
    assert tasks(sessions, code) == [("check_papers", "specialist")]
    complete(sessions, code, "check_papers", {"decision": "approve"}, when=T0)
    assert tasks(sessions, code) == [("approve", "leader")]
    complete(sessions, code, "approve", {"decision": "approve"}, when=T0)
    assert dossier(sessions, code).status == "done"
    consistent(sessions, code)


def test_a_timer_boundary_on_a_subprocess_cancels_what_is_inside(sessions, bundle):
    code = submit(sessions, bundle("subprocess"), APP, T0)
    work(sessions, T0 + timedelta(days=11))
    assert tasks(sessions, code) == []
    with transaction(sessions) as s:
        states = {t.element_id: t.state for t in s.scalars(select(HumanTask))}
    assert states == {"check_papers": "cancelled"}
    assert dossier(sessions, code).status == "done"
    consistent(sessions, code)


def test_a_call_activity_runs_a_process_of_the_same_file(sessions, bundle):
    code = submit(sessions, bundle("call_activity"), APP, T0)
    # the manual task has no lane in the called process: it takes the caller's
    assert tasks(sessions, code) == [("draft", "specialist")]
    [draft] = open_tasks(sessions, code)
    assert draft.form is None
    complete(sessions, code, "draft", {}, when=T0)
    assert tasks(sessions, code) == [("opinion", "leader")]
    complete(sessions, code, "opinion", {"decision": "approve"}, when=T0)
    assert dossier(sessions, code).status == "done"
    consistent(sessions, code)


def test_an_event_based_gateway_takes_the_first_timer_and_cancels_the_other(sessions, bundle):
    code = submit(sessions, bundle("event_gateway"), APP, T0)
    assert tasks(sessions, code) == [("hand_over", "reception")]
    complete(sessions, code, "hand_over", {}, when=T0)
    with transaction(sessions) as s:
        timers = [(t.element_id, t.due_at, t.status) for t in s.scalars(select(Timer))]
    # the gateway waits on the first of its timers
    assert timers == [("wait_first", T0 + timedelta(hours=1), "pending")]
    work(sessions, T0 + timedelta(hours=2))
    with transaction(sessions) as s:
        timers = [(t.element_id, t.status) for t in s.scalars(select(Timer))]
    assert timers == [("wait_first", "fired")]
    assert tasks(sessions, code) == [("remind", "reception")]
    complete(sessions, code, "remind", {}, when=T0 + timedelta(hours=3))
    assert dossier(sessions, code).status == "done"
    consistent(sessions, code)


def test_parallel_multi_instance_opens_one_task_per_item_and_replays(sessions, bundle):
    application = {**APP, "departments": ["QLDT", "TNMT", "PCCC"]}
    code = submit(sessions, bundle("multi_instance"), application, T0)
    assert tasks(sessions, code) == [("opinions", "specialist")] * 3
    for answer in ("approve", "refuse", "approve"):
        complete(sessions, code, "opinions", {"decision": answer}, when=T0)
    assert dossier(sessions, code).status == "done"
    consistent(sessions, code)


def test_multi_instance_over_an_empty_collection_goes_straight_on(sessions, bundle):
    code = submit(sessions, bundle("multi_instance"), {**APP, "departments": []}, T0)
    assert dossier(sessions, code).status == "done"
    consistent(sessions, code)


@pytest.fixture
def payments_answer():
    """test.pay: declined for the case "declined", refused unexpectedly for "unknown"."""
    from engine.procedures import operators
    from engine.procedures.operators import BusinessError

    def pay(ctx):
        if ctx.params["case"] == "declined":
            raise BusinessError("payment_declined", "thẻ bị từ chối")
        if ctx.params["case"] == "unknown":
            raise BusinessError("recipient_unknown", "không tìm thấy người nhận")
        return {"status": "paid"}

    operators.register("test.pay")(pay)
    yield
    operators.unregister("test.pay")


def test_a_connectors_business_error_takes_the_error_boundary(sessions, bundle, payments_answer):
    name = bundle("error_boundary")
    paid = submit(sessions, name, APP, T0)
    declined = submit(sessions, name, {**APP, "case": "declined"}, T0)
    work(sessions, T0)
    assert dossier(sessions, paid).status == "done"
    assert tasks(sessions, declined) == [("call_back", "reception")]
    complete(sessions, declined, "call_back", {"decision": "approve"}, when=T0)
    assert dossier(sessions, declined).status == "done"
    for code in (paid, declined):
        consistent(sessions, code)


def test_a_business_error_no_boundary_catches_is_an_incident(sessions, bundle, payments_answer):
    from engine.models import Incident

    code = submit(sessions, bundle("error_boundary"), {**APP, "case": "unknown"}, T0)
    work(sessions, T0)
    with transaction(sessions) as s:
        [incident] = s.scalars(select(Incident)).all()
    assert incident.element_id == "pay" and "recipient_unknown" in incident.reason
    assert dossier(sessions, code).status != "done"


def test_an_error_end_event_in_a_subprocess_is_caught_by_its_boundary(sessions, bundle,
                                                                      payments_answer):
    code = submit(sessions, bundle("error_boundary"), {**APP, "case": "invalid"}, T0)
    assert tasks(sessions, code) == [("tell_invalid", "reception")]
    complete(sessions, code, "tell_invalid", {}, when=T0)
    assert dossier(sessions, code).status == "rejected"
    consistent(sessions, code)


def test_a_lane_can_take_its_department_from_the_dossiers_data(sessions, tmp_path):
    from engine.errors import BundleInvalid

    from ..helpers import bpmn_bundle, deploy

    folder = bpmn_bundle(tmp_path, "lane_routing")
    toml = folder / "procedure.toml"
    routed = toml.read_text().replace('lane_specialist = { role = "specialist" }',
                                      'lane_specialist = { role = "specialist", '
                                      'department_from = "routing.department" }')
    toml.write_text(routed.replace('department_from = "routing.department"',
                                   'department_from = "routing department"'))
    with pytest.raises(BundleInvalid, match="department_from"):
        deploy(sessions, folder)
    toml.write_text(routed)
    deploy(sessions, folder)
    road = submit(sessions, "lane_routing", {**APP, "case": "road"}, T0)
    land = submit(sessions, "lane_routing", {**APP, "case": "land"}, T0)
    other = submit(sessions, "lane_routing", {**APP, "case": "sea"}, T0)
    assert [(t.department, t.role) for c in (road, land, other) for t in open_tasks(sessions, c)
            ] == [("QLDT", "specialist"), ("TNMT", "specialist"), ("TUPHAP", "specialist")]
    complete(sessions, land, "assess", {"decision": "approve"}, when=T0)
    consistent(sessions, land)


def test_a_timer_cycle_repeats_its_branch_then_stops(sessions, bundle):
    from engine.models import Job
    from engine.procedures import operators

    operators.register("test.remind")(lambda ctx: {"sent": True})
    try:
        code = submit(sessions, bundle("timer_cycle"), APP, T0)
        with transaction(sessions) as s:
            [(due, status)] = [(t.due_at, t.status) for t in s.scalars(select(Timer))]
        assert (due, status) == (T0 + timedelta(days=1), "pending")
        for day in range(1, 6):
            work(sessions, T0 + timedelta(days=day, minutes=1))
        with transaction(sessions) as s:
            reminders = s.scalars(select(Job).where(Job.operator == "test.remind")).all()
            assert [j.status for j in reminders] == ["done"] * 3
            [timer] = s.scalars(select(Timer)).all()
            assert timer.status == "fired"
        assert tasks(sessions, code) == [("handle", "reception")]
        complete(sessions, code, "handle", {}, when=T0 + timedelta(days=6))
        assert dossier(sessions, code).status == "done"
        consistent(sessions, code)
    finally:
        operators.unregister("test.remind")
