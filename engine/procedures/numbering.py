"""`[numbering]` of procedure.toml: how a procedure's results are numbered. The numbers
themselves are given in engine/documents/registers.py."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from typing import Any

FIELDS = frozenset({"number", "year"})
MAX_TEXT = 100
SPEC = re.compile(r"(0[1-9])?d?")  # "", "d", "02d", ... "09d"


@dataclass(frozen=True)
class Numbering:
    """`[numbering]` of procedure.toml: `register` names the sequence (shared by every
    procedure of the agency that names it), `format` prints a number, `book` the
    register's volume ("Quyển số"), both with `{number}` and `{year}`."""

    register: str
    format: str
    book: str | None = None

    def text(self, number: int, year: int) -> str:
        return self.format.format(number=number, year=year)

    def book_text(self, number: int, year: int) -> str | None:
        return self.book.format(number=number, year=year) if self.book else None


def numbering_problems(value: Any) -> list[str]:
    """What is wrong with a `[numbering]` table, in words for the analyst."""
    if not isinstance(value, dict):
        return ["[numbering] must be a table with 'register' and 'format'"]
    problems = []
    register = value.get("register")
    if not isinstance(register, str) or not register.strip() or len(register) > 64:
        problems.append("numbering.register must be a name of 1–64 characters")
    for key in ("format", "book"):
        if key == "book" and value.get(key) is None:
            continue
        problem = _format_problem(value.get(key))
        if problem:
            problems.append(f"numbering.{key} {problem}")
    unknown = set(value) - {"register", "format", "book"}
    if unknown:
        problems.append(f"numbering has unknown keys: {', '.join(sorted(unknown))}")
    return problems


def _format_problem(fmt: Any) -> str | None:
    if not isinstance(fmt, str) or not fmt.strip():
        return "must be a text such as \"{number:02d}/{year}/XNTTHN\""
    try:
        for _, name, spec, conversion in string.Formatter().parse(fmt):
            if name is None:
                continue
            if name not in FIELDS or conversion:
                return "may only use {number} and {year}"
            if not SPEC.fullmatch(spec or ""):
                return f"may pad with zeros only, as in {{{name}:02d}} (not {spec!r})"
        if len(fmt.format(number=99999, year=2099)) > MAX_TEXT:
            return f"prints more than {MAX_TEXT} characters"
    except (ValueError, IndexError, KeyError) as exc:
        return f"is not a valid format: {exc}"
    return None


def numbering_of(settings: dict[str, Any]) -> Numbering | None:
    value = settings.get("numbering")
    if not value:
        return None
    return Numbering(value["register"], value["format"], value.get("book"))
