"""Official paper copies (bản giấy) of a signed electronic result, printed at the desk
where paper is still demanded: each print is recorded (who, how many, for whom, when),
priced at the procedure's per-copy fee (`paper_copy_fee`, VND), and told in the
dossier's hash chain."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit import events
from ..audit.event_types import EventType
from ..errors import InvalidInput
from ..models import PaperCopy, utcnow
from .runner import lock_dossier

MAX_COPIES = 20
RECIPIENT_MAX = 200


def fee_per_copy(settings: dict[str, Any]) -> int:
    """The procedure's fee for one paper copy (0 when it sets none)."""
    return max(0, int(settings.get("paper_copy_fee") or 0))


def _checked(copies: int, recipient: str) -> str:
    errors: dict[str, list[str]] = {}
    if not 1 <= copies <= MAX_COPIES:
        errors["copies"] = [f"from 1 to {MAX_COPIES} copies"]
    name = " ".join((recipient or "").split())
    if not name:
        errors["recipient"] = ["say for whom the copies are printed"]
    elif len(name) > RECIPIENT_MAX:
        errors["recipient"] = [f"at most {RECIPIENT_MAX} characters"]
    if errors:
        raise InvalidInput("the paper copy cannot be recorded", errors)
    return name


def record(session: Session, dossier_id: int, *, document_sha256: str,
           document_number: str | None, copies: int, recipient: str, fee_each: int,
           printed_by: str, printed_by_name: str, at: datetime | None = None) -> PaperCopy:
    """Record that `copies` paper copies of the signed result were printed for
    `recipient`, and append a `paper_copy_printed` event; InvalidInput (nothing stored)
    for a number of copies out of 1..MAX_COPIES or no recipient."""
    name = _checked(copies, recipient)
    at = at or utcnow()
    dossier = lock_dossier(session, dossier_id)
    printed = PaperCopy(dossier_id=dossier.id, document_sha256=document_sha256,
                        document_number=document_number, copies=copies, recipient=name,
                        printed_by=printed_by, printed_by_name=printed_by_name, printed_at=at,
                        fee_per_copy=fee_each, fee_total=fee_each * copies)
    session.add(printed)
    session.flush()
    events.append(session, dossier, EventType.PAPER_COPY_PRINTED, {
        "paper_copy": printed.id, "document_sha256": document_sha256,
        "document_number": document_number, "copies": copies, "recipient": name,
        "fee_per_copy": fee_each, "fee_total": printed.fee_total}, printed_by, at)
    return printed


def of_dossier(session: Session, dossier_id: int) -> list[PaperCopy]:
    return list(session.scalars(select(PaperCopy).where(PaperCopy.dossier_id == dossier_id)
                                .order_by(PaperCopy.id)))
