"""Messages: a dossier waiting for a message gets it through one input, correlated on
its code or on a reference it gave; a message nobody waits for is kept, never lost."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine.db import transaction
from engine.dossiers import messages
from engine.errors import InvalidInput
from engine.models import Dossier, Event, Message, MessageWait, Timer

from ..helpers import complete, dossier, submit, work
from .test_conformance import APP, T0, consistent, tasks

ANSWER = {"opinion": "Đồng ý", "agency": "Phòng Tài nguyên và Môi trường"}


def send(sessions, name: str, correlation: dict[str, str], payload=None, when=T0):
    with transaction(sessions) as s:
        message = messages.receive(s, name, correlation, payload or {}, source="api:partner",
                                   at=when)
        return message.status, message.dossier_id, message.id


def test_a_message_correlated_on_a_reference_reaches_the_waiting_dossier(sessions, bundle):
    name = bundle("message")
    code = submit(sessions, name, APP, T0)
    other = submit(sessions, name, APP, T0)
    with transaction(sessions) as s:
        waits = sorted((w.element_id, w.reference) for w in s.scalars(select(MessageWait)))
    assert waits == [("wait_answer", f"CV-{code}"), ("wait_answer", f"CV-{other}")]
    status, dossier_id, _ = send(sessions, "consult_answer", {"reference": f"CV-{code}"}, ANSWER)
    assert (status, dossier_id) == ("delivered", dossier(sessions, code).id)
    assert tasks(sessions, code) == [("review", "specialist")]
    assert tasks(sessions, other) == []
    with transaction(sessions) as s:
        [event] = s.scalars(select(Event).where(Event.type == "message_received")).all()
        assert event.actor == "api:partner" and event.payload["data"]["payload"] == ANSWER
    complete(sessions, code, "review", {"decision": "approve"}, when=T0)
    # the event-based gateway: the applicant's supplement comes before the timer
    status, _, _ = send(sessions, "supplement_received", {"dossier_code": code.lower()})
    assert status == "delivered"
    assert dossier(sessions, code).status == "done"
    with transaction(sessions) as s:
        assert [t.status for t in s.scalars(select(Timer))] == ["cancelled"]
    consistent(sessions, code)


def test_the_timer_wins_when_no_message_comes(sessions, bundle):
    code = submit(sessions, bundle("message"), APP, T0)
    send(sessions, "consult_answer", {"dossier_code": code})
    complete(sessions, code, "review", {"decision": "approve"}, when=T0)
    work(sessions, T0 + timedelta(days=3))
    assert dossier(sessions, code).status == "returned"
    status, _, message_id = send(sessions, "supplement_received", {"dossier_code": code})
    assert status == "uncorrelated"  # too late: kept for an administrator, not lost
    with transaction(sessions) as s:
        assert [m.id for m in messages.kept(s)] == [message_id]
    consistent(sessions, code)


def test_a_message_nobody_waits_for_is_kept_and_can_be_delivered_later(sessions, bundle):
    code = submit(sessions, bundle("message"), APP, T0)
    early, _, message_id = send(sessions, "supplement_received", {"dossier_code": code})
    assert early == "uncorrelated"
    send(sessions, "consult_answer", {"dossier_code": code})
    complete(sessions, code, "review", {"decision": "approve"}, when=T0)
    with transaction(sessions) as s:
        again = messages.redeliver(s, message_id, T0)
        assert again.status == "delivered"
    assert dossier(sessions, code).status == "done"
    consistent(sessions, code)


@pytest.mark.parametrize("name,correlation,payload", [
    ("", {"dossier_code": "X"}, {}),
    ("consult_answer", {}, {}),
    ("consult_answer", {"applicant": "X"}, {}),
    ("consult_answer", {"dossier_code": 5}, {}),
    ("consult_answer", {"dossier_code": "X"}, ["not", "an", "object"]),
])
def test_a_malformed_message_is_refused_with_its_field(sessions, name, correlation, payload):
    with transaction(sessions) as s, pytest.raises(InvalidInput) as refused:
        messages.receive(s, name, correlation, payload, source="api:partner", at=T0)
    assert refused.value.errors


def test_a_partner_system_sends_a_message_through_the_api(app, sessions, bundle):
    from engine.accounts.accounts import create_api_token, create_user
    from engine.models import User

    code = submit(sessions, bundle("message"), APP, T0)
    with transaction(sessions) as s:
        create_user(s, "so_tnmt", "Hệ thống Sở TN&MT", "mat-khau-dai-123456",
                    [("partner", "STNMT")])
        create_user(s, "congdan9", "Lê Văn Chín", "mat-khau-dai-123456", [("citizen", "*")])
        tokens = {name: create_api_token(s, s.query(User).filter_by(username=name).one(),
                                         "liên thông")[1] for name in ("so_tnmt", "congdan9")}
    client = app.test_client()

    def post(who, body):
        return client.post("/api/v1/messages", json=body,
                           headers={"Authorization": f"Bearer {tokens[who]}"})

    message = {"name": "consult_answer", "correlation": {"reference": f"CV-{code}"},
               "payload": ANSWER}
    assert post("congdan9", message).status_code == 403
    refused = post("so_tnmt", {**message, "correlation": {"who": "x"}})
    assert refused.status_code == 400 and "correlation" in refused.get_json()["fields"]
    answer = post("so_tnmt", message)
    assert answer.status_code == 200
    assert answer.get_json() | {} == {"id": answer.get_json()["id"], "name": "consult_answer",
                                      "status": "delivered", "dossier": code, "note": None,
                                      "started": False}
    assert tasks(sessions, code) == [("review", "specialist")]
    again = post("so_tnmt", message)  # the same message twice: the dossier no longer waits
    assert again.status_code == 202 and again.get_json()["status"] == "uncorrelated"


def test_a_signal_reaches_every_dossier_waiting_for_it(sessions, bundle):
    name = bundle("signal")
    waiting = [submit(sessions, name, APP, T0) for _ in range(3)]
    done = submit(sessions, name, APP, T0)
    complete(sessions, done, "handle", {}, when=T0)
    with transaction(sessions) as s:
        reached = messages.broadcast_signal(s, "procedure_suspended", {"why": "thay đổi luật"},
                                            source="admin", at=T0)
    assert sorted(reached) == sorted(waiting)
    assert {dossier(sessions, c).status for c in waiting} == {"returned"}
    assert dossier(sessions, done).status == "done"
    with transaction(sessions) as s:
        assert messages.broadcast_signal(s, "procedure_suspended", {}, source="admin") == []
    for code in (*waiting, done):
        consistent(sessions, code)


@pytest.fixture
def notify():
    from engine.procedures import operators

    operators.register("test.notify")(lambda ctx: {"to": ctx.params["to"]})
    yield
    operators.unregister("test.notify")


def test_a_multi_instance_service_task_queues_one_job_per_item(sessions, bundle, notify):
    from engine.models import Job

    name = bundle("mi_service")
    code = submit(sessions, name, {**APP, "departments": ["QLDT", "TNMT", "PCCC"]}, T0)
    with transaction(sessions) as s:
        params = sorted(j.payload["params"]["to"] for j in s.scalars(select(Job)))
    assert params == ["PCCC", "QLDT", "TNMT"]
    work(sessions, T0)
    assert tasks(sessions, code) == [("assess", "specialist")]
    complete(sessions, code, "assess", {"decision": "approve"}, when=T0)
    assert dossier(sessions, code).status == "done"
    consistent(sessions, code)


def test_a_multi_instance_over_a_missing_collection_is_refused_clearly(sessions, bundle, notify):
    from engine.errors import WorkflowError

    with pytest.raises(WorkflowError, match="goes over 'departments'") as failure:
        submit(sessions, bundle("mi_service"), APP, T0)  # no departments applied for
    assert failure.value.element_id == "notify_each"


def test_a_message_one_dossier_throws_reaches_the_dossier_waiting_for_it(sessions, bundle):
    import connectors.messages  # noqa: F401  (registers message.deliver)
    from engine.models import Message

    waiting = submit(sessions, bundle("message"), APP, T0)
    consulted = submit(sessions, bundle("message_throw"), {**APP, "case": f"CV-{waiting}"}, T0)
    complete(sessions, consulted, "opinion", {"decision": "approve"}, when=T0)
    assert dossier(sessions, consulted).status == "done"
    work(sessions, T0)
    assert tasks(sessions, waiting) == [("review", "specialist")]
    with transaction(sessions) as s:
        [message] = s.scalars(select(Message)).all()
        assert (message.source, message.status) == (f"dossier:{consulted}", "delivered")
        assert message.payload == {"reference": f"CV-{waiting}", "opinion": "approve"}
    work(sessions, T0)  # nothing is delivered twice
    with transaction(sessions) as s:
        assert len(s.scalars(select(Message)).all()) == 1
    for code in (waiting, consulted):
        consistent(sessions, code)


def test_a_message_arriving_after_the_timer_was_due_is_kept_not_delivered(sessions, bundle):
    code = submit(sessions, bundle("message"), APP, T0)
    send(sessions, "consult_answer", {"dossier_code": code})
    complete(sessions, code, "review", {"decision": "approve"}, when=T0)
    # the two days ran out before the supplement came, though no worker fired the timer yet
    status, dossier_id, _ = send(sessions, "supplement_received", {"dossier_code": code},
                                 when=T0 + timedelta(days=3))
    assert (status, dossier_id) == ("uncorrelated", None)
    work(sessions, T0 + timedelta(days=3))
    assert dossier(sessions, code).status == "returned"
    consistent(sessions, code)


# -- a message start event files a dossier (liên thông) -------------------------------

FILED = {"application": APP, "so_cong_van": "123/UBND"}


def start(sessions, payload=FILED, key="cv-123", name="ho_so_lien_thong"):
    with transaction(sessions) as s:
        message = messages.receive(s, name, {}, payload, source="api:so_tnmt", at=T0, key=key)
        code = s.get(Dossier, message.dossier_id).code if message.dossier_id else None
        return message.status, message.note, code


def test_a_message_that_starts_a_procedure_files_a_dossier_once(sessions, bundle):
    bundle("message_start")
    status, note, code = start(sessions)
    assert (status, note) == ("delivered", messages.STARTED)
    filed = dossier(sessions, code)
    assert (filed.channel, filed.applicant_name, filed.applicant_user) == ("partner", APP["ho_ten"],
                                                                            None)
    assert tasks(sessions, code) == [("review", "specialist")]
    with transaction(sessions) as s:
        types = [(e.type, e.actor) for e in s.scalars(select(Event).where(
            Event.dossier_id == filed.id, Event.type.in_(("submitted", "message_received"))))]
    assert types == [("submitted", "api:so_tnmt"), ("message_received", "api:so_tnmt")]
    # the partner sends it again (a timeout on its side): the same dossier, nothing new
    assert start(sessions) == (status, note, code)
    with transaction(sessions) as s:
        assert s.scalar(select(func.count(Dossier.id))) == 1
    complete(sessions, code, "review", {"decision": "approve"}, when=T0)
    assert dossier(sessions, code).status == "done"
    consistent(sessions, code)


@pytest.mark.parametrize("payload,key,field", [
    ({"application": {"ho_ten": "X"}}, "k1", "payload.application.ho_ten"),
    ({"so_cong_van": "1"}, "k2", "payload.application"),
    (FILED, None, "key"),
])
def test_a_starting_message_with_a_bad_application_creates_nothing(sessions, bundle, payload,
                                                                   key, field):
    bundle("message_start")
    with transaction(sessions) as s, pytest.raises(messages.ApplicationRefused) as refused:
        messages.receive(s, "ho_so_lien_thong", {}, payload, source="api:so_tnmt", at=T0, key=key)
    assert refused.value.http_status == 422
    assert any(name.startswith(field) for name in refused.value.errors), refused.value.errors
    with transaction(sessions) as s:
        assert s.scalar(select(func.count(Dossier.id))) == 0
        assert s.scalar(select(func.count(Message.id))) == 0


def test_a_procedure_a_message_starts_is_not_offered_to_applicants(sessions, bundle):
    bundle("message_start")
    with pytest.raises(InvalidInput, match="partner agency's message"):
        submit(sessions, "message_start", APP, T0)


def test_two_procedures_cannot_start_on_the_same_message(sessions, bundle, tmp_path):
    from engine.errors import BundleInvalid

    from ..helpers import bpmn_bundle, deploy

    bundle("message_start")
    other = bpmn_bundle(tmp_path / "other", "message_start")
    toml = other / "procedure.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('code = "message_start"',
                                                             'code = "message_start_2"'))
    bpmn = other / "procedure.bpmn"
    bpmn.write_text(bpmn.read_text(encoding="utf-8").replace('id="message_start"',
                                                             'id="message_start_2"'))
    with pytest.raises(BundleInvalid) as refused:
        deploy(sessions, other.rename(tmp_path / "message_start_2"))
    assert "the message 'ho_so_lien_thong' already starts the procedure 'message_start'" in str(
        refused.value)


def test_a_message_a_dossier_throws_without_a_correlation_files_a_dossier(sessions, bundle):
    import connectors.messages  # noqa: F401  (registers message.deliver)

    bundle("message_start")
    with transaction(sessions) as s:  # a throw's payload, as message.deliver gets it
        message = messages.receive(s, "ho_so_lien_thong", messages.correlation_of(FILED), FILED,
                                   source="dossier:TEST-1", key="TEST-1/message/5/0", at=T0)
        assert (message.status, message.note) == ("delivered", messages.STARTED)


# -- a signal one dossier throws reaches the others waiting for it -----------------------

def test_a_signal_a_dossier_throws_reaches_the_other_dossiers_once(sessions, bundle):
    import connectors.messages  # noqa: F401  (registers signal.broadcast)

    receiver = bundle("signal")
    waiting = [submit(sessions, receiver, APP, T0) for _ in range(2)]
    thrower = submit(sessions, bundle("signal_throw"), APP, T0)
    complete(sessions, thrower, "decide", {"decision": "approve"}, when=T0)
    # its own wait caught the signal at once; the others get it after the commit
    assert dossier(sessions, thrower).status == "done"
    assert {dossier(sessions, c).status for c in waiting} == {"submitted"}
    with transaction(sessions) as s:
        [sent] = s.scalars(select(Event).where(Event.type == "signal_sent")).all()
        assert sent.payload == {"name": "procedure_suspended",
                                "payload": {"decision_of": thrower}}
    work(sessions, T0)
    assert {dossier(sessions, c).status for c in waiting} == {"returned"}
    with transaction(sessions) as s:
        got = s.scalars(select(Event).where(Event.type == "signal_received")).all()
        assert sorted(e.actor for e in got) == [f"dossier:{thrower}"] * 2
        assert {e.payload["data"]["payload"]["decision_of"] for e in got} == {thrower}
    work(sessions, T0)  # nothing is given twice
    with transaction(sessions) as s:
        assert len(s.scalars(select(Event).where(Event.type == "signal_received")).all()) == 2
    for code in (*waiting, thrower):
        consistent(sessions, code)


# -- a citizen's withdrawal is a message -----------------------------------------------

def test_a_withdrawal_message_takes_the_boundary_on_the_processing(sessions, bundle):
    code = submit(sessions, bundle("withdrawal"), APP, T0)
    assert tasks(sessions, code) == [("review", "specialist")]
    status, dossier_id, _ = send(sessions, "rut_ho_so", {"dossier_code": code},
                                 {"ly_do": "Nộp nhầm thủ tục"})
    assert (status, dossier_id) == ("delivered", dossier(sessions, code).id)
    assert tasks(sessions, code) == []
    assert dossier(sessions, code).status == "withdrawn"
    consistent(sessions, code)
