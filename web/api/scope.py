"""Which dossiers and open tasks a caller may list: the same rules as
web.access.check_dossier_visible and task_authority, written as queries."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from sqlalchemy import ColumnElement, Select, and_, exists, false, or_, select, true
from sqlalchemy.orm import Session

from engine.errors import Forbidden, NotFound
from engine.models import Dossier, HumanTask

from ..access import OVERSEERS, check_dossier_visible, roles_acting_for
from ..identity import Actor


def _held(session: Session, actor: Actor) -> set[tuple[str, str]]:
    """Every officer (role, department) the actor holds, for themselves or a delegator."""
    pairs: set[tuple[str, str]] = set()
    for roles in roles_acting_for(session, actor).values():
        pairs |= {(r, d) for r, d in roles if r != "citizen"}
    return pairs


def visible_dossier(session: Session, actor: Actor, code: str) -> Dossier:
    """The dossier if the actor may see it. One the actor may not see is not found, in
    the same words as a code that does not exist: a guessed code tells nothing."""
    dossier = session.scalar(select(Dossier).where(Dossier.code == code))
    if dossier is not None:
        try:
            check_dossier_visible(session, actor, dossier)
            return dossier
        except Forbidden:
            pass
    raise NotFound(gettext("Không tìm thấy hồ sơ %(code)s.", code=code), dossier=code)


def visible_task(session: Session, actor: Actor, task_id: int) -> HumanTask:
    """The task if the actor may see its dossier (whether they may complete it is
    web.task_completion's question); otherwise not found, as for an unknown id."""
    task = session.get(HumanTask, task_id)
    if task is not None:
        dossier = session.get(Dossier, task.dossier_id)
        try:
            if dossier is not None:
                check_dossier_visible(session, actor, dossier)
                return task
        except Forbidden:
            pass
    raise NotFound(gettext("Không tìm thấy việc số %(id)s.", id=task_id), task=task_id)


def _task_matches(role: str, department: str) -> ColumnElement[bool]:
    if department == "*":
        return HumanTask.role == role
    return and_(HumanTask.role == role, HumanTask.department == department)


def visible_dossiers(session: Session, actor: Actor) -> Select[Any]:
    """Own dossiers; those with a task for a role and department held; for
    reception, those of its agency; all for overseers."""
    query = select(Dossier)
    if any(actor.has_role(r) for r in OVERSEERS):
        return query
    conditions: list[ColumnElement[bool]] = [Dossier.applicant_user == actor.username]
    for role, department in _held(session, actor):
        conditions.append(exists().where(HumanTask.dossier_id == Dossier.id,
                                         _task_matches(role, department)))
        if role == "reception":
            conditions.append(true() if department == "*" else Dossier.agency == department)
    return query.where(or_(*conditions))


def open_tasks(session: Session, actor: Actor
               ) -> tuple[Select[HumanTask, str], dict[str | None, set[tuple[str, str]]]]:
    """Open tasks for the roles and departments the actor holds (or acts for), and the
    applicant's own tasks; with the role sets keyed by whom the actor acts for."""
    acting = roles_acting_for(session, actor)
    conditions = [_task_matches(r, d) for r, d in _held(session, actor)]
    conditions.append(and_(HumanTask.role == "citizen", Dossier.applicant_user == actor.username))
    query = (select(HumanTask, Dossier.code).join(Dossier, Dossier.id == HumanTask.dossier_id)
             .where(HumanTask.state == "open", or_(false(), *conditions)))
    return query, acting


def acting_for(acting: dict[str | None, set[tuple[str, str]]], task: HumanTask) -> str | None:
    """None when the actor holds the task's role themselves, else whom they act for."""
    if task.role == "citizen":
        return None
    for on_behalf_of, roles in sorted(acting.items(), key=lambda kv: kv[0] is not None):
        if any(r == task.role and d in (task.department, "*") for r, d in roles):
            return on_behalf_of
    return None
