"""People as the pages name them: full names for usernames, roles in words,
and whom an officer acts for on a task."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.dossiers.inbox import OFFICER_ROLES, Scope
from engine.models import HumanTask, User

from ..access import roles_acting_for, task_authority
from ..identity import Actor

ROLE_NAMES = {
    "reception": _l("Bộ phận Một cửa"),
    "specialist": _l("Chuyên viên"),
    "leader": _l("Lãnh đạo"),
    "citizen": _l("Người nộp hồ sơ"),
}
SYSTEM_ACTORS = ("engine", "timer")

Acting = dict[str | None, set[tuple[str, str]]]


def full_names(session: Session, usernames: Iterable[str | None]) -> dict[str, str]:
    """username → full name for those that exist; one query."""
    wanted = {u for u in usernames if u}
    if not wanted:
        return {}
    rows = session.execute(select(User.username, User.full_name)
                           .where(User.username.in_(sorted(wanted))))
    return {username: name for username, name in rows}


def actor_name(names: dict[str, str], username: str | None) -> str:
    if not username:
        return "—"
    if username in SYSTEM_ACTORS or username.startswith("operator:"):
        return str(_l("Hệ thống"))
    return names.get(username, username)


def role_name(role: str) -> str:
    return str(ROLE_NAMES.get(role, role))


def holds(roles: set[tuple[str, str]], role: str, department: str) -> bool:
    return any(r == role and d in (department, "*") for r, d in roles)


def officer_scope(session: Session, actor: Actor) -> tuple[Scope, Acting]:
    """The inbox scope of the actor today, and the roles they hold per whom they act for."""
    acting = roles_acting_for(session, actor)
    pairs = frozenset(p for roles in acting.values() for p in roles if p[0] in OFFICER_ROLES)
    owners = frozenset({actor.username, *(who for who in acting if who)})
    return Scope(pairs, owners), acting


def on_behalf_in_inbox(actor: Actor, acting: Acting, role: str, department: str,
                       assignee: str | None) -> str | None:
    """Whom the actor would act for on an inbox row: None for themselves."""
    if assignee and assignee != actor.username and assignee in acting:
        return assignee
    if holds(acting[None], role, department):
        return None
    return next((who for who, roles in acting.items() if who and holds(roles, role, department)),
                None)


class ClaimedByOther(Exception):
    """The task is claimed by an officer the actor does not act for."""

    def __init__(self, assignee: str) -> None:
        super().__init__(assignee)
        self.assignee = assignee


def authority(session: Session, actor: Actor, task: HumanTask) -> str | None:
    """Whom the actor acts for on this task (None: themselves). Raises Forbidden
    (web.access) when the task is not theirs to open, ClaimedByOther when a
    colleague they do not act for has claimed it."""
    on_behalf = task_authority(session, actor, task) or None
    if task.assignee and task.assignee != actor.username:
        if task.assignee in roles_acting_for(session, actor):
            return task.assignee
        raise ClaimedByOther(task.assignee)
    return on_behalf
