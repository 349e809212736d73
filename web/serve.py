"""`motcua serve`: the web app under gunicorn, processes × threads.

The app is built once in gunicorn's master (after the schema check) and the worker
processes are forked from it; each drops the database connections it inherited.
Behind a reverse proxy, MOTCUA_PROXY_HEADERS=1 makes the app trust one hop of
X-Forwarded-For/-Proto/-Host/-Port (client addresses, https links, the /metrics and
/pki loopback checks). With several processes, their counters are summed through
PROMETHEUS_MULTIPROC_DIR: set it to an empty folder of its own, or `motcua serve` makes
one for the run.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication  # type: ignore[import-untyped]
from prometheus_client import values
from prometheus_client.multiprocess import mark_process_dead
from werkzeug.middleware.proxy_fix import ProxyFix

from engine import config

from .observability import configure_logging


def build_app(proxy_headers: int) -> Flask:
    """The app on a database whose schema is this code's (refused otherwise)."""
    from .app import create_app
    from .startup import sessions_at_head

    app = create_app(sessions_at_head())
    if proxy_headers:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxy_headers, x_proto=proxy_headers, x_host=proxy_headers,
            x_port=proxy_headers)
    return app


class Server(BaseApplication):  # gunicorn ships no types
    """gunicorn's application API: the options given here, the app from `load`."""

    def __init__(self, load: Callable[[], Flask], options: dict[str, Any]) -> None:
        self._load = load
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self._load()


def _forget_inherited_connections(app: Flask) -> None:
    """In a forked worker: the pool's connections belong to the master."""
    engine = app.config["SESSIONS"].kw["bind"]
    engine.dispose(close=False)


def _count_across_processes() -> str | None:
    """Make the counters of every worker process add up at /metrics: use (and empty)
    PROMETHEUS_MULTIPROC_DIR, or a new folder for this run (returned: removed at exit)."""
    given = config.prometheus_multiproc_dir()
    if given:
        for stale in Path(given).glob("*.db"):
            stale.unlink()
        made = None
    else:
        made = given = tempfile.mkdtemp(prefix="motcua-metrics-")
        config.set_prometheus_multiproc_dir(made)
    # Metrics with labels make their values when first used, after this line.
    values.ValueClass = values.get_value_class()
    return made


def serve(settings: config.WebSettings) -> None:
    """Run gunicorn until SIGTERM/SIGINT (then finish requests in hand and return)."""
    configure_logging(config.log_format())
    made = _count_across_processes()
    app_holder: dict[str, Flask] = {}

    def load() -> Flask:
        app_holder["app"] = build_app(settings.proxy_headers)
        return app_holder["app"]

    def post_fork(_server: Any, _worker: Any) -> None:
        _forget_inherited_connections(app_holder["app"])

    def child_exit(_server: Any, worker: Any) -> None:
        mark_process_dead(worker.pid)

    options = {
        "bind": [settings.bind], "workers": settings.workers, "threads": settings.threads,
        "worker_class": "gthread", "timeout": max(1, round(settings.timeout_seconds)),
        "graceful_timeout": 30, "preload_app": True, "accesslog": None, "errorlog": "-",
        "proc_name": "motcua-web", "post_fork": post_fork, "child_exit": child_exit,
        "control_socket_disable": True,  # several servers may run under one account
    }
    try:
        Server(load, options).run()
    finally:
        if made:
            shutil.rmtree(made, ignore_errors=True)
