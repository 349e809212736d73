"""The conformance suite, continued: event subprocesses, transactions with cancel,
escalation, terminate end events, multi-instance subprocesses, signals within a dossier
and standard loops, each driven to its end with its chain verified and its replay
consistent. What waits is always visible to the engine: a timer row, a message wait or
a human task."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engine.db import transaction
from engine.dossiers import runner
from engine.models import Dossier, Event, HumanTask, MessageWait, Timer

from ..helpers import complete, dossier, open_tasks, submit, work
from .test_conformance import APP, T0, consistent, tasks


def states(sessions, code: str, model=HumanTask) -> dict[str, str]:
    """What became of each human task (or timer, or message wait) of the dossier."""
    with transaction(sessions) as s:
        rows = s.scalars(select(model).join(Dossier).where(Dossier.code == code)
                         .order_by(model.id))
        key = "status" if model is not HumanTask else "state"
        return {row.element_id: getattr(row, key) for row in rows}


# -- terminate -------------------------------------------------------------------------


def test_a_terminate_end_event_ends_every_branch(sessions, bundle):
    code = submit(sessions, bundle("terminate"), APP, T0)
    assert sorted(tasks(sessions, code)) == [("answer", "reception"), ("review", "specialist")]
    assert states(sessions, code, Timer) == {"wait": "pending"}
    complete(sessions, code, "review", {"decision": "refuse"}, when=T0)
    assert tasks(sessions, code) == []
    assert states(sessions, code) == {"answer": "cancelled", "review": "completed"}
    assert states(sessions, code, Timer) == {"wait": "cancelled"}
    assert dossier(sessions, code).status == "rejected"
    consistent(sessions, code)


def test_without_terminate_every_branch_runs_to_its_end(sessions, bundle):
    code = submit(sessions, bundle("terminate"), APP, T0)
    complete(sessions, code, "review", {"decision": "approve"}, when=T0)
    complete(sessions, code, "answer", {}, when=T0)
    work(sessions, T0 + timedelta(days=6))
    complete(sessions, code, "remind", {}, when=T0 + timedelta(days=6))
    assert dossier(sessions, code).status == "done"
    consistent(sessions, code)


# -- standard loop ---------------------------------------------------------------------


def test_a_standard_loop_repeats_until_its_condition_fails(sessions, bundle):
    name = bundle("standard_loop")
    code = submit(sessions, name, APP, T0)
    for _ in range(2):
        complete(sessions, code, "review", {"decision": "refuse"}, when=T0)
        assert tasks(sessions, code) == [("review", "specialist")]
    complete(sessions, code, "review", {"decision": "approve"}, when=T0)
    assert dossier(sessions, code).status == "done"
    consistent(sessions, code)
    # at most loopMaximum times
    stubborn = submit(sessions, name, APP, T0)
    for _ in range(3):
        complete(sessions, stubborn, "review", {"decision": "refuse"}, when=T0)
    assert dossier(sessions, stubborn).status == "done"
    consistent(sessions, stubborn)


# -- signals within the dossier --------------------------------------------------------


def test_a_signal_thrown_in_a_dossier_reaches_its_own_catch_and_boundary(sessions, bundle):
    code = submit(sessions, bundle("signal_within"), APP, T0)
    other = submit(sessions, "signal_within", APP, T0)
    assert sorted(tasks(sessions, code)) == [("hold", "leader"), ("prepare", "reception")]
    assert states(sessions, code, MessageWait) == {"wait_ready": "waiting", "released": "waiting"}
    complete(sessions, code, "prepare", {}, when=T0)
    assert tasks(sessions, code) == [("review", "specialist")]
    assert states(sessions, code) == {"prepare": "completed", "hold": "cancelled",
                                      "review": "open"}
    assert states(sessions, code, MessageWait) == {"wait_ready": "received",
                                                   "released": "received"}
    # the other dossier of the same procedure heard nothing
    assert sorted(tasks(sessions, other)) == [("hold", "leader"), ("prepare", "reception")]
    complete(sessions, code, "review", {"decision": "approve"}, when=T0)
    assert dossier(sessions, code).status == "done"
    consistent(sessions, code)


# -- escalation ------------------------------------------------------------------------


def test_an_escalation_thrown_on_the_way_takes_the_non_interrupting_boundary(sessions, bundle):
    code = submit(sessions, bundle("escalation"), APP, T0)
    assert tasks(sessions, code) == [("check", "specialist")]
    complete(sessions, code, "check", {"decision": "approve"}, when=T0)
    # the subprocess went on to its end while the boundary's path opened a task
    assert sorted(tasks(sessions, code)) == [("opinion", "leader"), ("tell", "reception")]
    complete(sessions, code, "tell", {}, when=T0)
    complete(sessions, code, "opinion", {"decision": "approve"}, when=T0)
    assert dossier(sessions, code).status == "done"
    consistent(sessions, code)


def test_an_escalation_end_event_takes_the_interrupting_boundary(sessions, bundle):
    code = submit(sessions, bundle("escalation"), APP, T0)
    complete(sessions, code, "check", {"decision": "refuse"}, when=T0)
    assert tasks(sessions, code) == [("take_over", "leader")]
    complete(sessions, code, "take_over", {"decision": "refuse"}, when=T0)
    assert dossier(sessions, code).status == "rejected"
    consistent(sessions, code)


def test_an_escalation_from_a_called_process_takes_the_call_activitys_boundary(sessions, bundle):
    code = submit(sessions, bundle("escalation"), APP, T0)
    complete(sessions, code, "check", {"decision": "approve"}, when=T0)
    complete(sessions, code, "opinion", {"decision": "refuse"}, when=T0)
    assert sorted(tasks(sessions, code)) == [("decide_alone", "leader"), ("tell", "reception")]
    complete(sessions, code, "decide_alone", {"decision": "approve"}, when=T0)
    complete(sessions, code, "tell", {}, when=T0)
    assert dossier(sessions, code).status == "done"
    consistent(sessions, code)


# -- transactions ----------------------------------------------------------------------


def test_a_transaction_that_ends_normally_goes_on(sessions, bundle):
    code = submit(sessions, bundle("transaction"), APP, T0)
    assert tasks(sessions, code) == [("enter", "specialist")]
    complete(sessions, code, "enter", {"decision": "approve"}, when=T0)
    assert dossier(sessions, code).status == "done"
    consistent(sessions, code)


def test_a_cancel_end_event_takes_the_transactions_cancel_boundary(sessions, bundle):
    code = submit(sessions, bundle("transaction"), APP, T0)
    complete(sessions, code, "enter", {"decision": "refuse"}, when=T0)
    assert tasks(sessions, code) == [("tell", "reception")]
    complete(sessions, code, "tell", {}, when=T0)
    assert dossier(sessions, code).status == "rejected"
    consistent(sessions, code)


# -- multi-instance subprocesses -------------------------------------------------------


def test_multi_instance_subprocesses_run_each_instance_and_replay(sessions, tmp_path):
    from ..helpers import bpmn_bundle, deploy

    folder = bpmn_bundle(tmp_path, "mi_subprocess")
    toml = folder / "procedure.toml"
    # each department's opinion goes to that department's inbox
    toml.write_text(toml.read_text().replace(
        'lane_specialist = { role = "specialist" }',
        'lane_specialist = { role = "specialist", department_from = "department" }'))
    deploy(sessions, folder)
    application = {**APP, "departments": ["QLDT", "TNMT", "PCCC"], "count": 2}
    code = submit(sessions, "mi_subprocess", application, T0)
    rows = open_tasks(sessions, code)
    assert [(r.element_id, r.role, r.department) for r in rows] == [
        ("opinion", "specialist", d) for d in ("QLDT", "TNMT", "PCCC")]
    # answered out of order, each by its own department
    for department, answer in (("PCCC", "approve"), ("QLDT", "refuse"), ("TNMT", "approve")):
        [row] = [r for r in open_tasks(sessions, code) if r.department == department]
        with transaction(sessions) as s:
            runner.complete_task(s, row.id, {"decision": answer}, actor=department, at=T0)
    with transaction(sessions) as s:
        instances = [e.payload.get("instance") for e in s.scalars(
            select(Event).join(Dossier).where(Dossier.code == code,
                                              Event.type == "task_completed"))]
    assert instances == [2, 0, None]  # the third of three, the first of two, the one left
    # sequential, by cardinality: one signature at a time
    for _ in range(2):
        assert tasks(sessions, code) == [("approve", "leader")]
        complete(sessions, code, "approve", {"decision": "approve"}, when=T0)
    assert dossier(sessions, code).status == "done"
    consistent(sessions, code)


# -- event subprocesses ----------------------------------------------------------------


def waits(sessions, code: str) -> list[tuple[str, str, str]]:
    with transaction(sessions) as s:
        return [(w.element_id, w.kind, w.status) for w in s.scalars(
            select(MessageWait).join(Dossier).where(Dossier.code == code)
            .order_by(MessageWait.id))]


def test_event_subprocesses_listen_from_the_start_and_end_with_the_process(sessions, bundle):
    code = submit(sessions, bundle("event_subprocess"), APP, T0)
    assert tasks(sessions, code) == [("review", "specialist")]
    # nothing waits unseen: the timer is scheduled, the message and signal awaited
    with transaction(sessions) as s:
        [timer] = s.scalars(select(Timer)).all()
        assert (timer.element_id, timer.due_at, timer.status) == ("late", T0 + timedelta(days=2),
                                                                  "pending")
    assert waits(sessions, code) == [("withdrawn", "message", "waiting"),
                                     ("rule_changed", "signal", "waiting")]
    # the timer's event subprocess does not interrupt: the review stays open
    work(sessions, T0 + timedelta(days=3))
    assert sorted(tasks(sessions, code)) == [("remind", "reception"), ("review", "specialist")]
    assert states(sessions, code, Timer) == {"late": "fired"}
    complete(sessions, code, "review", {"decision": "approve"}, when=T0 + timedelta(days=3))
    assert dossier(sessions, code).status != "done"  # the reminder is still running
    complete(sessions, code, "remind", {}, when=T0 + timedelta(days=3))
    # the main flow ended: the listening event subprocesses end with it
    assert dossier(sessions, code).status == "done"
    assert waits(sessions, code) == [("withdrawn", "message", "cancelled"),
                                     ("rule_changed", "signal", "cancelled")]
    consistent(sessions, code)


def test_an_interrupting_message_event_subprocess_fires_in_its_dossier_only(sessions, bundle):
    from engine.dossiers import messages

    name = bundle("event_subprocess")
    code, other = submit(sessions, name, APP, T0), submit(sessions, name, APP, T0)
    with transaction(sessions) as s:
        message = messages.receive(s, "withdrawal_requested", {"dossier_code": code},
                                   {"reason": "nộp nhầm"}, source="citizen1", at=T0)
        assert message.status == "delivered"
    # the main flow and the other event subprocesses are cancelled
    assert tasks(sessions, code) == [("confirm", "reception")]
    assert states(sessions, code) == {"review": "cancelled", "confirm": "open"}
    assert states(sessions, code, Timer) == {"late": "cancelled"}
    assert waits(sessions, code) == [("withdrawn", "message", "received"),
                                     ("rule_changed", "signal", "cancelled")]
    # the same version's other dossiers, before and after, still listen and were not touched
    later = submit(sessions, name, APP, T0)
    for untouched in (other, later):
        assert tasks(sessions, untouched) == [("review", "specialist")]
        assert waits(sessions, untouched) == [("withdrawn", "message", "waiting"),
                                              ("rule_changed", "signal", "waiting")]
    complete(sessions, code, "confirm", {}, when=T0)
    assert dossier(sessions, code).status == "returned"
    complete(sessions, later, "review", {"decision": "approve"}, when=T0)
    assert dossier(sessions, later).status == "done"
    for each in (code, other, later):
        consistent(sessions, each)


def test_a_non_interrupting_signal_event_subprocess_runs_once_per_signal(sessions, bundle):
    from engine.dossiers import messages

    code = submit(sessions, bundle("event_subprocess"), APP, T0)
    for _ in range(2):
        with transaction(sessions) as s:
            assert messages.broadcast_signal(s, "rule_changed", {}, source="admin", at=T0) == [code]
    assert sorted(tasks(sessions, code)) == [("read_rule", "specialist"),
                                             ("read_rule", "specialist"), ("review", "specialist")]
    # it listens again after each signal
    assert [w for w in waits(sessions, code) if w[2] == "waiting"] == [
        ("withdrawn", "message", "waiting"), ("rule_changed", "signal", "waiting")]
    complete(sessions, code, "read_rule", {}, when=T0)
    complete(sessions, code, "review", {"decision": "approve"}, when=T0)
    complete(sessions, code, "read_rule", {}, when=T0)
    assert dossier(sessions, code).status == "done"
    consistent(sessions, code)


def test_an_error_event_subprocess_interrupts_the_process(sessions, bundle):
    code = submit(sessions, bundle("event_subprocess_errors"), {**APP, "case": "invalid"}, T0)
    complete(sessions, code, "check", {}, when=T0)
    assert tasks(sessions, code) == [("give_back", "reception")]
    complete(sessions, code, "give_back", {}, when=T0)
    assert dossier(sessions, code).status == "rejected"
    consistent(sessions, code)


def test_an_escalation_event_subprocess_runs_beside_the_main_flow(sessions, bundle):
    name = bundle("event_subprocess_errors")
    code = submit(sessions, name, {**APP, "case": "hard"}, T0)
    plain = submit(sessions, name, APP, T0)
    complete(sessions, code, "check", {}, when=T0)
    complete(sessions, plain, "check", {}, when=T0)
    assert sorted(tasks(sessions, code)) == [("advise", "leader"), ("decide", "specialist")]
    assert tasks(sessions, plain) == [("decide", "specialist")]
    complete(sessions, code, "advise", {"decision": "approve"}, when=T0)
    complete(sessions, code, "decide", {"decision": "approve"}, when=T0)
    complete(sessions, plain, "decide", {"decision": "approve"}, when=T0)
    for each in (code, plain):
        assert dossier(sessions, each).status == "done"
        consistent(sessions, each)


def test_an_event_subprocess_inside_a_subprocess_interrupts_only_that_subprocess(sessions, bundle):
    name = bundle("event_subprocess_nested")
    slow, quick = submit(sessions, name, APP, T0), submit(sessions, name, APP, T0)
    assert states(sessions, slow, Timer) == {"slow": "pending"}
    complete(sessions, quick, "check", {"decision": "approve"}, when=T0)
    # the subprocess ended: its listening event subprocess ended with it
    assert states(sessions, quick, Timer) == {"slow": "cancelled"}
    assert tasks(sessions, quick) == [("hand_back", "reception")]
    work(sessions, T0 + timedelta(days=2))
    assert tasks(sessions, slow) == [("take_over", "specialist")]
    assert states(sessions, slow) == {"check": "cancelled", "take_over": "open"}
    complete(sessions, slow, "take_over", {"decision": "approve"}, when=T0 + timedelta(days=2))
    # the process around it goes on
    for code in (slow, quick):
        complete(sessions, code, "hand_back", {}, when=T0 + timedelta(days=2))
        assert dossier(sessions, code).status == "done"
        consistent(sessions, code)
