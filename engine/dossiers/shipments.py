"""Postal shipments of results: the desk marks one delivered."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from ..audit import events
from ..audit.event_types import EventType
from ..errors import Conflict, NotFound
from ..models import Dossier, Shipment, utcnow
from .runner import lock_dossier


def list_shipments(session: Session, status: str | None = None, limit: int = 200,
                   visible: ColumnElement[bool] | None = None) -> list[tuple[Shipment, str]]:
    """Shipments, newest first, with their dossier codes; only of the dossiers matching
    `visible` when given."""
    query = (select(Shipment, Dossier.code).join(Dossier, Dossier.id == Shipment.dossier_id)
             .order_by(Shipment.created_at.desc(), Shipment.id.desc()).limit(limit))
    if status:
        query = query.where(Shipment.status == status)
    if visible is not None:
        query = query.where(visible)
    return [(row, code) for row, code in session.execute(query)]


def mark_delivered(session: Session, shipment_id: int, actor: str,
                   at: datetime | None = None) -> Shipment:
    """Record that the carrier handed the result over; recorded in the dossier's history."""
    at = at or utcnow()
    shipment = session.get(Shipment, shipment_id)
    if shipment is None:
        raise NotFound("shipment not found", shipment=shipment_id)
    dossier = lock_dossier(session, shipment.dossier_id)
    session.refresh(shipment)
    if shipment.status == "delivered":
        raise Conflict(f"shipment already marked delivered by {shipment.delivered_by}",
                       dossier=dossier.code, shipment=shipment.tracking_number)
    shipment.status, shipment.delivered_at, shipment.delivered_by = "delivered", at, actor
    events.append(session, dossier, EventType.SHIPMENT_DELIVERED,
                  {"tracking_number": shipment.tracking_number, "carrier": shipment.carrier},
                  actor, at)
    session.flush()
    return shipment
