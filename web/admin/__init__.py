"""Administration: users and their roles per department, departments, incidents, and
every signed-in user's own API tokens."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("admin", __name__, url_prefix="/quan-tri")

from . import (  # noqa: E402,F401  (they add routes to bp)
    account_log_page,
    departments,
    incidents_page,
    messages_page,
    monitoring_page,
    tokens,
    users,
)


def register(app: Flask) -> None:
    app.register_blueprint(bp)
