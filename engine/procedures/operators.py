"""The registry of service-task handlers. Connectors register here; the engine
only knows the protocol."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class JobContext:
    """What a handler gets: the job, and a read-only view of its dossier."""

    job_id: int
    operator: str
    idempotency_key: str
    params: dict[str, Any]
    dossier_code: str
    procedure_code: str
    attempt: int
    data: dict[str, Any]
    dossier: dict[str, Any]
    settings: dict[str, Any]
    files: dict[str, str]
    # element id -> {"by", "on_behalf_of", "at"} of the latest completion of each human task
    completions: dict[str, dict[str, Any]] = field(default_factory=dict)
    # a sessionmaker, for handlers that keep their own records (what was sent,
    # shipments); each use is its own short transaction, never the job's
    sessions: Any = None


class Handler(Protocol):
    def __call__(self, ctx: JobContext) -> dict[str, Any]: ...


class RetryableError(Exception):
    """A handler failure worth retrying (a gateway timeout, a locked key)."""


class AwaitingCallback(Exception):  # an outcome, not a failure: no "Error" in the name
    """Raised by a handler whose result comes later from an outside party (a payment
    gateway's notification, a cashier). The job waits, is not retried, and is
    completed by `outbox.resume_job`. `details` is kept on the job."""

    def __init__(self, reason: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.details = dict(details or {})


class BusinessError(Exception):
    """A handler's answer that the service was done and refused for a reason of the
    procedure's world (a payment declined, a recipient unknown, a signature refused):
    not retried. It is thrown at the service task as the BPMN error `code`, which an
    error boundary of the task (or of a subprocess around it) catches; with no such
    boundary the job becomes an incident."""

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code
        self.message = message


_handlers: dict[str, Handler] = {}
_recorders: dict[str, Recorder] = {}


class Recorder(Protocol):
    """Writes an operator's own records in the transaction that records a job's
    outcome: `kind` is "waiting" (details of AwaitingCallback) or "completed"
    (the result). Gets the engine's session; must only flush."""

    def __call__(self, session: Any, job: Any, kind: str, data: dict[str, Any]) -> None: ...


def register(operator: str) -> Callable[[Handler], Handler]:
    def decorate(fn: Handler) -> Handler:
        _handlers[operator] = fn
        return fn

    return decorate


def unregister(operator: str) -> None:
    _handlers.pop(operator, None)


def handler_for(operator: str) -> Handler | None:
    return _handlers.get(operator)


def registered() -> frozenset[str]:
    return frozenset(_handlers)


def register_recorder(operator: str) -> Callable[[Recorder], Recorder]:
    def decorate(fn: Recorder) -> Recorder:
        _recorders[operator] = fn
        return fn

    return decorate


def recorder_for(operator: str) -> Recorder | None:
    return _recorders.get(operator)
