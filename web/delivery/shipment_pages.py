"""Postal shipments of results: the list, and "delivered" when the carrier says so."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from engine.dossiers.shipments import list_shipments, mark_delivered
from engine.errors import NotFound
from engine.models import Shipment

from ..access import check_dossier_id_visible, visible_dossiers
from ..identity import db, require_role
from . import bp

STATUSES = ("created", "delivered")


@bp.get("/can-bo/buu-gui")
@require_role("reception", "admin")
def shipments() -> str:
    status = request.args.get("status") or None
    rows = list_shipments(db(), status if status in STATUSES else None,
                          visible=visible_dossiers(db(), current_user))
    return render_template("delivery/shipments.html", rows=rows, status=status)


@bp.post("/can-bo/buu-gui/<int:shipment_id>/da-giao")
@require_role("reception", "admin")
def delivered(shipment_id: int) -> Response:
    s = db()
    row = s.get(Shipment, shipment_id)
    if row is None:
        raise NotFound("shipment not found", shipment=shipment_id)
    check_dossier_id_visible(s, current_user, row.dossier_id)
    shipment = mark_delivered(s, shipment_id, current_user.username)
    flash(gettext("Đã ghi nhận giao bưu gửi %(tracking)s.", tracking=shipment.tracking_number))
    return redirect(url_for("delivery.shipments"))
