"""Citizen pages: the procedures catalogue, applying online (drafts, uploads,
review, submission), receipts, my dossiers, the document store, supplements and ratings."""

from __future__ import annotations

from flask import Flask

from .blueprint import bp


def register(app: Flask) -> None:
    from . import (  # noqa: F401  (routes)
        apply,
        catalogue,
        dossiers,
        files,
        ratings,
        store,
        supplement,
        withdrawal,
    )

    app.register_blueprint(bp)
