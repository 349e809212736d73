"""Who may see a dossier and act on a task. Every page calls these server-side."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import Forbidden
from engine.models import Dossier, HumanTask, User
from engine.officers import delegators_for, record_view
from engine.procedures import load_version
from engine.runner import get_dossier

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


def reception_departments(session: Session, dossier: Dossier) -> set[str]:
    settings = load_version(session, dossier.procedure_version_id).settings
    default = settings.get("department") or settings["agency"]
    return {lane.get("department", default) for lane in settings["lanes"].values()
            if lane.get("role") == "reception"} | {dossier.agency}


def check_dossier_visible(session: Session, actor: Actor, dossier: Dossier) -> None:
    """Applicants see their own dossiers; officers those with a task (open or done)
    for a role and department they hold; auditors and admins all."""
    if any(actor.has_role(r) for r in OVERSEERS):
        return
    if dossier.applicant_user and dossier.applicant_user == actor.username:
        return
    acting = roles_acting_for(session, actor)
    pairs = set(session.execute(select(HumanTask.role, HumanTask.department).where(
        HumanTask.dossier_id == dossier.id, HumanTask.role != "citizen")).all())
    # The desk that receives the procedure sees its dossiers from submission on.
    pairs |= {("reception", dept) for dept in reception_departments(session, dossier)}
    for roles in acting.values():
        if any(_holds(roles, role, dept) for role, dept in pairs):
            return
    raise Forbidden("you have no access to this dossier", dossier=dossier.code)


def open_dossier(session: Session, actor: Actor, code: str) -> Dossier:
    """The dossier an officer or auditor opens: refused unless they may see it, and the
    look recorded in its history ('who has viewed it')."""
    dossier = get_dossier(session, code)
    check_dossier_visible(session, actor, dossier)
    record_view(session, dossier.id, actor.username)
    return dossier
