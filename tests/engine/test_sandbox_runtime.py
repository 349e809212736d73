"""What only run time can tell: a value too large or a step budget spent. The script is
allowed at deploy; when it runs, that dossier's input is rolled back whole. A task
completion answers a clear error (422 on the web); a service result that reaches the
script becomes an incident on that dossier. Replay runs the same evaluator."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from engine.bpmn.sandbox import SandboxEnvironment, evaluate, execute
from engine.bpmn.sandbox_guards import SandboxLimit
from engine.db import transaction
from engine.dossiers.machine import DossierMachine
from engine.dossiers.replay import replay
from engine.errors import BundleInvalid, ScriptRefused, WorkflowError
from engine.models import Event, Incident, Job, ProcedureVersion
from engine.procedures import procedures

from ..conftest import FIXTURES, at, csrf_token, login
from ..helpers import complete, deploy, dossier, pay_at_counter, submit, task, work

APP = {"ho_ten": "Nguyễn Văn An", "so_dinh_danh": "001099012345", "so_ban_sao": 2}
SCRIPT = 'copies = max(1, len(application.get("ho_ten", "")) % 3)'
RUNTIME = tomllib.loads((FIXTURES / "sandbox" / "escapes.toml").read_text(encoding="utf-8"))["runtime"]


def mini_with(tmp_path: Path, old: str, new: str) -> Path:
    target = tmp_path / "mini"
    shutil.copytree(FIXTURES / "mini", target)
    bpmn = target / "procedure.bpmn"
    text = bpmn.read_text(encoding="utf-8")
    assert old in text
    bpmn.write_text(text.replace(old, new, 1), encoding="utf-8")
    return target


def at_review(sessions, now: bool = False) -> str:
    """A dossier waiting for its review: received on a fixed Monday, or just now."""
    code = submit(sessions, "mini", APP, None if now else at("2026-03-02 09:00"))
    work(sessions, None if now else at("2026-03-02 09:01"))
    pay_at_counter(sessions, code, None if now else at("2026-03-02 09:01"))
    complete(sessions, code, "receive", {"reception_decision": "receive"}, "tiepnhan",
             None if now else at("2026-03-02 10:00"))
    return code


def counts(sessions, code) -> tuple[int, int, str]:
    d = dossier(sessions, code)
    with transaction(sessions) as s:
        events = s.scalar(select(func.count()).select_from(Event).where(Event.dossier_id == d.id))
    return events, d.revision, d.status


@pytest.mark.parametrize("variant", RUNTIME, ids=lambda v: v["name"])
def test_a_limit_reached_by_a_task_completion_rolls_it_back(sessions, tmp_path, variant):
    deploy(sessions, mini_with(tmp_path, SCRIPT, variant["source"]))
    code = at_review(sessions)
    before = counts(sessions, code)
    with pytest.raises(WorkflowError) as err:
        complete(sessions, code, "review", {"review_decision": "approve"}, "chuyenvien",
                 at("2026-03-03 08:00"))
    assert variant["reason"] in str(err.value)
    assert counts(sessions, code) == before
    assert task(sessions, code, "review").state == "open"


def test_the_web_answers_a_clear_error_not_a_server_error(app, people, sessions, tmp_path):
    deploy(sessions, mini_with(tmp_path, SCRIPT, "x = 'a' * 10 ** 9"))
    code = at_review(sessions, now=True)
    review = task(sessions, code, "review")
    officer = login(app.test_client(), "chuyenvien")
    path = f"/can-bo/viec/{review.id}"
    token = csrf_token(officer, path)
    before = counts(sessions, code)
    r = officer.post(f"{path}/hoan-thanh", data={"review_decision": "approve",
                                                 "csrf_token": token})
    assert r.status_code == 422
    assert "longer than the limit" in r.get_data(as_text=True)
    events, revision, status = before
    # the input is rolled back; only the incident an administrator sees is added
    assert counts(sessions, code) == (events + 1, revision + 1, status)
    with transaction(sessions) as s:
        assert s.scalar(select(Event.type).order_by(Event.id.desc())) == "incident_raised"
    assert task(sessions, code, "review").state == "open"


def test_a_limit_reached_by_a_service_result_is_an_incident_on_that_dossier(sessions, tmp_path):
    operator = '<spiffworkflow:serviceTaskOperator id="result.render"'
    post_script = ("<spiffworkflow:postScript>n = 0\nfor i in range(10000):\n"
                   "    for j in range(10000):\n        n += 1</spiffworkflow:postScript>\n")
    deploy(sessions, mini_with(tmp_path, operator, post_script + operator))
    code = at_review(sessions)
    complete(sessions, code, "review", {"review_decision": "approve"}, "chuyenvien",
             at("2026-03-03 08:00"))
    before = counts(sessions, code)
    work(sessions, at("2026-03-03 08:01"))
    dossier_id = dossier(sessions, code).id
    with transaction(sessions) as s:
        [incident] = s.scalars(select(Incident)).all()
        job = s.get(Job, incident.job_id)
        assert (incident.dossier_id, job.status, job.operator) == (
            dossier_id, "incident", "result.render")
        assert "budget" in incident.reason
        types = list(s.scalars(select(Event.type).where(Event.dossier_id == incident.dossier_id)
                               .order_by(Event.seq)))
    assert types[before[0]:] == ["incident_raised"]
    assert counts(sessions, code)[2] == before[2]


def test_replay_runs_the_same_evaluator(sessions):
    deploy(sessions, FIXTURES / "mini")
    code = at_review(sessions)
    row = dossier(sessions, code)
    with transaction(sessions) as s:
        procedure = procedures.load_version(s, row.procedure_version_id)
        assert replay(s, s.merge(row)).consistent
    machine = DossierMachine.new(procedure)
    assert isinstance(machine.workflow.script_engine.environment, SandboxEnvironment)


def test_replay_refuses_a_stored_version_changed_to_escape(sessions, tmp_path, monkeypatch):
    deploy(sessions, FIXTURES / "mini")
    code = at_review(sessions)
    marker = tmp_path / "marker"
    escape = ("len(list(g := (g.gi_frame.f_back.f_back.f_builtins['__import__']('os')"
              f".system('touch {marker}') for i in [1]))) > 0")
    with transaction(sessions) as s:
        version = s.scalar(select(ProcedureVersion))
        files = dict(version.files)
        files["procedure.bpmn"] = files["procedure.bpmn"].replace(
            'reception_decision == "receive"', escape)
        s.execute(update(ProcedureVersion).where(ProcedureVersion.id == version.id)
                  .values(files=files, content_hash="0" * 64))
    monkeypatch.setattr(procedures, "_keys", {})  # as a fresh process would read it
    row = dossier(sessions, code)
    with pytest.raises(BundleInvalid) as err, transaction(sessions) as s:
        replay(s, s.merge(row))
    assert any("[f_accept]: attribute 'gi_frame' is not allowed" in str(p)
               for p in err.value.problems)
    assert not marker.exists()


@pytest.mark.parametrize("source", [
    "len(list(g := (g.gi_frame for i in [1]))) > 0",
    "(i for i in [1]).gi_frame",
    "application.get('ho_ten').format(application)",
])
def test_the_evaluator_refuses_what_the_check_refuses(source):
    with pytest.raises(ScriptRefused):
        evaluate(source, {"application": {"ho_ten": "{0}"}})


@pytest.mark.parametrize("source", [
    "x = [y for y in range(10)]\nx.append(len(x))",
    "a, b = 1, 2\nn = 0\nn += a + b",
    "name = application.get('ho_ten', '').upper().strip()",
    "parts = ', '.join(sorted(application.keys()))",
])
def test_ordinary_scripts_run_and_keep_plain_data(source):
    data = {"application": {"ho_ten": " an "}}
    execute(source, data)
    assert data["application"] == {"ho_ten": " an "}
    assert set(data) > {"application"}


def test_a_script_cannot_keep_what_the_dossier_cannot_hold():
    data: dict = {}
    with pytest.raises(ScriptRefused, match="cannot be kept"):
        execute("gen = (i for i in [1])", data)
    assert data == {}


def test_the_guards_cannot_be_replaced_by_task_data():
    with pytest.raises(SandboxLimit):
        evaluate("'a' * 10 ** 7", {"_op_": "x", "__builtins__": {}})
