"""The inbox (hộp việc): open tasks of the officer's roles and departments, and
of the leaders who delegated to them today, several of which can be claimed at once;
for the desk, the dossiers received today, whose receipts print together. The next
task of a queue, where an officer goes after completing one, is read here too."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from flask import render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.deadlines.calendar_store import load_calendar
from engine.dossiers.inbox import (
    DUE_FILTERS,
    PAGE_SIZE,
    SORTS,
    TABS,
    Filters,
    Row,
    Scope,
    inbox,
    procedure_names,
)
from engine.models import Dossier, HumanTask, Procedure, ProcedureVersion
from engine.status import STATUS_NAMES

from ..access import today, visible_dossiers
from ..formats import VN
from ..identity import Actor, db, require_role
from ..paging import page_number
from . import OFFICER_ROLES, bp
from .people import actor_name, full_names, officer_scope, on_behalf_in_inbox, role_name


@dataclass
class InboxRow:
    task: Row
    procedure: str
    role: str
    due_class: str
    assignee: str | None
    on_behalf_of: str | None


def due_class(due: date | None, day: date, soon_until: date) -> str:
    if due is None:
        return ""
    if due < day:
        return "due-overdue"
    return "due-soon" if due <= soon_until else ""


@dataclass(frozen=True)
class Received:
    code: str
    applicant_name: str | None
    procedure: str
    received_at: datetime | None
    channel: str


def received_today(session: Session, actor: Actor, english: bool) -> list[Received]:
    """The dossiers the actor's desk received today (Vietnam's day), newest first: those
    whose receipts the desk may print together."""
    start = datetime.combine(today(), time(), VN).astimezone(UTC)
    rows = session.execute(
        select(Dossier.code, Dossier.applicant_name, Procedure.name_vi, Procedure.name_en,
               Dossier.received_at, Dossier.channel)
        .join(ProcedureVersion, ProcedureVersion.id == Dossier.procedure_version_id)
        .join(Procedure, Procedure.id == ProcedureVersion.procedure_id)
        .where(Dossier.received_at >= start, visible_dossiers(session, actor))
        .order_by(Dossier.received_at.desc(), Dossier.id.desc()).limit(PAGE_SIZE))
    return [Received(code, name, en if english and en else vi, at, channel)
            for code, name, vi, en, at, channel in rows]


def queue_name(task: HumanTask, procedure_name: str) -> str:
    """A queue as the officer reads it: role · department · procedure."""
    return f"{role_name(task.role)} · {task.department} · {procedure_name}"


def next_in_queue(session: Session, actor: Actor, done: HumanTask, procedure: str) -> int | None:
    """The open task an officer goes on to after `done`: of the same queue (its role and
    department, the same procedure), in the inbox's order (the earliest due first);
    those they have claimed before those nobody has. None when the queue is empty."""
    scope, _ = officer_scope(session, actor)
    queue = Scope(frozenset({(done.role, done.department)}), scope.owners)
    day = today()
    for tab in ("mine", "unclaimed"):
        found = inbox(session, queue, Filters(tab=tab, procedure=procedure), day, day,
                      with_counts=False)
        following = next((r.task_id for r in found.rows if r.task_id != done.id), None)
        if following is not None:
            return following
    return None


def _choice(value: str | None, allowed: Collection[str], default: str) -> str:
    return value if value is not None and value in allowed else default


def _filters() -> Filters:
    args = request.args
    return Filters(
        tab=_choice(args.get("tab"), TABS, "all"),
        procedure=args.get("procedure") or None,
        status=args.get("status") if args.get("status") in STATUS_NAMES else None,
        due=args.get("due") if args.get("due") in DUE_FILTERS else None,
        sort=_choice(args.get("sort"), SORTS, "due"),
        descending=args.get("dir") == "desc",
        page=page_number(),
    )


@bp.get("/hop-viec", endpoint="inbox")
@require_role(*OFFICER_ROLES)
def inbox_view() -> str:
    s = db()
    filters = _filters()
    scope, acting = officer_scope(s, current_user)
    day = today()
    soon_until = load_calendar(s).next_working_day(day)
    result = inbox(s, scope, filters, day, soon_until)
    english = str(get_locale()) == "en"
    versions = procedure_names(s)
    names = full_names(s, [r.assignee for r in result.rows] + [w for w in acting if w])
    rows = []
    for r in result.rows:
        code, vi, en = versions.get(r.procedure_version_id, ("", "", ""))
        behalf = on_behalf_in_inbox(current_user, acting, r.role, r.department, r.assignee)
        rows.append(InboxRow(
            task=r, procedure=en if english else vi, role=role_name(r.role),
            due_class=due_class(r.due_date, day, soon_until),
            assignee=actor_name(names, r.assignee) if r.assignee else None,
            on_behalf_of=actor_name(names, behalf) if behalf else None))
    procedures = sorted({(c, en if english else vi) for c, vi, en in versions.values()},
                        key=lambda p: p[1])
    args = {"tab": filters.tab, "procedure": filters.procedure or "", "status": filters.status or "",
            "due": filters.due or "", "sort": filters.sort,
            "dir": "desc" if filters.descending else "asc"}
    delegators = [actor_name(names, w) for w in acting if w]

    def inbox_url(**changes: object) -> str:
        """This page with some parameters changed; empty ones left out."""
        wanted: dict[str, Any] = {**args, "page": 1, **changes}
        return url_for("officer.inbox", **{k: v for k, v in wanted.items() if v not in ("", None)})

    received = received_today(s, current_user, english) \
        if current_user.has_role("reception") else []
    return render_template("officer/inbox.html", result=result, rows=rows, args=args,
                           procedures=procedures, statuses=STATUS_NAMES, today=day,
                           soon_until=soon_until, delegators=delegators, inbox_url=inbox_url,
                           received=received)
