"""Text the database cannot store: PostgreSQL's JSONB and text refuse the NUL character,
so a request carrying one is refused up front (400, the field named) on both databases."""

from __future__ import annotations

from typing import Any


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
