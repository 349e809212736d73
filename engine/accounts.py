"""User accounts and the roles they hold per department."""

from __future__ import annotations

from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import Conflict
from .models import User, UserRole, utcnow

ROLES = ("reception", "specialist", "leader", "citizen", "analyst", "auditor", "admin")
_hasher = PasswordHasher()


def create_user(session: Session, username: str, full_name: str, password: str | None,
                roles: list[tuple[str, str]], email: str | None = None,
                phone: str | None = None, id_number: str | None = None) -> User:
    """Create a user with (role, department) pairs; refuse a taken username."""
    if session.scalar(select(User).where(User.username == username.strip().lower())) is not None:
        raise Conflict(f"user {username!r} already exists", user=username)
    for role, _ in roles:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
    username = username.strip().lower()
    user = User(username=username, full_name=full_name, email=email,
                phone=phone, id_number=id_number,
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


MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)


class LoginRefused(Exception):
    """Why a sign-in failed: wrong credentials, or the account is locked until `until`."""

    def __init__(self, reason: str, until: datetime | None = None) -> None:
        super().__init__(reason)
        self.reason, self.until = reason, until


def authenticate(session: Session, username: str, password: str,
                 now: datetime | None = None) -> User:
    """Check a password; after MAX_FAILURES wrong ones in a row the account locks
    for LOCKOUT, and even the right password is refused until then."""
    now = now or utcnow()
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None or not user.active:
        _hasher.hash(password)  # same cost as a real check: no timing hint
        raise LoginRefused("bad_credentials")
    if user.locked_until is not None and user.locked_until > now:
        raise LoginRefused("locked", user.locked_until)
    if not check_password(user, password):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILURES:
            user.locked_until, user.failed_logins = now + LOCKOUT, 0
            session.flush()
            raise LoginRefused("locked", user.locked_until)
        session.flush()
        raise LoginRefused("bad_credentials")
    user.failed_logins, user.locked_until = 0, None
    session.flush()
    return user
