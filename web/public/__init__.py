"""Public pages, no sign-in: tracking a dossier by its code."""

from __future__ import annotations

from flask import Flask

from .lookup import bp


def register(app: Flask) -> None:
    app.register_blueprint(bp)
