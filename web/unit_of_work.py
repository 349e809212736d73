"""One unit of work per request, for HTML pages and the API alike.

A route that returns has its writes committed before its answer leaves; a route that
raises has them rolled back, and the error reaches the app's error handler. A commit that
fails (a unique key taken meanwhile, a serialization failure on PostgreSQL) is rolled
back and answered by the same handler (409 when another request wrote first), so the person sees the app's own error page or
JSON error, never a page that claims a success nothing stored.

A route that wants to keep something although it answers with an error (a refused login
attempt, a refused payment notice) returns that answer rather than raising. A route that
tries a step and carries on when the step is refused (showing the form again, flashing
why) runs the step in `attempt()`, so the refused step leaves nothing behind.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from flask import g
from flask import session as flask_session
from flask_babel import gettext
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError

from engine.errors import MotcuaError

T = TypeVar("T")
log = logging.getLogger(__name__)

# PostgreSQL's serialization failure and deadlock: the same request, tried again, may pass.
RETRYABLE_SQLSTATES = {"40001", "40P01"}


class NotSaved(MotcuaError):
    """The route's work could not be committed; nothing of it was stored."""

    def __init__(self, message: str, http_status: int) -> None:
        super().__init__(message)
        self.http_status = http_status


def run(view: Callable[[], T]) -> T:
    """The view's answer, once what it wrote is committed (see the module's rules)."""
    session = g.db
    cookie = copy.deepcopy(dict(flask_session))
    try:
        answer = view()
    except SQLAlchemyError as failure:
        undo(cookie)
        if not is_conflict(failure):
            raise
        raise conflict() from failure
    except BaseException:
        undo(cookie)
        raise
    try:
        session.commit()
    except SQLAlchemyError as failure:
        undo(cookie)
        if is_conflict(failure):
            raise conflict() from failure
        log.exception("commit failed")
        raise NotSaved(gettext("Lỗi hệ thống. Thao tác chưa được thực hiện; "
                               "vui lòng thử lại sau."), 500) from failure
    return answer


def undo(cookie: dict[str, Any]) -> None:
    """Nothing of the route stays: not its writes, nor what it put in the signed-in
    session (a sign-in, a message announcing a success)."""
    g.db.rollback()
    flask_session.clear()
    flask_session.update(cookie)
    g.pop("_login_user", None)  # Flask-Login's cache of the signed-in user


def is_conflict(failure: SQLAlchemyError) -> bool:
    """A write another request made first: a key taken, a serialization failure."""
    return isinstance(failure, IntegrityError) or (
        isinstance(failure, DBAPIError)
        and getattr(failure.orig, "sqlstate", None) in RETRYABLE_SQLSTATES)


def conflict() -> NotSaved:
    return NotSaved(gettext("Dữ liệu vừa được thay đổi bởi một thao tác khác nên thao tác "
                            "của bạn chưa được lưu. Vui lòng tải lại trang và thử lại."), 409)


@contextmanager
def attempt() -> Iterator[None]:
    """A step the route may see refused and carry on from: an error raised inside rolls
    back what the step wrote (and nothing the route wrote before it), then propagates."""
    with g.db.begin_nested():
        yield
