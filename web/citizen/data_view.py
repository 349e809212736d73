"""Entered form data shown back to the person, field by field, in words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext

from ..schema_form import Field, flat_values


@dataclass
class Row:
    label: str
    value: str
    depth: int
    group: bool = False


def _show(f: Field, value: Any) -> str:
    options = dict(f.options)
    if f.kind == "checkbox":
        return gettext("Có") if value else gettext("Không")
    if f.kind == "select":
        return options.get(str(value), str(value))
    if isinstance(value, list):
        return ", ".join(options.get(str(v), str(v)) for v in value)
    if f.kind == "date" and isinstance(value, str):
        try:
            return date.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return value
    return str(value)


def rows(fields: list[Field], data: dict[str, Any], depth: int = 0,
         values: dict[str, Any] | None = None) -> list[Row]:
    """Filled fields only; a group is shown when one of its fields is filled."""
    values = flat_values(data) if values is None else values
    out: list[Row] = []
    for f in fields:
        if f.kind == "group":
            children = rows(f.children, data, depth + 1, values)
            if children:
                out.append(Row(f.label, "", depth, group=True))
                out.extend(children)
            continue
        if f.name in values and values[f.name] not in ("", None, []):
            out.append(Row(f.label, _show(f, values[f.name]), depth))
    return out
