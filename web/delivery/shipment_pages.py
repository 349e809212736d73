"""Postal shipments of results: the list, and "delivered" when the carrier says so."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from engine.shipments import list_shipments, mark_delivered

from ..identity import db, require_role
from . import bp

STATUSES = ("created", "delivered")


@bp.get("/can-bo/buu-gui")
@require_role("reception", "admin")
def shipments() -> str:
    status = request.args.get("status") or None
    rows = list_shipments(db(), status if status in STATUSES else None)
    return render_template("delivery/shipments.html", rows=rows, status=status)


@bp.post("/can-bo/buu-gui/<int:shipment_id>/da-giao")
@require_role("reception", "admin")
def delivered(shipment_id: int) -> Response:
    shipment = mark_delivered(db(), shipment_id, current_user.username)
    flash(gettext("Đã ghi nhận giao bưu gửi %(tracking)s.", tracking=shipment.tracking_number))
    return redirect(url_for("delivery.shipments"))
