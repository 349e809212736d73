"""User accounts and the roles they hold per department."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import Conflict
from .models import User, UserRole

ROLES = ("reception", "specialist", "leader", "citizen", "analyst", "auditor", "admin")
_hasher = PasswordHasher()


def create_user(session: Session, username: str, full_name: str, password: str | None,
                roles: list[tuple[str, str]], email: str | None = None) -> User:
    """Create a user with (role, department) pairs; refuse a taken username."""
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise Conflict(f"user {username!r} already exists", user=username)
    for role, _ in roles:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
    user = User(username=username, full_name=full_name, email=email,
                password_hash=_hasher.hash(password) if password else None, active=True)
    user.roles = [UserRole(role=role, department=dept) for role, dept in roles]
    session.add(user)
    session.flush()
    return user


def check_password(user: User, password: str) -> bool:
    if not user.active or not user.password_hash:
        return False
    try:
        return _hasher.verify(user.password_hash, password)
    except VerificationError:
        return False
