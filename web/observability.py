"""Watching the web app: /readyz (can it serve?), /metrics (Prometheus), a request id
on every answer, and one log line per request — JSON when MOTCUA_LOG_FORMAT=json.

/healthz (web.app) only says the process is up. /readyz checks what serving needs:
the database answers, its schema is this code's, the blob store takes a file. /metrics
answers loopback clients, or anyone with MOTCUA_METRICS_TOKEN as a bearer token.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import IO, Any

from flask import Flask, Response, g, jsonify, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    start_http_server,
)
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from engine import config, migrate
from engine.documents import blobs
from engine.metrics import DatabaseCollector

REQUESTS = Counter("motcua_http_requests", "HTTP requests answered, by method, route (the "
                   "URL rule, not the path) and status.", ["method", "route", "status"])
REQUEST_SECONDS = Histogram("motcua_http_request_duration_seconds",
                            "Seconds from the request's first hook to its answer.",
                            ["method", "route"],
                            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))

UNMATCHED = "(unmatched)"  # the route label of a request no URL rule matched (a 404)
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
DOSSIER_RULES = ("/ho-so/<code>", "/dossiers/<code>")  # where <code> is a dossier's
HANDLER_NAME = "motcua-observability"

log = logging.getLogger("motcua.request")


def register(app: Flask, sessions: sessionmaker[Session]) -> None:
    """/readyz, /metrics, and the request id, metrics and log line of every request."""
    app.before_request_funcs.setdefault(None, []).insert(0, _start)  # before any other hook
    app.after_request(_finish)
    app.add_url_rule("/readyz", "readyz", lambda: readiness(sessions))
    app.add_url_rule("/metrics", "metrics", lambda: metrics(sessions))
    if config.log_format() == "json":
        configure_logging("json")


# -- each request ---------------------------------------------------------------------

def _start() -> None:
    g.started = time.perf_counter()
    given = request.headers.get("X-Request-Id", "")
    g.request_id = given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def _finish(response: Response) -> Response:
    took = time.perf_counter() - g.get("started", time.perf_counter())
    route = request.url_rule.rule if request.url_rule is not None else UNMATCHED
    REQUESTS.labels(request.method, route, str(response.status_code)).inc()
    REQUEST_SECONDS.labels(request.method, route).observe(took)
    request_id = g.get("request_id") or uuid.uuid4().hex
    response.headers["X-Request-Id"] = request_id
    fields = {"method": request.method, "route": route, "path": request.path,
              "status": response.status_code, "duration_ms": round(took * 1000, 1),
              "request_id": request_id, "user": _user_name(), "dossier": _dossier_code(route)}
    log.info("%s %s %s %.1f ms", request.method, request.path, response.status_code,
             took * 1000, extra={"motcua": fields})
    return response


def _user_name() -> str | None:
    """Who made the request, if it was signed in (a session or an API token) and the
    request already knew it: the log line loads no one."""
    for who in (g.get("api_actor"), g.get("_login_user")):
        if who is not None and getattr(who, "is_authenticated", False):
            return getattr(who, "username", None)
    return None


def _dossier_code(route: str) -> str | None:
    code = (request.view_args or {}).get("code")
    return str(code) if code is not None and any(r in route for r in DOSSIER_RULES) else None


# -- logs -----------------------------------------------------------------------------

class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message and the record's fields."""

    def format(self, record: logging.LogRecord) -> str:
        body: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(), "logger": record.name,
            "message": record.getMessage()}
        body.update(getattr(record, "motcua", {}))
        if record.exc_info:
            body["exception"] = self.formatException(record.exc_info)
        return json.dumps(body, ensure_ascii=False, default=str)


def configure_logging(fmt: str, stream: IO[str] | None = None) -> logging.Handler:
    """Send the `motcua` loggers (requests, worker, ...) at INFO and above to `stream`
    (standard error) as JSON lines or plain text; calling it again replaces the handler."""
    logger = logging.getLogger("motcua")
    for old in [h for h in logger.handlers if h.get_name() == HANDLER_NAME]:
        logger.removeHandler(old)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(HANDLER_NAME)
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(
        "%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return handler


def serve_worker_metrics(host: str, port: int) -> str:
    """Serve this process's counters (jobs, steps, signatures) at http://host:port/metrics
    from a thread; return the address. The installation's gauges are the web app's."""
    server, _thread = start_http_server(port, addr=host)
    return f"http://{host}:{server.server_port}/metrics"


# -- /readyz --------------------------------------------------------------------------

def readiness(sessions: sessionmaker[Session]) -> tuple[Response, int]:
    """200 with each check when the app can serve; 503 naming the checks that fail."""
    checks: dict[str, str] = {}
    try:
        with sessions() as session:
            connection = session.connection()
            connection.execute(text("SELECT 1"))
            checks["database"] = "ok"
            try:
                migrate.require_head(connection)
                checks["schema"] = "ok"
            except migrate.SchemaNotCurrent as exc:
                checks["schema"] = exc.message
    except SQLAlchemyError as exc:
        checks["database"] = f"unreachable ({type(exc).__name__})"
        checks["schema"] = "not checked: the database is unreachable"
    checks["blobs"] = _blob_store_writable()
    failing = [name for name, verdict in checks.items()
               if verdict != "ok" and not verdict.startswith("not checked")]
    body: dict[str, Any] = {"status": "not ready" if failing else "ready", "checks": checks}
    if failing:
        body["failing"] = failing
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response, 503 if failing else 200


def _blob_store_writable() -> str:
    """The folder takes a file, or the bucket an object (whichever store is set)."""
    try:
        blobs.check_writable()
    except (OSError, ValueError) as exc:  # ValueError: the store's settings are wrong
        return f"not writable ({getattr(exc, 'strerror', None) or exc or type(exc).__name__})"
    return "ok"


# -- /metrics -------------------------------------------------------------------------

def metrics(sessions: sessionmaker[Session]) -> Response:
    """The counters and histograms of this process (of every process of `motcua serve`
    when PROMETHEUS_MULTIPROC_DIR is set), then the gauges read from the database."""
    refused = _scrape_refused()
    if refused is not None:
        return refused
    counted = counted_registry()
    from_database = CollectorRegistry(auto_describe=False)
    from_database.register(DatabaseCollector(sessions))
    try:
        gauges, database_ok = generate_latest(from_database), 1
    except SQLAlchemyError:
        logging.getLogger("motcua.metrics").exception("metrics: the database gauges failed")
        gauges, database_ok = b"", 0
    body = generate_latest(counted) + gauges + (
        b"# HELP motcua_metrics_database_ok Whether the database gauges could be read.\n"
        b"# TYPE motcua_metrics_database_ok gauge\n"
        b"motcua_metrics_database_ok %d\n" % database_ok)
    return Response(body, headers={"Content-Type": CONTENT_TYPE_LATEST,
                                   "Cache-Control": "no-store"})


def counted_registry() -> CollectorRegistry:
    """This process's counters, or those of every process of `motcua serve`."""
    if config.prometheus_multiproc_dir():
        counted = CollectorRegistry()
        MultiProcessCollector(counted)
        return counted
    return REGISTRY


def _scrape_refused() -> Response | None:
    if _is_loopback(request.remote_addr):
        return None
    token = config.metrics_token()
    if token is None:
        return Response("metrics are served to loopback clients only "
                        "(set MOTCUA_METRICS_TOKEN to scrape from elsewhere)\n", 403,
                        mimetype="text/plain")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
        return None
    return Response("a bearer token is needed\n", 401, mimetype="text/plain",
                    headers={"WWW-Authenticate": 'Bearer realm="motcua metrics"'})


def _is_loopback(address: str | None) -> bool:
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return bool(ip.is_loopback or (mapped is not None and mapped.is_loopback))
