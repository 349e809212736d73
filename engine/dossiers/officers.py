"""What officers do around tasks besides completing them: claim, release,
record that they viewed a dossier, act for a delegating leader."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit import account_log, events
from ..audit.event_types import EventType
from ..errors import Conflict, NotFound
from ..models import Delegation, HumanTask, utcnow
from .runner import lock_dossier


def claim_task(session: Session, task_id: int, actor: str, at: datetime | None = None) -> HumanTask:
    task = session.get(HumanTask, task_id)
    if task is None:
        raise NotFound("task not found", task=task_id)
    dossier = lock_dossier(session, task.dossier_id)
    session.refresh(task)
    if task.state != "open":
        raise Conflict(f"task already {task.state} by {task.completed_by}", task=task_id)
    if task.assignee and task.assignee != actor:
        raise Conflict(f"task already claimed by {task.assignee}", task=task_id)
    at = at or utcnow()
    task.assignee, task.claimed_at = actor, at
    events.append(session, dossier, EventType.TASK_CLAIMED, {"element_id": task.element_id, "task": task.id},
                  actor, at)
    return task


def release_task(session: Session, task_id: int, actor: str, at: datetime | None = None) -> HumanTask:
    task = session.get(HumanTask, task_id)
    if task is None:
        raise NotFound("task not found", task=task_id)
    dossier = lock_dossier(session, task.dossier_id)
    session.refresh(task)
    if task.assignee != actor:
        raise Conflict("only the officer who claimed a task can release it", task=task_id)
    task.assignee, task.claimed_at = None, None
    events.append(session, dossier, EventType.TASK_RELEASED, {"element_id": task.element_id, "task": task.id},
                  actor, at or utcnow())
    return task


def record_view(session: Session, dossier_id: int, actor: str, at: datetime | None = None) -> None:
    """An officer opened the dossier: answerable later as 'who has looked at it'."""
    dossier = lock_dossier(session, dossier_id)
    events.append(session, dossier, EventType.VIEWED, {}, actor, at or utcnow())


def delegate(session: Session, delegator: str, deputy: str, start: date, end: date,
             reason: str | None = None) -> Delegation:
    if end < start:
        raise Conflict("the delegation ends before it starts")
    if delegator == deputy:
        raise Conflict("one cannot delegate to oneself")
    row = Delegation(delegator=delegator, deputy=deputy, start_date=start, end_date=end, reason=reason)
    session.add(row)
    session.flush()
    account_log.record(session, "delegation_given", deputy,
                       {"delegation_id": row.id, "delegator": delegator,
                        "start": start.isoformat(), "end": end.isoformat(), "reason": reason},
                       delegator)
    return row


def delegators_for(session: Session, deputy: str, day: date) -> list[str]:
    """Whom the deputy acts for on that day."""
    return list(session.scalars(select(Delegation.delegator).where(
        Delegation.deputy == deputy, Delegation.revoked_at.is_(None),
        Delegation.start_date <= day, Delegation.end_date >= day)))


def revoke_delegation(session: Session, delegation_id: int, delegator: str,
                      at: datetime | None = None) -> Delegation:
    """End a delegation early; only the leader who gave it can."""
    row = session.get(Delegation, delegation_id)
    if row is None:
        raise NotFound("delegation not found", delegation=delegation_id)
    if row.delegator != delegator:
        raise Conflict("only the delegating leader can revoke this delegation")
    if row.revoked_at is None:
        row.revoked_at = at or utcnow()
        session.flush()
        account_log.record(session, "delegation_ended", row.deputy,
                           {"delegation_id": row.id, "delegator": row.delegator}, delegator,
                           row.revoked_at)
    return row
