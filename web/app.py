"""The Flask application: one blueprint package per actor."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Flask, g, jsonify, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.exceptions import NotFound as werkzeug_not_found
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.routing import IntegerConverter

from engine import config
from engine.errors import MotcuaError, WorkflowError
from engine.models.base import ID_MAX
from engine.outbox.outbox import record_failure
from signing.services import pki_wsgi_app

from . import formats, i18n, signed_uploads, unit_of_work
from .extensions import babel, csrf, limiter, login_manager
from .identity import load_session_user
from .nul_characters import refuse_nul_in_forms
from .redirects import local_referrer

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
class IdConverter(IntegerConverter):
    """<int:…> that answers 404 for an id beyond the database's integer range, whatever
    the method (a converter's own `max` makes werkzeug answer 405 to some methods)."""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if number > ID_MAX:
            raise werkzeug_not_found()
        return number


def with_security_headers(wsgi_app: Any) -> Any:
    """A mounted WSGI app's responses with the same security headers as the app's own."""

    def wrapped(environ: dict[str, Any], start_response: Any) -> Any:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            present = {name.lower() for name, _ in headers}
            headers = headers + [(k, v) for k, v in SECURITY_HEADERS.items()
                                 if k.lower() not in present]
            return start_response(status, headers, exc_info)

        return wsgi_app(environ, start)

    return wrapped


def _secret_key(settings: config.Settings) -> str:
    key = settings.secret_key
    if key:
        return key
    path = config.instance_dir() / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


class App(Flask):
    def dispatch_request(self) -> ResponseReturnValue:
        """Every route, HTML or API, as one unit of work (web.unit_of_work)."""
        return unit_of_work.run(super().dispatch_request)


def create_app(sessions: sessionmaker[Session], settings: config.Settings | None = None,
               **overrides: Any) -> Flask:
    """The app on `sessions`, with `settings` (default: the process's); refuses
    (config.SettingsError) what production cannot run with."""
    from .startup import refuse_unfit

    settings = settings or config.current()
    refuse_unfit(settings, sessions)
    if settings.demo:
        from . import demo_tables

        demo_tables.create(sessions.kw["bind"])
    app = App(__name__)
    app.url_map.converters["int"] = IdConverter
    app.config.update(
        SECRET_KEY=_secret_key(settings),
        SESSIONS=sessions,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.cookie_secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        MAX_CONTENT_LENGTH=40 * 1024 * 1024,
        BABEL_DEFAULT_LOCALE="vi",
        BABEL_TRANSLATION_DIRECTORIES=str(i18n.TRANSLATIONS),
        WTF_CSRF_TIME_LIMIT=None,
        RATELIMIT_ENABLED=True,
        DEMO=settings.demo,  # the demo's mailbox and stand-in portal
    )
    app.config.update(overrides)

    # The session opens before any other hook (CSRF included) so that every
    # error page can still load the signed-in user.
    @app.before_request
    def open_session() -> None:
        g.db = sessions()

    app.before_request(refuse_nul_in_forms)

    # What the route committed is stored; closing discards anything else (the writes of
    # a request refused before its route ran).
    @app.teardown_request
    def close_session(exc: BaseException | None) -> None:
        db = g.pop("db", None)
        if db is not None:
            db.close()

    i18n.compile_catalogs()
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.install_template_gettext(app.jinja_env)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Vui lòng đăng nhập để tiếp tục."
    app.jinja_env.filters.update(formats.FILTERS)
    app.jinja_env.filters.update(signed_uploads.FILTERS)

    login_manager.user_loader(load_session_user)

    @app.context_processor
    def inject() -> dict[str, Any]:
        return {"lang": i18n.select_locale(), "current_user": current_user}

    @app.errorhandler(MotcuaError)
    def domain_error(exc: MotcuaError):
        if isinstance(exc, WorkflowError):
            return workflow_failure(sessions, exc)
        return error_response(exc.http_status, str(exc.message), getattr(exc, "errors", None),
                              exc.context)

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return error_response(400, gettext("Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ "
                                           "(CSRF). Vui lòng tải lại trang và thử lại."))

    @app.errorhandler(404)
    def not_found(exc):
        return error_response(404, gettext("Không tìm thấy trang."))

    @app.errorhandler(500)
    def server_error(exc):
        return error_response(500, gettext("Lỗi hệ thống. Thao tác chưa được thực hiện; "
                                           "vui lòng thử lại sau."))

    @app.errorhandler(429)
    def too_many(exc):
        return error_response(429, gettext("Quá nhiều yêu cầu. Vui lòng thử lại sau ít phút."))

    @app.after_request
    def security_headers(response):
        response.headers.update(SECURITY_HEADERS)
        return response

    @app.get("/lang/<code>")
    def set_language(code: str):
        if code in i18n.LANGUAGES:
            session["lang"] = code
        return redirect(local_referrer(request.referrer, request.host_url, url_for("home")))

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    from . import observability  # /readyz, /metrics, request ids and request logs

    observability.register(app, sessions)

    from . import admin, analyst, api, citizen, delivery, officer, public
    from .auth import bp as auth_bp
    from .board import bp as board_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(board_bp)
    for actor in (citizen, public, officer, admin, api, delivery, analyst):
        actor.register(app)
    from . import payments, sandbox_bank

    payments.register(app)
    if config.sandbox_bank_on(settings):
        sandbox_bank.register(app)

    @app.get("/")
    def home():
        return render_template("home.html")

    # The local PKI's timestamp authority, OCSP responder, CRLs and CA certificates,
    # at the base URL written into its certificates (loopback clients only; demo only).
    if settings.demo:
        app.wsgi_app = DispatcherMiddleware(  # type: ignore[method-assign]
            app.wsgi_app, {"/pki": with_security_headers(pki_wsgi_app(config.pki_dir()))})
    return app


def workflow_failure(sessions: sessionmaker[Session], failure: WorkflowError):
    """A dossier failed to take what the person gave it (the unit of work rolled it
    back): an incident for administrators, a plain answer for the person."""
    if failure.dossier_id is not None:
        record_failure(sessions, failure.dossier_id, failure,
                       str(failure.context.get("input", "task_completed")))
    return error_response(failure.http_status, gettext(
        "Hồ sơ chưa xử lý được thao tác này do lỗi ở bước %(step)s của quy trình; quản trị "
        "hệ thống đã được báo. Dữ liệu bạn nhập chưa được lưu. (%(reason)s)",
        step=failure.element_id or "?", reason=failure.message), None, failure.context)


def error_response(status: int, message: str, errors: dict[str, list[str]] | None = None,
                   context: dict[str, Any] | None = None):
    wants_json = request.path.startswith("/api/") or (
        request.accept_mimetypes.best == "application/json")
    if wants_json:
        body: dict[str, Any] = {"error": message, "status": status}
        if errors:
            body["fields"] = errors
        if context:
            body["context"] = {k: str(v) for k, v in context.items()}
        return jsonify(body), status
    return render_template("error.html", status=status, message=message, errors=errors or {}), status
