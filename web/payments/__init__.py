"""Fee payment pages: pay online (redirect to the gateway), the return page, the
gateway's server-to-server notification (IPN), counter payment by reception,
receipts of payments and refunds. The IPN and return are verified by their
signature, not by CSRF."""

from __future__ import annotations

from flask import Flask

from .blueprint import bp


def register(app: Flask) -> None:
    from ..extensions import csrf, limiter
    from . import counter, pages  # noqa: F401  (routes)
    from .panel import fee_panel

    csrf.exempt(pages.ipn)
    limiter.exempt(pages.ipn)
    app.add_template_global(fee_panel, "fee_panel")
    app.register_blueprint(bp)
