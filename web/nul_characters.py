"""Text the database cannot store: PostgreSQL's JSONB and text refuse the NUL character,
so a request carrying one is refused up front (400, the field named) on both databases:
API bodies field by field, every form and query of the app before any route runs."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import gettext

from engine.errors import InvalidInput


def nul_paths(value: Any, path: str) -> list[str]:
    """The paths under `path` of every key or string that holds a NUL character."""
    if isinstance(value, str):
        return [path] if "\x00" in value else []
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            found += [child] if "\x00" in str(key) else nul_paths(item, child)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += nul_paths(item, f"{path}.{index}" if path else str(index))
    return found


def refuse_nul(errors: dict[str, list[str]], value: Any, path: str) -> None:
    """Add a problem to `errors` for every NUL character in `value`."""
    for where in nul_paths(value, path):
        errors.setdefault(where, []).append("must not contain the NUL character (U+0000)")


def refuse_nul_in_forms() -> None:
    """Before every request: a query or form field, or an uploaded file's name, holding a
    NUL character is refused (400, the field named) before any page stores it."""
    errors: dict[str, list[str]] = {}
    for source in (request.args, request.form):
        for key, values in source.lists():
            key = key or ""  # a multipart part can come without a readable name
            if "\x00" in key or any("\x00" in (v or "") for v in values):
                errors.setdefault(key.replace("\x00", "?"), []).append(
                    gettext("Không được chứa ký tự NUL (U+0000)."))
    for key, upload in request.files.items(multi=True):
        if "\x00" in (upload.filename or ""):
            errors.setdefault(key, []).append(gettext("Tên tệp không được chứa ký tự NUL (U+0000)."))
    if errors:
        raise InvalidInput(gettext("Yêu cầu chứa ký tự không hợp lệ."), errors)
