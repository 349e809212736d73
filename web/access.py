"""Who may see a dossier and act on a task. Every page calls these server-side."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, func, or_, select, true
from sqlalchemy.orm import Session

from engine.db import database_key
from engine.dossiers.officers import delegators_for, record_view
from engine.dossiers.runner import get_dossier
from engine.errors import Forbidden
from engine.models import Dossier, HumanTask, ProcedureVersion, User
from engine.procedures.procedures import load_version

from .formats import VN
from .identity import Actor

OVERSEERS = ("admin", "auditor")


def today() -> date:
    from datetime import datetime

    return datetime.now(VN).date()


def roles_acting_for(session: Session, actor: Actor, day: date | None = None
                     ) -> dict[str | None, set[tuple[str, str]]]:
    """The (role, department) pairs the actor holds, keyed by whom they act for:
    None for themselves, a leader's username under an active delegation."""
    acting: dict[str | None, set[tuple[str, str]]] = {None: set(actor.roles)}
    for delegator in delegators_for(session, actor.username, day or today()):
        user = session.scalar(select(User).where(User.username == delegator))
        if user is not None and user.active:
            acting[delegator] = {(r.role, r.department) for r in user.roles}
    return acting


def _holds(roles: set[tuple[str, str]], role: str, department: str) -> bool:
    return any(r == role and d in (department, "*") for r, d in roles)


def task_authority(session: Session, actor: Actor, task: HumanTask) -> str | None:
    """Whom the actor acts for on this task: '' for themselves, a delegator's
    username, or raise Forbidden."""
    if task.role == "citizen":
        dossier = session.get(Dossier, task.dossier_id)
        if dossier is not None and dossier.applicant_user == actor.username:
            return ""
        # a walk-in applicant has no account: the desk enters their answer
        if dossier is not None and dossier.applicant_user is None and actor.has_role("reception"):
            return ""
        raise Forbidden("this task belongs to the applicant", task=task.id)
    for on_behalf_of, roles in roles_acting_for(session, actor).items():
        if _holds(roles, task.role, task.department):
            return on_behalf_of or ""
    raise Forbidden("this task is for another role or department", task=task.id)


def _reception_lanes(settings: dict[str, Any]) -> set[str]:
    default = settings.get("department") or settings["agency"]
    return {lane.get("department", default) for lane in settings["lanes"].values()
            if lane.get("role") == "reception"}


def reception_departments(session: Session, dossier: Dossier) -> set[str]:
    settings = load_version(session, dossier.procedure_version_id).settings
    return _reception_lanes(settings) | {dossier.agency}


# (database, newest version id) -> desk -> ids of the versions that desk receives.
# Versions are immutable and their ids only grow, so the newest id says when to reload.
_DESKS: dict[tuple[str, int], dict[str, set[int]]] = {}


def _versions_received_at(session: Session, desks: set[str]) -> list[int]:
    newest = session.scalar(select(func.max(ProcedureVersion.id))) or 0
    key = (database_key(session), newest)
    by_desk = _DESKS.get(key)
    if by_desk is None:
        by_desk = {}
        for vid, settings in session.execute(select(ProcedureVersion.id,
                                                    ProcedureVersion.settings)):
            for desk in _reception_lanes(settings or {"agency": "", "lanes": {}}):
                by_desk.setdefault(desk, set()).add(vid)
        if len(_DESKS) > 32:
            _DESKS.clear()
        _DESKS[key] = by_desk
    return sorted(set().union(*(by_desk.get(desk, set()) for desk in desks)))


def visible_dossiers(session: Session, actor: Actor) -> ColumnElement[bool]:
    """The dossiers the actor may see, as a condition on Dossier: applicants their own;
    officers those with a task (open or done) for a role and department they hold, or
    acting for a delegating leader holds; the desk that receives a procedure its dossiers
    from submission on; auditors and admins all. Lists filter with it and
    check_dossier_visible asks it of one dossier, so both answer alike."""
    if any(actor.has_role(r) for r in OVERSEERS):
        return true()
    held = {pair for roles in roles_acting_for(session, actor).values() for pair in roles
            if pair[0] != "citizen"}
    conditions: list[ColumnElement[bool]] = [Dossier.applicant_user == actor.username]
    if held:
        pairs = [HumanTask.role == role if dept == "*"
                 else and_(HumanTask.role == role, HumanTask.department == dept)
                 for role, dept in sorted(held)]
        conditions.append(exists().where(HumanTask.dossier_id == Dossier.id,
                                         HumanTask.role != "citizen", or_(*pairs)))
    desks = {dept for role, dept in held if role == "reception"}
    if "*" in desks:
        conditions.append(true())
    elif desks:
        versions = _versions_received_at(session, desks)
        conditions.append(Dossier.agency.in_(sorted(desks)))
        if versions:
            conditions.append(Dossier.procedure_version_id.in_(versions))
    return or_(*conditions) if conditions else false()


def check_dossier_visible(session: Session, actor: Actor, dossier: Dossier) -> None:
    """Refuse a dossier the actor may not see (see visible_dossiers)."""
    if any(actor.has_role(r) for r in OVERSEERS):
        return
    if session.scalar(select(Dossier.id).where(Dossier.id == dossier.id,
                                                 visible_dossiers(session, actor))) is None:
        raise Forbidden("you have no access to this dossier", dossier=dossier.code)


def check_dossier_id_visible(session: Session, actor: Actor, dossier_id: int) -> Dossier:
    """The dossier a belonging (payment, refund, shipment…) is of, if the actor may see it."""
    dossier = session.get(Dossier, dossier_id)
    if dossier is None:
        raise Forbidden("you have no access to this dossier", dossier=dossier_id)
    check_dossier_visible(session, actor, dossier)
    return dossier


def open_dossier(session: Session, actor: Actor, code: str) -> Dossier:
    """The dossier an officer or auditor opens: refused unless they may see it, and the
    look recorded in its history ('who has viewed it')."""
    dossier = get_dossier(session, code)
    check_dossier_visible(session, actor, dossier)
    record_view(session, dossier.id, actor.username)
    return dossier
