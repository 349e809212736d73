"""Every route of the app, called as every kind of actor on seeded data, answers as
tests/route_inventory.py says: the allowed get through, the others are refused."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import url_for
from sqlalchemy import select

from engine.accounts import accounts
from engine.db import transaction
from engine.documents import blobs, store
from engine.dossiers import paper_copies, runner
from engine.dossiers.apology import earliest_new_appointment, issue_apology
from engine.dossiers.drafts import add_attachment, save_draft
from engine.dossiers.officers import delegate
from engine.models import Dossier, HumanTask, Payment, Refund, Shipment, StoredDocument, utcnow
from engine.procedures import procedures
from engine.scenario.scenario import all_scenarios, drive
from web.access import today
from web.documents import dossier_documents

from ..conftest import DEMO_PASSWORD, PROCESSES, login
from .route_inventory import ACTORS, ROUTES, Route

MARITAL = all_scenarios()["marital_status"]
BY_POST = dataclasses.replace(MARITAL, channel="counter", application={
    **MARITAL.application, "hinh_thuc_nhan_ket_qua": "post",
    "dia_chi_nhan_ket_qua": "Số 5 phố Huế, phường Hai Bà Trưng, Hà Nội"})
AT_COUNTER = dataclasses.replace(MARITAL, channel="counter")
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
       b"\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00"
       b"\x00IEND\xaeB`\x82")

# The people fixture's accounts, plus those made here, standing for each actor.
USERNAMES = {
    "applicant": "congdan", "citizen": "congdan2", "reception": "tiepnhan",
    "specialist": "chuyenvien", "leader": "lanhdao", "reception_other": "tiepnhan_hbt",
    "specialist_other": "chuyenvien_qldt", "leader_other": "lanhdao_hbt",
    "auditor": "kiemtoan", "analyst": "phantich", "admin": "admin",
}
MORE_PEOPLE = {
    "tiepnhan_hbt": ("Vũ Thị Hằng", [("reception", "UBND-HBT")]),
    "lanhdao_hbt": ("Phan Văn Hùng", [("leader", "UBND-HBT")]),
    "phantich": ("Lý Thu Trang", [("analyst", "*")]),
    "nannhan": ("Tô Văn Nam", [("citizen", "*")]),  # the account the admin routes act on
    "dangnhap": ("Mai Văn Khoa", [("citizen", "*")]),  # the account /login signs in as
}


def _open_task(s, code: str, element_id: str) -> int:
    return s.scalar(select(HumanTask.id).join(Dossier, Dossier.id == HumanTask.dossier_id).where(
        Dossier.code == code, HumanTask.element_id == element_id, HumanTask.state == "open"))


def seed(sessions) -> dict[str, Any]:
    """Four dossiers of marital_status in the states the routes need, and the rest."""
    with transaction(sessions) as s:
        procedures.deploy_path(s, PROCESSES, "test")
        for username, (name, roles) in MORE_PEOPLE.items():
            accounts.create_user(s, username, name, DEMO_PASSWORD, roles,
                                 email=f"{username}@example.vn")
    values: dict[str, Any] = {
        "done": drive(sessions, BY_POST, "approve"),
        "review": drive(sessions, MARITAL, "approve", steps=1),
        "supplement": drive(sessions, MARITAL, "supplement", steps=2),
        "refused": drive(sessions, AT_COUNTER, "refuse"),
        "procedure": "marital_status", "slip": "tiep-nhan", "language": "en",
        "filename": "motcua.css", "mail": 1, "index": 0,
        "login_name": "dangnhap", "login_password": DEMO_PASSWORD,
    }
    with transaction(sessions) as s:
        done = runner.get_dossier(s, values["done"])
        values["attachment"] = add_attachment(
            s, uploaded_by="congdan", document_code="to_khai", filename="to khai.png",
            media_type="image/png", data=PNG, dossier_id=done.id).id
        # the last signed version, the agency's, is what the applicant receives
        values["document"] = [d for d in dossier_documents(s, done.id) if d.kind == "signed"][-1].sha256
        values["paper_copy"] = paper_copies.record(
            s, done.id, document_sha256=values["document"], document_number=None, copies=1,
            recipient="Trần Đức Hưng", fee_each=3000, printed_by="tiepnhan",
            printed_by_name="Nguyễn Thị Hoa").id
        values["payment"] = s.scalar(select(Payment.reference).where(Payment.dossier_id == done.id))
        values["shipment"] = s.scalar(select(Shipment.id).where(Shipment.dossier_id == done.id))
        refund = s.scalar(select(Refund).join(Payment, Payment.id == Refund.payment_id).where(
            Payment.dossier_id == runner.get_dossier(s, values["refused"]).id))
        values["refund"], values["refund_id"] = refund.reference, refund.id
        review = runner.get_dossier(s, values["review"])
        values["apology"] = issue_apology(
            s, review.id, "Cần xác minh thêm tại nơi cư trú trước đây.",
            earliest_new_appointment(s, review, utcnow()), actor="tiepnhan",
            actor_name="Nguyễn Thị Hoa").number
        values["review_task"] = _open_task(s, values["review"], "review")
        values["supplement_task"] = _open_task(s, values["supplement"], "supplement_review")
        values["draft"] = save_draft(s, "congdan", "marital_status", {}).id
        values["spare_draft"] = save_draft(s, "congdan", "marital_status", {}).id
        values["draft_attachment"] = add_attachment(
            s, uploaded_by="congdan", document_code="to_khai", filename="to khai.png",
            media_type="image/png", data=PNG, draft_id=values["draft"]).id
        values["store_item"] = store.items(s, "congdan")[0].id
        # two files (one row per owner, origin and sha256)
        for key, data in (("stored_upload", PNG), ("spare_upload", PNG + b"\0")):
            item = StoredDocument(owner="congdan", origin=store.UPLOADED, name=f"{key}.png",
                                  media_type="image/png", size=len(data), sha256=blobs.put(data),
                                  kind="giay_to_nhan_than", added_at=utcnow())
            s.add(item)
            s.flush()
            values[key] = item.id
        values["delegation"] = delegate(s, "lanhdao", "pholanhdao", today(),
                                        today() + timedelta(days=3), "nghỉ phép").id
        token, _ = accounts.create_api_token(s, accounts.find_user(s, "congdan"), "để thu hồi")
        values["token"] = token.id
        values["victim"] = accounts.find_user(s, "nannhan").id
        values["api_tokens"] = {
            actor: accounts.create_api_token(s, accounts.find_user(s, username), "kiểm thử")[1]
            for actor, username in USERNAMES.items()}
    assert all(v is not None for v in values.values()), values
    return values


class Callers:
    """A test client per actor, signed in through the login form, with its CSRF token."""

    def __init__(self, app) -> None:
        self.app = app
        self.clients: dict[str, tuple[Any, str]] = {}

    def get(self, actor: str) -> tuple[Any, str]:
        if actor not in self.clients:
            client = self.app.test_client()
            where = "/login"
            if actor != "anonymous":
                login(client, USERNAMES[actor])
                where = "/quan-tri/token"
            page = client.get(where).get_data(as_text=True)
            token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
            self.clients[actor] = (client, token)
        return self.clients[actor]

    def forget(self, actor: str) -> None:
        self.clients.pop(actor, None)


def _url(app, endpoint: str, route: Route, values: dict[str, Any]) -> str:
    with app.test_request_context():
        return url_for(endpoint, **{name: values[key] for name, key in route.params.items()})


def _call(callers: Callers, values: dict[str, Any], route: Route, method: str, url: str,
          actor: str):
    client, token = callers.get(actor)
    if route.kind == "api":
        headers = {} if actor == "anonymous" else {
            "Authorization": f"Bearer {values['api_tokens'][actor]}"}
        return client.open(url, method=method, headers=headers,
                           json={} if method in ("POST", "PUT") else None)
    form = {name: str(values[key]) for name, key in route.form.items()}
    data = {"csrf_token": token, **form} if method == "POST" else None
    return client.open(url, method=method, data=data, headers={"Accept": "text/html"})


def _to_login(response) -> bool:
    return response.status_code in (301, 302, 303, 307, 308) and \
        urlsplit(response.headers.get("Location", "")).path == "/login"


def verdict(route: Route, actor: str, response) -> str | None:
    """What is wrong with the answer, or None."""
    status = response.status_code
    if status >= 500:
        return "a server error"
    if status == 400 and b"(CSRF)" in response.data:
        return "the test's CSRF token was refused"
    if actor in route.allowed:
        if status in (401, 403, 404) or _to_login(response):
            return "refused an allowed actor"
        return None
    if route.kind == "demo":
        return None if status == 404 else "not 404 outside demo mode"
    if actor == "anonymous":
        if route.kind == "api":
            return None if status == 401 else "not 401 without a token"
        return None if _to_login(response) else "not sent to /login"
    if route.hides and actor == "citizen":
        return None if status == 404 else "not 404 to another citizen"
    return None if status in (403, 404) else "let a refused actor through"


def test_every_route_of_the_app_is_in_the_inventory(app):
    served: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        served.setdefault(rule.endpoint, set()).update(rule.methods - {"HEAD", "OPTIONS"})
    missing = sorted(set(served) - set(ROUTES))
    gone = sorted(set(ROUTES) - set(served))
    assert not missing, f"routes with no entry in tests/route_inventory.py: {missing}"
    assert not gone, f"entries in tests/route_inventory.py for no route: {gone}"
    for endpoint, methods in served.items():
        assert set(ROUTES[endpoint].methods) == methods, endpoint
        assert ROUTES[endpoint].allowed <= set(ACTORS), endpoint
        assert route_params_named(app, endpoint) == set(ROUTES[endpoint].params), endpoint


def route_params_named(app, endpoint: str) -> set[str]:
    return {name for rule in app.url_map.iter_rules(endpoint) for name in rule.arguments}


def test_every_route_answers_every_actor_as_the_inventory_says(app, sessions, people):
    values = seed(sessions)
    callers = Callers(app)
    wrong: list[str] = []
    for endpoint, route in ROUTES.items():
        url = _url(app, endpoint, route, values)
        for method in route.methods:
            # the refused first: a wrongly let through action would then really happen
            for actor in sorted(ACTORS, key=lambda a: a in route.allowed):
                response = _call(callers, values, route, method, url, actor)
                problem = verdict(route, actor, response)
                if problem:
                    where = response.headers.get("Location", "")
                    wrong.append(f"{method} {url} [{endpoint}] as {actor}: "
                                 f"{response.status_code}{' → ' + where if where else ''} — {problem}")
                if route.changes_session:
                    callers.forget(actor)
    assert not wrong, f"{len(wrong)} answers differ from the inventory:\n" + "\n".join(wrong)
