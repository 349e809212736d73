"""User accounts and the roles they hold per department."""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..audit import account_log
from ..contacts import checked_contacts
from ..errors import Conflict, Forbidden, InvalidInput, NotFound
from ..models import ApiToken, User, UserRole, utcnow

# `partner`: a partner agency's system that sends messages to dossiers (liên thông)
ROLES = ("reception", "specialist", "leader", "citizen", "analyst", "auditor", "admin",
         "partner")
_hasher = PasswordHasher()


def create_user(session: Session, username: str, full_name: str, password: str | None,
                roles: list[tuple[str, str]], email: str | None = None,
                phone: str | None = None, id_number: str | None = None,
                by: str | None = None) -> User:
    """Create a user with (role, department) pairs; refuse a taken username or a bad
    e-mail or phone. `by` is who made the account (None: the person registered themselves)."""
    email, phone = checked_contacts(email, phone)
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
    account_log.record(session, "account_created", username,
                       {"roles": [list(pair) for pair in normalise_roles(roles)]}, by or username)
    return user


def set_contacts(session: Session, user: User, email: str | None, phone: str | None) -> User:
    """The holder's own e-mail and phone, checked like every contact detail."""
    user.email, user.phone = checked_contacts(email, phone)
    session.flush()
    return user


def end_sessions(user: User) -> None:
    """Every session signed in so far stops working (each carries the generation it
    was opened with); API tokens are separate credentials and stay."""
    user.session_generation = (user.session_generation or 0) + 1


MIN_PASSWORD = 8


def change_password(session: Session, user: User, current: str, new: str) -> User:
    """The holder sets a new password, proving the current one; every session of the
    account ends (the one making the change signs in again)."""
    errors: dict[str, list[str]] = {}
    if not check_password(user, current):
        errors["current"] = ["the current password is wrong"]
    if len(new) < MIN_PASSWORD:
        errors["password"] = [f"at least {MIN_PASSWORD} characters"]
    if errors:
        raise InvalidInput("the password was not changed", errors, user=user.username)
    user.password_hash = _hasher.hash(new)
    end_sessions(user)
    session.flush()
    account_log.record(session, "password_changed", user.username, {}, user.username)
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


# -- administration ---------------------------------------------------------------

log = logging.getLogger("motcua.accounts")
DEPARTMENT_MAX = 64


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("user not found", user=user_id)
    return user


def find_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username.strip().lower()))


def list_users(session: Session, *, search: str | None = None, role: str | None = None,
               offset: int = 0, limit: int = 50) -> tuple[list[User], int]:
    """Users by username, optionally matching a text (username, name, e-mail) or
    holding a role; returns one page and the total count."""
    query = select(User)
    if search:
        like, raw = f"%{search.strip().lower()}%", f"%{search.strip()}%"
        # SQLite lowers ASCII only: match the text as typed too (Đ, Ơ, ...)
        query = query.where(or_(func.lower(User.username).like(like),
                                func.lower(User.full_name).like(like), User.full_name.like(raw),
                                func.lower(User.email).like(like)))
    if role:
        query = query.where(User.roles.any(UserRole.role == role))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    users = session.scalars(query.order_by(User.username).offset(offset).limit(limit))
    return list(users), total


def normalise_roles(roles: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Checked, stripped and de-duplicated (role, department) pairs; raise
    InvalidInput naming each bad pair."""
    errors: dict[str, list[str]] = {}
    seen: list[tuple[str, str]] = []
    for index, (role, department) in enumerate(roles):
        role, department = role.strip(), department.strip()
        if role not in ROLES:
            errors.setdefault(f"roles.{index}.role", []).append(f"unknown role {role!r}")
        if not department or len(department) > DEPARTMENT_MAX or any(c.isspace() for c in department):
            errors.setdefault(f"roles.{index}.department", []).append(
                f"a department code of 1–{DEPARTMENT_MAX} characters without spaces, or '*'")
        if (role, department) not in seen:
            seen.append((role, department))
    if errors:
        raise InvalidInput("invalid roles", errors)
    return seen


def _other_active_admins(session: Session, user: User) -> int:
    return session.scalar(select(func.count(User.id)).where(
        User.id != user.id, User.active.is_(True),
        User.roles.any(UserRole.role == "admin"))) or 0


def _keep_an_admin(session: Session, user: User) -> None:
    if any(r.role == "admin" for r in user.roles) and user.active \
            and not _other_active_admins(session, user):
        raise Conflict("at least one active administrator must remain", user=user.username)


def set_roles(session: Session, user: User, roles: list[tuple[str, str]],
              by: str | None = None) -> User:
    """Replace the user's (role, department) pairs. Pairs kept stay the same rows;
    the last active administrator cannot lose the admin role."""
    wanted = normalise_roles(roles)
    before = sorted((r.role, r.department) for r in user.roles)
    if not any(role == "admin" for role, _ in wanted):
        _keep_an_admin(session, user)
    current = {(r.role, r.department): r for r in user.roles}
    for pair, row in current.items():
        if pair not in wanted:
            user.roles.remove(row)
    session.flush()  # deletes first: a pair removed and added back must not collide
    for role, department in wanted:
        if (role, department) not in current:
            user.roles.append(UserRole(role=role, department=department))
    session.flush()
    if sorted(wanted) != before:
        account_log.record(session, "roles_changed", user.username,
                           {"before": [list(p) for p in before],
                            "after": [list(p) for p in sorted(wanted)]}, by)
    log.info("roles of %s set to %s by %s", user.username, wanted, by)
    return user


def deactivate_user(session: Session, user: User, by: str | None = None,
                    at: datetime | None = None) -> User:
    """Refuse sign-in and API access from now on. The row stays: events, tasks and
    dossiers keep naming the username. Their API tokens are revoked."""
    if not user.active:
        return user
    _keep_an_admin(session, user)
    user.active = False
    end_sessions(user)
    at = at or utcnow()
    for token in session.scalars(select(ApiToken).where(
            ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))):
        token.revoked_at = at
    session.flush()
    account_log.record(session, "deactivated", user.username, {}, by, at)
    log.info("user %s deactivated by %s", user.username, by)
    return user


def reactivate_user(session: Session, user: User, by: str | None = None) -> User:
    if not user.active:
        account_log.record(session, "reactivated", user.username, {}, by)
    user.active = True
    user.failed_logins, user.locked_until = 0, None
    session.flush()
    log.info("user %s reactivated by %s", user.username, by)
    return user


def unlock_user(session: Session, user: User, by: str | None = None) -> User:
    """Lift a lock-out after too many wrong passwords."""
    if user.locked_until is not None:
        account_log.record(session, "unlocked", user.username,
                           {"locked_until": user.locked_until.isoformat()}, by)
    user.failed_logins, user.locked_until = 0, None
    end_sessions(user)
    session.flush()
    log.info("user %s unlocked by %s", user.username, by)
    return user


def is_locked(user: User, now: datetime | None = None) -> bool:
    return user.locked_until is not None and user.locked_until > (now or utcnow())


# -- API tokens -------------------------------------------------------------------

TOKEN_PREFIX = "mct_"
MAX_TOKENS_PER_USER = 20


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(session: Session, user: User, name: str) -> tuple[ApiToken, str]:
    """A new bearer token for the user. Only its sha256 is stored: the clear text is
    returned here once and never again."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput("invalid token name", {"name": ["1–100 characters"]})
    if not user.active:
        raise Forbidden("the account is deactivated", user=user.username)
    live = session.scalar(select(func.count(ApiToken.id)).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))) or 0
    if live >= MAX_TOKENS_PER_USER:
        raise Conflict(f"at most {MAX_TOKENS_PER_USER} active tokens; revoke one first",
                       user=user.username)
    clear = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=token_hash(clear), created_at=utcnow())
    session.add(token)
    session.flush()
    account_log.record(session, "api_token_created", user.username,
                       {"token_id": token.id, "name": name}, user.username)
    return token, clear


USE_RECORD_EVERY = timedelta(minutes=1)


def verify_api_token(session: Session, clear: str, now: datetime | None = None) -> User | None:
    """The active user a live token belongs to, or None. Records when it was last used."""
    if not clear.startswith(TOKEN_PREFIX) or len(clear) > 200:
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(clear),
                                                  ApiToken.revoked_at.is_(None)))
    if token is None:
        return None
    user = session.get(User, token.user_id)
    if user is None or not user.active:
        return None
    now = now or utcnow()
    if token.last_used_at is None or now - token.last_used_at >= USE_RECORD_EVERY:
        token.last_used_at = now
        session.flush()
    return user


def list_api_tokens(session: Session, user: User) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                .order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())))


def revoke_api_token(session: Session, user: User, token_id: int,
                     at: datetime | None = None) -> ApiToken:
    """Revoke one of the user's own tokens (someone else's is not found)."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound("token not found", token=token_id)
    if token.revoked_at is None:
        token.revoked_at = at or utcnow()
        session.flush()
        account_log.record(session, "api_token_revoked", user.username,
                           {"token_id": token.id, "name": token.name}, user.username,
                           token.revoked_at)
    return token
