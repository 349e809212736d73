"""The signed-in person, their roles per department, and the checks pages use."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import g
from flask_login import UserMixin, current_user, login_required
from sqlalchemy.orm import joinedload

from engine.errors import Forbidden
from engine.models import User


class Actor(UserMixin):
    """What a request knows of its user: loaded once, detached from the session."""

    def __init__(self, user: User) -> None:
        self.id = user.id
        self.username = user.username
        self.full_name = user.full_name
        self.email = user.email
        self.locale = user.locale or "vi"
        self.active = user.active
        self.session_generation = user.session_generation or 0
        self.roles: set[tuple[str, str]] = {(r.role, r.department) for r in user.roles}

    def get_id(self) -> str:
        """What the session keeps: the id and the account's session generation, so that
        raising the generation ends this session (see load_session_user)."""
        return f"{self.id}.{self.session_generation}"

    @property
    def is_active(self) -> bool:
        return self.active

    def has_role(self, role: str, department: str | None = None) -> bool:
        return any(r == role and (department is None or d in (department, "*"))
                   for r, d in self.roles)

    def departments(self, role: str) -> set[str]:
        return {d for r, d in self.roles if r == role}

    @property
    def is_officer(self) -> bool:
        return any(r in ("reception", "specialist", "leader") for r, _ in self.roles)


def load_session_user(session_id: str) -> Actor | None:
    """The signed-in user of a session, unless the account was deactivated or its
    sessions ended after this one was opened."""
    user_id, _, generation = session_id.partition(".")
    if not (user_id.isdigit() and generation.isdigit()):
        return None
    user = g.db.get(User, int(user_id), options=[joinedload(User.roles)])  # one query
    if user is None or not user.active or (user.session_generation or 0) != int(generation):
        return None
    return Actor(user)


def require_role(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The page needs a signed-in user holding one of the roles (any department)."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not any(current_user.has_role(r) for r in roles):
                raise Forbidden("your account has no access to this page")
            return view(*args, **kwargs)

        return wrapped

    return decorate


def db():
    """The request's database session (committed when the route returns: web.unit_of_work)."""
    return g.db
