"""The JSON API under /api/v1: bearer tokens, visibility, submission, tasks,
conflicts, and the OpenAPI document that describes exactly these routes."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy import select

from engine.accounts import accounts
from engine.db import transaction
from engine.dossiers.officers import delegate
from engine.models import Event
from engine.procedures import procedures

from .. import helpers
from ..conftest import PROCESSES, ROOT
from .test_web_citizen import PDF, PNG

MARITAL = json.loads((ROOT / "examples" / "scenarios" / "marital_status.json").read_text())
APPLICATION = MARITAL["application"]
RECEIVE, REVIEW = (step[1] for step in MARITAL["paths"]["approve"][:2])


@pytest.fixture
def tokens(sessions, people):
    """A live API token per person, plus a second reception officer."""
    with transaction(sessions) as s:
        procedures.deploy_path(s, PROCESSES, "test")
        accounts.create_user(s, "tiepnhan2", "Vũ Văn Bình", None, [("reception", "MOTCUA")])
        clear = {}
        for username in [*people, "tiepnhan2"]:
            _, clear[username] = accounts.create_api_token(s, accounts.find_user(s, username), "test")
    return clear


@pytest.fixture
def api(app, tokens):
    client = app.test_client()

    def call(method: str, path: str, who: str | None = None, body=None, status: int = 200):
        headers = {"Authorization": f"Bearer {tokens[who]}"} if who else {}
        response = client.open(f"/api/v1{path}", method=method, headers=headers, json=body)
        assert response.status_code == status, response.get_data(as_text=True)[:800]
        assert response.is_json, response.get_data(as_text=True)[:300]
        return response.get_json()

    call.client = client
    call.tokens = tokens
    return call


def _document(api) -> dict:
    return api("GET", "/openapi.json")


def conforms(api, body, schema: str) -> None:
    """The body satisfies the named schema of the served OpenAPI document."""
    registry = Registry().with_resource(
        "urn:motcua:openapi", Resource.from_contents(_document(api), default_specification=DRAFT202012))
    validator = Draft202012Validator({"$ref": f"urn:motcua:openapi#/components/schemas/{schema}"},
                                     registry=registry)
    problems = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]
    assert not problems, problems


def _draft_with_documents(api, who: str = "congdan") -> int:
    """A draft of the marital-status application with its two required documents."""
    draft = api("POST", "/drafts", who, {"procedure": "marital_status", "application": APPLICATION},
                status=201)
    for document, content, name in (("to_khai", PDF, "to-khai.pdf"),
                                    ("giay_to_nhan_than", PNG, "cccd.png")):
        r = api.client.post(f"/api/v1/drafts/{draft['id']}/attachments",
                            headers={"Authorization": f"Bearer {api.tokens[who]}"},
                            data={"document": document, "file": (io.BytesIO(content), name)})
        assert r.status_code == 201, r.get_data(as_text=True)
    return draft["id"]


def _submit(api, who: str = "congdan") -> str:
    body = api("POST", "/dossiers", who, {"draft": _draft_with_documents(api, who)}, status=201)
    return body["code"]


def _reception_task(api, sessions, code: str) -> int:
    helpers.work(sessions)  # the online fee is collected; the reception task opens
    return helpers.task(sessions, code, "reception").id


# -- authentication ------------------------------------------------------------------

@pytest.mark.parametrize("header", [None, "Bearer", "Basic dXNlcjpwYXNz", "Bearer mct_khongcoday"])
def test_missing_or_invalid_token_is_a_json_401(api, header):
    headers = {"Authorization": header} if header else {}
    for method, path in [("GET", "/dossiers"), ("POST", "/dossiers"), ("GET", "/tasks"),
                         ("POST", "/tasks/1/complete"), ("GET", "/procedures"),
                         ("GET", "/dossiers/X-1")]:
        r = api.client.open(f"/api/v1{path}", method=method, headers=headers, json={})
        assert r.status_code == 401 and r.is_json, (method, path)
        assert r.get_json()["status"] == 401 and "khóa" in r.get_json()["error"].lower()
        assert r.headers["WWW-Authenticate"].startswith("Bearer")


def test_revoked_token_and_deactivated_account_are_refused(api, sessions, tokens):
    api("GET", "/dossiers", "congdan")
    with transaction(sessions) as s:
        user = accounts.find_user(s, "congdan")
        for token in accounts.list_api_tokens(s, user):
            accounts.revoke_api_token(s, user, token.id)
        accounts.deactivate_user(s, accounts.find_user(s, "chuyenvien"))
    api("GET", "/dossiers", "congdan", status=401)
    api("GET", "/tasks", "chuyenvien", status=401)
    api("GET", "/dossiers", "congdan2")


def test_session_cookies_do_not_authenticate_the_api(app, api):
    from ..conftest import login

    client = login(app.test_client(), "congdan")
    assert client.get("/api/v1/dossiers").status_code == 401


def test_unknown_api_path_and_method_answer_json(api):
    assert api("GET", "/khong-co", "congdan", status=404)["status"] == 404
    r = api.client.delete("/api/v1/procedures")
    assert r.status_code == 405 and r.is_json and "GET" in r.headers["Allow"]


# -- dossiers ------------------------------------------------------------------------

def test_submit_returns_201_with_code_and_the_dossier(api):
    draft = _draft_with_documents(api)
    r = api.client.post("/api/v1/dossiers", headers={"Authorization": f"Bearer {api.tokens['congdan']}"},
                        json={"draft": draft})
    assert r.status_code == 201
    body = r.get_json()
    assert re.fullmatch(r"UBND-PHK-\d{6}-\d{4}", body["code"])
    assert r.headers["Location"].endswith(f"/api/v1/dossiers/{body['code']}")
    # free online: nothing to pay, so it waits for reception straight away
    assert body["status"] == "submitted" and body["portal_status"]["code"] == 1
    assert body["application"]["ho_ten"] == "Nguyễn Văn An"
    conforms(api, body, "Dossier")
    again = api("GET", f"/dossiers/{body['code']}", "congdan")
    assert again["code"] == body["code"]


def test_submit_with_bad_data_lists_every_field(api):
    bad = dict(APPLICATION, ho_ten="", so_dinh_danh="12ab", so_ban=0)
    del bad["ngay_sinh"], bad["cam_doan"]
    body = api("POST", "/dossiers", "congdan", {"procedure": "marital_status", "application": bad},
               status=400)
    assert body["status"] == 400
    for field in ("ho_ten", "so_dinh_danh", "so_ban", "ngay_sinh", "cam_doan"):
        assert field in body["fields"] and body["fields"][field], field
    conforms(api, body, "Error")
    body = api("POST", "/dossiers", "congdan", {"channel": "fax", "application": "x"}, status=400)
    assert set(body["fields"]) == {"procedure", "channel", "application"}
    r = api.client.post("/api/v1/dossiers", data="không phải JSON",
                        headers={"Authorization": f"Bearer {api.tokens['congdan']}"})
    assert r.status_code == 400 and "(body)" in r.get_json()["fields"]
    api("POST", "/dossiers", "congdan", {"procedure": "khong_co", "application": {}}, status=404)
    assert api("GET", "/dossiers", "congdan")["total"] == 0  # nothing half-stored


def test_only_applicants_submit(api):
    body = api("POST", "/dossiers", "tiepnhan",
               {"procedure": "marital_status", "application": APPLICATION}, status=403)
    assert body["status"] == 403


def test_citizen_reads_own_dossier_but_not_another_citizens(api, sessions):
    code = _submit(api, "congdan")
    mine = api("GET", f"/dossiers/{code}", "congdan")
    assert mine["status_name"] == {"vi": "Chờ tiếp nhận", "en": "Submitted"}
    assert mine["portal_status"] == {"code": 1, "name": "Mới đăng ký"}
    body = api("GET", f"/dossiers/{code}", "congdan2", status=404)  # as if it did not exist
    assert body["context"]["dossier"] == code
    assert api("GET", "/dossiers", "congdan2")["items"] == []
    api("GET", "/dossiers/UBND-PHK-000000-9999", "congdan", status=404)
    helpers.work(sessions)
    received = api("GET", f"/dossiers/{code}", "congdan")
    assert received["status"] == "submitted" and received["portal_status"]["code"] == 1
    assert [t["element_id"] for t in received["open_tasks"]] == ["reception"]
    assert api("GET", f"/dossiers/{code}", "kiemtoan")["code"] == code  # auditors see all
    with transaction(sessions) as s:  # who looked: the auditor, not the applicant
        viewers = s.scalars(select(Event.actor).where(Event.type == "viewed")).all()
        assert viewers == ["kiemtoan"]


def test_dossier_list_is_the_callers_and_pages(api, sessions):
    codes = [_submit(api, "congdan") for _ in range(3)]
    other = _submit(api, "congdan2")
    first = api("GET", "/dossiers?per_page=2", "congdan")
    assert first["total"] == 3 and [d["code"] for d in first["items"]] == codes[::-1][:2]
    second = api("GET", "/dossiers?per_page=2&page=2", "congdan")
    assert [d["code"] for d in second["items"]] == [codes[0]]
    conforms(api, first, "DossierPage")
    body = api("GET", "/dossiers?per_page=500&page=0", "congdan", status=400)
    assert set(body["fields"]) == {"page", "per_page"}
    assert api("GET", "/dossiers", "tiepnhan")["total"] == 0  # no task yet: payment first
    helpers.work(sessions)
    assert api("GET", "/dossiers", "tiepnhan")["total"] == 4
    assert api("GET", "/dossiers", "chuyenvien_qldt")["total"] == 0
    assert other in {d["code"] for d in api("GET", "/dossiers?per_page=100", "admin")["items"]}


# -- tasks ---------------------------------------------------------------------------

def test_officer_lists_open_tasks_for_their_roles_and_departments(api, sessions):
    code = _submit(api)
    task_id = _reception_task(api, sessions, code)
    tasks = api("GET", "/tasks", "tiepnhan")
    assert [(t["id"], t["dossier"], t["role"], t["department"]) for t in tasks["items"]] == [
        (task_id, code, "reception", "MOTCUA")]
    conforms(api, tasks, "TaskPage")
    assert api("GET", "/tasks", "chuyenvien")["total"] == 0
    assert api("GET", "/tasks", "congdan")["total"] == 0


def test_complete_via_api_then_again_is_a_409_naming_who(api, sessions):
    code = _submit(api)
    task_id = _reception_task(api, sessions, code)
    body = api("POST", f"/tasks/{task_id}/complete", "tiepnhan", {"data": RECEIVE})
    assert body["status"] == "received" and body["appointment_date"]
    conforms(api, body, "Dossier")
    conflict = api("POST", f"/tasks/{task_id}/complete", "tiepnhan2", {"data": RECEIVE}, status=409)
    assert "tiepnhan" in conflict["error"] and conflict["context"]["completed_by"] == "tiepnhan"
    conforms(api, conflict, "Error")
    helpers.work(sessions)
    review = api("GET", f"/dossiers/{code}", "tiepnhan")["open_tasks"]
    assert [t["element_id"] for t in review] == ["review"]
    assert api("GET", "/tasks", "chuyenvien")["items"][0]["id"] == review[0]["id"]


def test_complete_with_bad_form_data_lists_fields(api, sessions):
    code = _submit(api)
    task_id = _reception_task(api, sessions, code)
    body = api("POST", f"/tasks/{task_id}/complete", "tiepnhan",
               {"data": {"reception_decision": "maybe"}}, status=400)
    assert "reception_decision" in body["fields"]
    body = api("POST", f"/tasks/{task_id}/complete", "tiepnhan",
               {"data": [], "expected_revision": "1"}, status=400)
    assert set(body["fields"]) == {"data", "expected_revision"}
    stale = api("POST", f"/tasks/{task_id}/complete", "tiepnhan",
                {"data": RECEIVE, "expected_revision": 1}, status=409)
    assert "changed" in stale["error"]


def test_a_task_not_for_the_callers_role_or_department_is_refused(api, sessions):
    code = _submit(api)
    task_id = _reception_task(api, sessions, code)
    api("POST", f"/tasks/{task_id}/complete", "tiepnhan", {"data": RECEIVE})
    helpers.work(sessions)
    review = helpers.task(sessions, code, "review").id
    # another department does not see the dossier at all: not found
    body = api("POST", f"/tasks/{review}/complete", "chuyenvien_qldt", {"data": REVIEW}, status=404)
    assert body["context"]["task"] == str(review)
    api("GET", f"/dossiers/{code}", "chuyenvien_qldt", status=404)
    # the applicant sees the dossier, but the review is not theirs to do
    body = api("POST", f"/tasks/{review}/complete", "congdan", {"data": REVIEW}, status=403)
    assert body["context"]["task"] == str(review)
    api("POST", "/tasks/999999/complete", "chuyenvien", {"data": {}}, status=404)
    assert api("POST", f"/tasks/{review}/complete", "chuyenvien", {"data": REVIEW})["status"]


def test_a_deputy_sees_and_completes_a_delegating_leaders_task(api, sessions):
    from web.access import today

    code = _submit(api)
    task_id = _reception_task(api, sessions, code)
    api("POST", f"/tasks/{task_id}/complete", "tiepnhan", {"data": RECEIVE})
    helpers.work(sessions)
    review = helpers.task(sessions, code, "review").id
    api("POST", f"/tasks/{review}/complete", "chuyenvien", {"data": REVIEW})
    helpers.work(sessions)
    with transaction(sessions) as s:
        delegate(s, "lanhdao", "chuyenvien", today(), today() + timedelta(days=3), "nghỉ phép")
    tasks = api("GET", "/tasks", "chuyenvien")["items"]
    approval = [t for t in tasks if t["role"] == "leader"]
    assert approval and approval[0]["acting_for"] == "lanhdao"
    assert api("GET", f"/dossiers/{code}", "chuyenvien")["code"] == code


# -- procedures ----------------------------------------------------------------------

def test_procedures_list_with_application_schema(api):
    body = api("GET", "/procedures", "congdan")
    codes = [p["code"] for p in body["items"]]
    assert codes == ["birth_registration", "construction_permit", "marital_status"]
    marital = body["items"][2]
    assert marital["version"] == 1 and "ho_ten" in marital["application_schema"]["properties"]
    conforms(api, body, "ProcedureList")


# -- the OpenAPI document --------------------------------------------------------------

def _api_routes(app) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
            found |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    return found


def test_openapi_document_matches_the_routes_exactly(app, api):
    r = api.client.get("/api/v1/openapi.json")  # no token needed
    assert r.status_code == 200
    doc = r.get_json()
    assert doc["openapi"] == "3.1.0" and doc["info"]["title"] and doc["info"]["version"]
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": "A token from /quan-tri/token."}
    assert doc["security"] == [{"bearerAuth": []}]
    documented = {(path, method) for path, item in doc["paths"].items() for method in item}
    assert documented == _api_routes(app)
    for path, method in documented:
        operation = doc["paths"][path][method]
        assert operation["operationId"] and operation["responses"]
        for name in re.findall(r"{(\w+)}", path):
            assert any(p["name"] == name and p["in"] == "path" for p in operation["parameters"])
        if operation.get("security") != []:
            assert "401" in operation["responses"], (path, method)
        if method == "post":
            assert "requestBody" in operation and "400" in operation["responses"]


def test_openapi_refs_resolve_and_schemas_are_valid(api):
    doc = _document(api)

    def refs(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "$ref":
                    yield value
                else:
                    yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    for ref in set(refs(doc)):
        target = doc
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]
    for schema in doc["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
    for response in doc["components"]["responses"].values():
        assert response["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"}
