"""Public pages, no sign-in: tracking a dossier by its code, verifying a signed result."""

from __future__ import annotations

from flask import Flask

from . import verify  # noqa: F401  (routes on the same blueprint)
from .lookup import bp


def register(app: Flask) -> None:
    app.register_blueprint(bp)
