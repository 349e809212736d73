"""What each printable slip says, read from the dossier, its tasks and its events."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit.event_types import EventType
from engine.deadlines.calendar_store import load_calendar
from engine.dossiers.drafts import attachments_of
from engine.models import Dossier, Event, HumanTask, User, utcnow
from engine.procedures.bundle import Procedure

from ..formats import status_name
from .people import actor_name, full_names, role_name
from .procedure_info import document_names, facts
from .readable import Item, describe

SLIPS = {
    "tiep-nhan": _l("Giấy tiếp nhận hồ sơ và hẹn trả kết quả"),
    "bo-sung": _l("Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ"),
    "tu-choi": _l("Phiếu từ chối tiếp nhận giải quyết hồ sơ"),
    "kiem-soat": _l("Phiếu kiểm soát quá trình giải quyết hồ sơ"),
}
TIMELINESS = {"early": _l("Trước hạn"), "on_time": _l("Đúng hạn"), "late": _l("Quá hạn")}
SUPPLEMENT = frozenset({"supplement"})
REFUSAL = frozenset({"refuse", "reject"})


def _decision(data: dict[str, Any]) -> str | None:
    return next((str(v) for k, v in data.items() if k.endswith("_decision")), None)


def decisions_among(events: Iterable[Event], values: frozenset[str]) -> list[Event]:
    """Of these events, the task_completed ones whose decision is one of values."""
    return [e for e in events if e.type == EventType.TASK_COMPLETED
            and _decision((e.payload or {}).get("data") or {}) in values]


def decision_events(session: Session, dossier: Dossier, values: frozenset[str]) -> list[Event]:
    """task_completed events whose decision is one of values, oldest first."""
    return decisions_among(session.scalars(select(Event).where(
        Event.dossier_id == dossier.id, Event.type == EventType.TASK_COMPLETED)
        .order_by(Event.seq)), values)


def available_slips(dossier: Dossier, events: list[Event], tasks: list[HumanTask]
                    ) -> list[tuple[str, str]]:
    """The slips a dossier has, from its history and tasks (as the dossier page has them)."""
    kinds = []
    if dossier.received_at is not None or dossier.channel == "counter":
        kinds.append("tiep-nhan")
    if decisions_among(events, SUPPLEMENT):
        kinds.append("bo-sung")
    if decisions_among(events, REFUSAL):
        kinds.append("tu-choi")
    if any(t.state == "completed" for t in tasks):
        kinds.append("kiem-soat")
    return [(k, str(SLIPS[k])) for k in kinds]


@dataclass
class Receipt:
    documents: list[tuple[str, str]]  # (name, how it was received)
    received_at: datetime
    appointment: date
    provisional: bool
    received_by: str
    working_days: int
    delivery: str


def _received_as(dossier: Dossier, checked: bool, files: list[str]) -> str:
    """A paper copy is recorded only when the desk checked a document it received on
    paper: at the counter, or one the applicant brought without uploading it."""
    how = []
    if checked and (dossier.channel == "counter" or not files):
        how.append(str(_l("Bản giấy, đã đối chiếu")))
    if files:
        how.append(str(_l("Bản điện tử: %(file)s", file=", ".join(files))))
    return "; ".join(how)


def delivery(session: Session, dossier: Dossier) -> str:
    """How the applicant chose to receive the result (hinh_thuc_nhan_ket_qua)."""
    application = dossier.application or {}
    method = application.get("hinh_thuc_nhan_ket_qua")
    if method == "email":
        address = application.get("email") or (session.scalar(
            select(User.email).where(User.username == dossier.applicant_user))
            if dossier.applicant_user else None)
        if address:
            return str(_l("Qua thư điện tử, gửi tới %(address)s", address=address))
    if method == "post":
        address = application.get("dia_chi_nhan_ket_qua") or application.get("noi_cu_tru")
        if address:
            return str(_l("Qua dịch vụ bưu chính, gửi tới %(address)s", address=address))
    if method is None and dossier.channel == "counter":
        return str(_l("Bộ phận tiếp nhận và trả kết quả"))
    return str(_l("Tải về trên Cổng Dịch vụ công (bản điện tử)"))


def receipt(session: Session, dossier: Dossier, procedure: Procedure) -> Receipt:
    names = document_names(procedure)
    documents: list[tuple[str, str]] = []
    reception = session.scalars(select(HumanTask).where(
        HumanTask.dossier_id == dossier.id, HumanTask.role == "reception",
        HumanTask.state == "completed").order_by(HumanTask.id.desc())).first()
    checked: list[str] = []
    if reception is not None:
        event = next((e for e in reversed(decision_events(session, dossier, frozenset({"receive"})))
                      if (e.payload or {}).get("element_id") == reception.element_id), None)
        checked = list(((event.payload or {}).get("data") or {}).get("giay_to_da_nhan", [])) \
            if event is not None else []
    files: dict[str, list[str]] = {}
    for a in attachments_of(session, dossier_id=dossier.id):
        files.setdefault(a.document_code, []).append(a.filename)
    for code in dict.fromkeys([*checked, *files]):
        documents.append((names.get(code, code), _received_as(dossier, code in checked,
                                                               files.get(code, []))))
    days = int(procedure.settings.get("legal_deadline_working_days", 0))
    received_at = dossier.received_at or dossier.submitted_at
    appointment = dossier.appointment_date
    provisional = appointment is None
    if appointment is None:
        appointment = load_calendar(session).appointment_date(max(utcnow(), received_at), days)
    who = reception.completed_by if reception is not None else _submitter(session, dossier)
    return Receipt(documents, received_at, appointment, provisional,
                   actor_name(full_names(session, [who]), who), days, delivery(session, dossier))


def _submitter(session: Session, dossier: Dossier) -> str | None:
    return session.scalar(select(Event.actor).where(Event.dossier_id == dossier.id,
                                                    Event.type == EventType.SUBMITTED))


@dataclass
class Notice:
    """A supplement request or a refusal: who decided, when, and what they wrote."""

    at: datetime
    by: str
    step: str
    items: list[Item]


def notice(session: Session, dossier: Dossier, procedure: Procedure, values: frozenset[str],
           keys: tuple[str, ...], lang: str) -> Notice | None:
    """The latest decision among values, with the fields whose names contain one of keys."""
    events = decision_events(session, dossier, values)
    if not events:
        return None
    event = events[-1]
    payload = event.payload or {}
    info = procedure.tasks.get(payload.get("element_id") or "")
    schema = procedure.forms.get(info.form or "", {}) if info is not None else {}
    data = {k: v for k, v in (payload.get("data") or {}).items() if any(key in k for key in keys)}
    return Notice(event.at, actor_name(full_names(session, [event.actor]), event.actor),
                  info.name if info is not None else "", describe(schema, data, lang))


@dataclass
class Handoff:
    step: str
    giver: str
    giver_unit: str
    receiver_unit: str
    receiver: str
    received_at: datetime
    finished_at: datetime | None
    due: date | None
    timeliness: str


def _unit(procedure: Procedure, task: HumanTask) -> str:
    lane = facts(procedure).lanes.get(task.lane or "")
    return f"{lane or role_name(task.role)} ({task.department})" if task.role != "citizen" \
        else role_name("citizen")


def control_sheet(session: Session, dossier: Dossier, procedure: Procedure) -> list[Handoff]:
    """One row per completed human task, in order: who handed it over to which next step."""
    tasks = list(session.scalars(select(HumanTask).where(HumanTask.dossier_id == dossier.id)
                                 .order_by(HumanTask.id)))
    names = full_names(session, [t.completed_by for t in tasks] + [t.on_behalf_of for t in tasks]
                       + [t.assignee for t in tasks])
    rows = []
    for i, task in enumerate(tasks):
        if task.state != "completed":
            continue
        after = tasks[i + 1] if i + 1 < len(tasks) else None
        giver = actor_name(names, task.completed_by)
        if task.on_behalf_of:
            giver = str(_l("%(name)s (thay mặt %(leader)s)", name=giver,
                           leader=actor_name(names, task.on_behalf_of)))
        if after is not None:
            receiver_unit = f"{_unit(procedure, after)}: {after.name}"
            receiver = actor_name(names, after.completed_by or after.assignee) \
                if (after.completed_by or after.assignee) else ""
        else:
            receiver_unit = str(_l("Hệ thống (trạng thái hồ sơ: %(status)s)",
                                   status=status_name(dossier.status)))
            receiver = ""
        rows.append(Handoff(
            step=task.name, giver=giver, giver_unit=_unit(procedure, task),
            receiver_unit=receiver_unit, receiver=receiver, received_at=task.created_at,
            finished_at=task.completed_at, due=task.due_date,
            timeliness=str(TIMELINESS[task.timeliness]) if task.timeliness in TIMELINESS else "—"))
    return rows
