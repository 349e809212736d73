"""The officers' pages (cán bộ một cửa, chuyên viên, lãnh đạo): inbox, task and
dossier pages, walk-in registration, printable slips, delegations."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Flask
from flask_babel import gettext

from engine.dossiers.inbox import OFFICER_ROLES

from ..formats import VN

bp = Blueprint("officer", __name__, url_prefix="/can-bo")
__all__ = ["OFFICER_ROLES", "bp", "register"]


def slip_time(value: datetime | None) -> str:
    """'09 giờ 05 phút, ngày 23/11/2026', as the slips write a time."""
    if value is None:
        return "—"
    local = value.astimezone(VN)
    return gettext("%(hour)s giờ %(minute)s phút, ngày %(date)s", hour=f"{local.hour:02d}",
                   minute=f"{local.minute:02d}", date=local.strftime("%d/%m/%Y"))


def register(app: Flask) -> None:
    from . import (  # noqa: F401
        audit_pages,
        delegation_pages,
        document_pages,
        dossier_pages,
        inbox_page,
        paper_copy_pages,
        register_pages,
        slip_pages,
        task_pages,
        walk_in,
    )
    from .apology_pages import dossier_lateness  # noqa: F401  (overdue dossiers, apology slips)
    from .people import role_name

    app.register_blueprint(bp)
    app.add_template_filter(role_name, "officer_role")
    app.add_template_filter(slip_time, "slip_time")
