"""What a status change owes the outside world, queued in the same transaction
as the change (side jobs, see side_jobs): a notice to the applicant for the
changes that matter to them, and a numbered update for the national portal.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import config
from .. import status as st
from ..models import Dossier, Job, JobKind, PortalUpdate, User
from . import side_jobs
from .side_jobs import NOTICE_OPERATOR

SYNC_OPERATOR = "portal.sync"
# The applicant hears about these statuses; reception and a moved appointment
# date are found from the deadline events instead.
NOTICE_FOR_STATUS = {
    st.SUPPLEMENT_REQUESTED: "supplement",
    st.AWAITING_PAYMENT: "fee_due",
    st.REJECTED: "rejected",
    st.RETURNED: "result_ready",
}
# Portal channel codes: direct at the counter (1), online (2), by post (3).
PORTAL_CHANNELS = {"counter": 1, "online": 2, "postal": 3}


def on_input(session: Session, dossier: Dossier, procedure_code: str, previous: str, new: str,
             bpmn_jobs: list[tuple[str, Any, dict[str, Any], dict[str, Any]]],
             deadline_log: list[tuple[str, dict[str, Any], str, datetime]],
             input_data: dict[str, Any], at: datetime) -> None:
    """Called by the runner once per input, after the deadline is tracked and
    before the status is written: queue the notices and the portal update."""
    wanted: list[tuple[str, dict[str, Any]]] = []
    kinds = {type_: payload for type_, payload, _, _ in deadline_log}
    if "deadline_set" in kinds:
        wanted.append(("received", {}))
    if "deadline_extended" in kinds:
        wanted.append(("late", {"previous_appointment": kinds["deadline_extended"]["from"]}))
    if new != previous and new in NOTICE_FOR_STATUS:
        extra = {"amount": dossier.fee_amount} if new == st.AWAITING_PAYMENT else {}
        wanted.append((NOTICE_FOR_STATUS[new], extra))
    if wanted and _reachable(session, dossier):
        declared = {str(params.get("template")) for _, info, params, _ in bpmn_jobs
                    if getattr(info, "operator", None) == NOTICE_OPERATOR
                    and params.get("recipient", "applicant") == "applicant"}
        last = _last_notice(session, dossier.id)
        for template, extra in wanted:
            # the BPMN's own notice for the same event is enough
            if template in declared or template == last:
                continue
            side_jobs.queue_notice(session, dossier, template, at, _decision_data(input_data),
                                   **extra)
            last = template
    # The submission itself is news to the portal (1), even when the same input
    # already moved the dossier on (e.g. to a fee due, 6).
    announce = [st.SUBMITTED] if dossier.last_event_seq == 0 else []
    if new != previous:
        announce.append(new)
    if announce:
        _queue_portal_updates(session, dossier, procedure_code, announce, at)


def _reachable(session: Session, dossier: Dossier) -> bool:
    """The applicant left an e-mail address or a phone number (in the
    application or on their account): otherwise there is no one to tell."""
    app = dossier.application or {}
    if app.get("email") or app.get("so_dien_thoai") or dossier.applicant_phone:
        return True
    if not dossier.applicant_user:
        return False
    user = session.scalar(select(User).where(User.username == dossier.applicant_user))
    return user is not None and bool(user.email or user.phone)


def _last_notice(session: Session, dossier_id: int) -> str | None:
    """The template of the newest notice to the applicant already queued."""
    rows = session.scalars(
        select(Job.payload).where(Job.dossier_id == dossier_id, Job.operator == NOTICE_OPERATOR,
                                  Job.status != "cancelled").order_by(Job.id.desc()).limit(10))
    for payload in rows:
        params = payload.get("params") or {}
        if params.get("recipient", "applicant") == "applicant":
            return str(params.get("template"))
    return None


def _decision_data(data: dict[str, Any]) -> dict[str, Any]:
    """An officer's form data (reasons, what is missing), without the application."""
    return {k: v for k, v in data.items() if k != "application" and not isinstance(v, dict)}


def portal_body(dossier: Dossier, procedure_code: str, status: str, at: datetime,
                seq: int) -> dict[str, Any]:
    received = dossier.received_at is not None or st.counts_as_received(status)
    return {
        "dossier_code": dossier.code, "seq": seq,
        "status_code": st.portal_code(status, received),
        "status_time": at.isoformat(),
        "received_time": dossier.received_at.isoformat() if dossier.received_at else None,
        "appointment_date": (dossier.appointment_date.isoformat()
                             if dossier.appointment_date else None),
        "channel": PORTAL_CHANNELS.get(dossier.channel, 2),
        "procedure_code": procedure_code,
    }


def _queue_portal_updates(session: Session, dossier: Dossier, procedure_code: str,
                          statuses: list[str], at: datetime) -> None:
    last = session.scalar(select(func.max(PortalUpdate.seq))
                          .where(PortalUpdate.dossier_id == dossier.id)) or 0
    for seq, status in enumerate(statuses, start=last + 1):
        session.add(PortalUpdate(dossier_id=dossier.id, seq=seq, created_at=at, attempts=0,
                                 body=portal_body(dossier, procedure_code, status, at, seq)))
        if config.portal_sync_url():
            side_jobs.queue(session, dossier, JobKind.PORTAL_UPDATE, SYNC_OPERATOR,
                            f"portal/{seq}", {"seq": seq}, at)
