"""The process analysts' pages: every procedure and its versions, a version's diagram,
what changed between two versions, and deploying a new version from a ZIP of its bundle."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("analyst", __name__, url_prefix="/quy-trinh")
VIEWERS = ("analyst", "admin", "auditor", "leader")
DEPLOYERS = ("analyst", "admin")


def register(app: Flask) -> None:
    from . import pages  # noqa: F401  (routes)

    app.register_blueprint(bp)
