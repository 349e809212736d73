"""A sandbox bank that speaks the signed-redirect payment protocol, served by the
app itself in sandbox mode under /sandbox-bank/. It is a separate party: it
keeps its own books (ledger.py), checks every signature, notifies the app
server to server over HTTP, and answers status queries and refunds."""

from __future__ import annotations

from flask import Flask

from .views import bp


def register(app: Flask) -> None:
    from ..extensions import csrf

    csrf.exempt("web.sandbox_bank.views.api")
    app.register_blueprint(bp)
