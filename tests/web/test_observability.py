"""Watching the app: /readyz checks the database, the schema and the blob store; /metrics
counts requests by route and jobs by operator and reads the queue from the database,
for loopback clients or a bearer token; every answer carries a request id; a request
is logged as one JSON line."""

from __future__ import annotations

import io
import json
import logging
from datetime import timedelta

import pytest
from alembic.script import ScriptDirectory
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select, text

from engine import db, migrate
from engine.db import transaction
from engine.models import Timer, utcnow
from engine.outbox import outbox
from engine.outbox.worker import run_once
from engine.procedures import operators
from web.observability import configure_logging

from ..conftest import FIXTURES, login
from ..helpers import complete, deploy, submit

APP = {"ho_ten": "Lê Văn Cường", "so_dinh_danh": "001099000222"}


def scrape(client, **kwargs) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of /metrics: (name, sorted labels) → value."""
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/plain"
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.get_data(as_text=True))
            for s in family.samples}


def value(samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


# -- /readyz ---------------------------------------------------------------------------

def test_readyz_is_ready_on_a_current_database(app):
    response = app.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ready",
                             "checks": {"database": "ok", "schema": "ok", "blobs": "ok"}}


def test_readyz_names_a_schema_behind_the_code(app, db_url):
    older = [rev.revision for rev in ScriptDirectory.from_config(
        migrate.alembic_config()).walk_revisions()][1]
    engine = db.make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": older})
    engine.dispose()
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.json
    assert body["status"] == "not ready" and body["failing"] == ["schema"]
    assert body["checks"]["database"] == "ok" and body["checks"]["blobs"] == "ok"
    assert f"({older}) is older" in body["checks"]["schema"]
    assert "`motcua db upgrade`" in body["checks"]["schema"]


def test_readyz_names_a_blob_store_that_takes_no_file(app, instance):
    instance.mkdir(parents=True, exist_ok=True)
    (instance / "blobs").write_text("a file where the blob folder should be")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["failing"] == ["blobs"]
    assert response.json["checks"]["blobs"].startswith("not writable")
    assert response.json["checks"]["schema"] == "ok"


# -- /metrics --------------------------------------------------------------------------

def test_metrics_count_requests_by_route_and_status(app):
    client = app.test_client()
    before = scrape(client)
    client.get("/healthz")
    client.get("/healthz")
    assert client.get("/thu-tuc/khong-co-thu-tuc-nay").status_code == 404
    assert client.get("/khong/co/trang/nay").status_code == 404
    after = scrape(client)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("motcua_http_requests_total", method="GET", route="/healthz", status="200") == 2
    assert grew("motcua_http_requests_total", method="GET", route="/thu-tuc/<code>",
                status="404") == 1
    assert grew("motcua_http_requests_total", method="GET", route="(unmatched)", status="404") == 1
    assert not any(labels and dict(labels).get("route") == "/thu-tuc/khong-co-thu-tuc-nay"
                   for _, labels in after)  # the rule, never the raw path
    assert grew("motcua_http_request_duration_seconds_count", method="GET", route="/healthz") == 2
    assert grew("motcua_http_request_duration_seconds_bucket", method="GET", route="/healthz",
                le="+Inf") == 2


def test_metrics_count_jobs_and_read_the_queue_from_the_database(app, sessions):
    client = app.test_client()
    deploy(sessions, FIXTURES / "mini")
    deploy(sessions, FIXTURES / "quick_timer")
    submit(sessions, "mini", APP, utcnow() - timedelta(hours=1))
    waiting = submit(sessions, "quick_timer", {**APP, "hen_gio": (
        utcnow() - timedelta(minutes=30)).isoformat()}, utcnow() - timedelta(hours=1))
    complete(sessions, waiting, "receive", {"reception_decision": "receive"}, "tiepnhan",
             utcnow() - timedelta(minutes=50))
    with transaction(sessions) as s:  # the dossier waits for a time now past
        timers_due = s.scalar(select(func.count()).select_from(Timer).where(
            Timer.status == "pending", Timer.due_at <= utcnow()))
    assert timers_due == 1
    queued = scrape(client)
    assert value(queued, "motcua_jobs_due", kind="service") == 1  # mini's fee.collect
    assert value(queued, "motcua_jobs_pending", kind="service") == 1
    assert value(queued, "motcua_jobs_running") == 0
    assert value(queued, "motcua_jobs_oldest_due_seconds") >= 3000  # due for an hour
    assert value(queued, "motcua_timers_due") == timers_due
    assert value(queued, "motcua_incidents_open") == 0
    assert value(queued, "motcua_metrics_database_ok") == 1

    saved = operators.handler_for("fee.collect")
    operators.unregister("fee.collect")
    try:
        run_once(sessions)  # no handler: an incident
    finally:
        operators.register("fee.collect")(saved)
    failed = scrape(client)
    assert value(failed, "motcua_incidents_open") == 1
    assert value(failed, "motcua_jobs_due", kind="service") == 0
    assert value(failed, "motcua_jobs_total", operator="fee.collect", outcome="incident") - \
        value(queued, "motcua_jobs_total", operator="fee.collect", outcome="incident") == 1

    with transaction(sessions) as s:
        [incident] = outbox.open_incidents(s)
        outbox.retry_incident(s, incident.id, "admin")
    run_once(sessions)
    done = scrape(client)
    assert value(done, "motcua_incidents_open") == 0
    assert value(done, "motcua_jobs_total", operator="fee.collect", outcome="done") - \
        value(failed, "motcua_jobs_total", operator="fee.collect", outcome="done") == 1
    assert value(done, "motcua_job_duration_seconds_count", operator="fee.collect") - \
        value(queued, "motcua_job_duration_seconds_count", operator="fee.collect") == 2
    # the fee's result is an input the dossier took: one step, counted and timed
    assert value(done, "motcua_steps_total", input="service_completed", outcome="done") - \
        value(queued, "motcua_steps_total", input="service_completed", outcome="done") == 1
    assert value(done, "motcua_step_duration_seconds_count", input="service_completed") - \
        value(queued, "motcua_step_duration_seconds_count", input="service_completed") == 1


def test_metrics_answer_a_remote_client_only_with_the_token(app, monkeypatch):
    client = app.test_client()
    remote = {"REMOTE_ADDR": "203.0.113.7"}
    assert client.get("/metrics", environ_overrides=remote).status_code == 403
    monkeypatch.setenv("MOTCUA_METRICS_TOKEN", "mot-khoa-bi-mat")
    refused = client.get("/metrics", environ_overrides=remote)
    assert refused.status_code == 401 and "Bearer" in refused.headers["WWW-Authenticate"]
    assert client.get("/metrics", environ_overrides=remote,
                      headers={"Authorization": "Bearer sai-khoa"}).status_code == 401
    samples = scrape(client, environ_overrides=remote,
                     headers={"Authorization": "Bearer mot-khoa-bi-mat"})
    assert value(samples, "motcua_metrics_database_ok") == 1
    assert client.get("/metrics", environ_overrides={"REMOTE_ADDR": "::1"}).status_code == 200


# -- request ids and logs --------------------------------------------------------------

def test_every_answer_carries_a_request_id(app):
    client = app.test_client()
    assert client.get("/healthz", headers={"X-Request-Id": "lb-7f3a.21"}).headers[
        "X-Request-Id"] == "lb-7f3a.21"
    made = client.get("/khong-co").headers["X-Request-Id"]
    assert len(made) == 32 and int(made, 16) >= 0
    other = client.get("/healthz").headers["X-Request-Id"]
    assert other != made
    odd = client.get("/healthz", headers={"X-Request-Id": "xấu nhé"}).headers["X-Request-Id"]
    assert odd != "xấu nhé" and len(odd) == 32


@pytest.fixture
def log_lines():
    """What the `motcua` loggers write, as configured for MOTCUA_LOG_FORMAT=json."""
    stream = io.StringIO()
    handler = configure_logging("json", stream)
    logger = logging.getLogger("motcua")
    yield stream
    logger.removeHandler(handler)
    logger.propagate = True
    logger.setLevel(logging.NOTSET)


def test_a_request_is_one_json_log_line(app, people, log_lines):
    client = login(app.test_client(), "congdan")
    log_lines.truncate(0)
    log_lines.seek(0)
    client.get("/ho-so/KHONG-CO-HO-SO", headers={"X-Request-Id": "req-42"})
    client.get("/healthz")
    lines = [json.loads(line) for line in log_lines.getvalue().splitlines()]
    requests = [line for line in lines if line["logger"] == "motcua.request"]
    assert len(requests) == 2, lines
    first, second = requests
    assert first["method"] == "GET" and first["route"] == "/ho-so/<code>"
    assert first["path"] == "/ho-so/KHONG-CO-HO-SO" and first["status"] == 404
    assert first["request_id"] == "req-42" and first["user"] == "congdan"
    assert first["dossier"] == "KHONG-CO-HO-SO"
    assert isinstance(first["duration_ms"], float) and first["duration_ms"] >= 0
    assert first["level"] == "info" and first["time"].endswith("+00:00")
    assert second["route"] == "/healthz" and second["dossier"] is None
    assert second["user"] is None  # /healthz loads no one


def test_with_the_json_setting_the_app_logs_json(sessions, monkeypatch):
    from web.app import create_app

    monkeypatch.setenv("MOTCUA_LOG_FORMAT", "json")
    logger = logging.getLogger("motcua")
    try:
        app = create_app(sessions, TESTING=True, SECRET_KEY="t", RATELIMIT_ENABLED=False)
        [handler] = [h for h in logger.handlers if h.get_name() == "motcua-observability"]
        stream = io.StringIO()
        handler.setStream(stream)
        app.test_client().get("/healthz")
        assert json.loads(stream.getvalue().splitlines()[-1])["route"] == "/healthz"
    finally:
        for h in [h for h in logger.handlers if h.get_name() == "motcua-observability"]:
            logger.removeHandler(h)
        logger.propagate = True
        logger.setLevel(logging.NOTSET)
    monkeypatch.setenv("MOTCUA_LOG_FORMAT", "yaml")
    with pytest.raises(ValueError, match="MOTCUA_LOG_FORMAT must be json or text"):
        create_app(sessions, TESTING=True, SECRET_KEY="t")
