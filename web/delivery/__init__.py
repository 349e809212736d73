"""Delivery pages: postal shipments for the desk, the officers' result
download, and in demo mode the demo mailbox and the stand-in national portal."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("delivery", __name__)


def register(app: Flask) -> None:
    from . import demo_pages, shipment_pages  # noqa: F401  (routes)
    from .demo_pages import demo_bp

    app.register_blueprint(bp)
    app.register_blueprint(demo_bp)
