"""Domain errors. Each carries the context a person needs to act on it; the web
layer maps them to HTTP statuses in one place (`http_status`)."""

from __future__ import annotations


class MotcuaError(Exception):
    http_status = 400

    def __init__(self, message: str, **context: object) -> None:
        super().__init__(message)
        self.message = message
        self.context = {k: v for k, v in context.items() if v is not None}

    def __str__(self) -> str:
        if not self.context:
            return self.message
        ctx = ", ".join(f"{k}={v}" for k, v in self.context.items())
        return f"{self.message} ({ctx})"


class NotFound(MotcuaError):
    http_status = 404


class Forbidden(MotcuaError):
    http_status = 403


class Conflict(MotcuaError):
    """The thing changed under the caller: a task already completed, a stale state."""

    http_status = 409


class InvalidInput(MotcuaError):
    """Data that fails its form schema; `errors` maps each field path to its reasons."""

    def __init__(self, message: str, errors: dict[str, list[str]], **context: object) -> None:
        super().__init__(message, **context)
        self.errors = errors

    def __str__(self) -> str:
        lines = [super().__str__()]
        for field, reasons in self.errors.items():
            for reason in reasons:
                lines.append(f"  - {field}: {reason}")
        return "\n".join(lines)


class BundleInvalid(MotcuaError):
    """A procedure bundle refused at deploy; `problems` lists every finding."""

    def __init__(self, code: str, problems: list[BundleProblem]) -> None:
        super().__init__(f"procedure bundle {code!r} is invalid", procedure=code)
        self.problems = problems

    def __str__(self) -> str:
        return "\n".join([self.message] + [f"  - {p}" for p in self.problems])


class BundleProblem:
    """One finding of bundle validation: file, BPMN element id (if any), reason."""

    def __init__(self, file: str, reason: str, element: str | None = None) -> None:
        self.file, self.reason, self.element = file, reason, element

    def __str__(self) -> str:
        where = f"{self.file}" + (f" [{self.element}]" if self.element else "")
        return f"{where}: {self.reason}"

    def __repr__(self) -> str:
        return f"BundleProblem({self})"


class ScriptRefused(MotcuaError):
    """A script or expression that uses something outside the allow-list."""


class WorkflowError(MotcuaError):
    """The workflow itself failed while taking an input (a script raised, a gateway had
    no way out, or anything that ran the step broke): the input is rolled back.
    `element_id` is where it failed, `detail` the traceback for administrators."""

    http_status = 422

    def __init__(self, message: str, *, element_id: str | None = None,
                 detail: str | None = None, **context: object) -> None:
        super().__init__(message, element_id=element_id, **context)
        self.element_id = element_id
        self.detail = detail
        self.dossier_id: int | None = None  # set by the runner: whose input failed
