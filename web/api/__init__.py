"""The JSON API under /api/v1: bearer tokens, not sessions, so no CSRF."""

from __future__ import annotations

from flask import Blueprint, Flask, request
from flask_babel import gettext
from werkzeug.exceptions import MethodNotAllowed, RequestEntityTooLarge

from ..extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from . import auth, dossiers, drafts, messages, openapi, procedures, store, tasks  # noqa: E402,F401  (routes, hooks)


def register(app: Flask) -> None:
    csrf.exempt(bp)
    app.register_blueprint(bp)
    if 405 not in app.error_handler_spec[None]:
        app.register_error_handler(405, _method_not_allowed)
    if 413 not in app.error_handler_spec[None]:
        app.register_error_handler(413, _too_large)


def _method_not_allowed(exc: MethodNotAllowed):
    """JSON under /api/; every other page keeps Flask's own answer."""
    if not request.path.startswith("/api/"):
        return exc
    from ..app import error_response

    response, status = error_response(405, gettext("Phương thức HTTP này không được hỗ trợ."))
    response.headers["Allow"] = ", ".join(sorted(exc.valid_methods or ()))
    return response, status


def _too_large(exc: RequestEntityTooLarge):
    """JSON under /api/ (an upload over the request limit); other pages keep Flask's."""
    if not request.path.startswith("/api/"):
        return exc
    from ..app import error_response

    return error_response(413, gettext("Yêu cầu quá lớn: mỗi tệp tối đa 10 MB."))
