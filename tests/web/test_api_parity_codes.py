"""A code or id the caller may not see answers exactly as one that does not exist, so the
API never confirms that a dossier, task or draft exists (the citizens' pages do the same)."""

from __future__ import annotations

from engine.scenario.scenario import all_scenarios, drive

from .. import helpers
from . import test_api
from .test_api import RECEIVE

api, tokens = test_api.api, test_api.tokens  # the API client fixtures
SCENARIO = all_scenarios()["marital_status"]


def _same_but_the_code(hidden: dict, unknown: dict, hidden_code: str, unknown_code: str) -> None:
    assert hidden["status"] == unknown["status"] == 404
    assert hidden["error"].replace(hidden_code, "?") == unknown["error"].replace(unknown_code, "?")
    assert set(hidden.get("context", {})) == set(unknown.get("context", {}))


def test_another_persons_dossier_is_not_found_like_an_unknown_code(api, sessions):
    code = drive(sessions, SCENARIO, "approve", steps=0)  # congdan's dossier, at reception
    unknown = "UBND-PHK-000000-9999"
    missing = api("GET", f"/dossiers/{unknown}", "congdan2", status=404)
    for who in ("congdan2", "chuyenvien_qldt", "chuyenvien"):  # chuyenvien: no task there yet
        hidden = api("GET", f"/dossiers/{code}", who, status=404)
        _same_but_the_code(hidden, missing, code, unknown)
    assert api("GET", f"/dossiers/{code}", "congdan")["code"] == code
    assert api("GET", f"/dossiers/{code}", "tiepnhan")["code"] == code


def test_a_task_in_a_dossier_the_caller_cannot_see_is_not_found(api, sessions):
    code = drive(sessions, SCENARIO, "approve", steps=0)
    task_id = helpers.task(sessions, code, "reception").id
    unknown = task_id + 1000
    missing = api("POST", f"/tasks/{unknown}/complete", "congdan2", {"data": RECEIVE}, status=404)
    for who in ("congdan2", "chuyenvien_qldt"):
        hidden = api("POST", f"/tasks/{task_id}/complete", who, {"data": RECEIVE}, status=404)
        _same_but_the_code(hidden, missing, str(task_id), str(unknown))
    # the applicant sees the dossier: the reception's task is simply not theirs
    assert api("POST", f"/tasks/{task_id}/complete", "congdan", {"data": RECEIVE},
               status=403)["status"] == 403
    assert helpers.task(sessions, code, "reception").state == "open"
