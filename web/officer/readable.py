"""Form data shown to a person: each field under its schema label, enum codes
under their names, dates as dd/mm/yyyy, yes/no in words."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext


@dataclass
class Item:
    label: str
    value: str | None = None
    children: list[Item] = field(default_factory=list)


def _label(prop: dict[str, Any], name: str, lang: str) -> str:
    if lang == "en" and prop.get("x-title-en"):
        return str(prop["x-title-en"])
    return str(prop.get("title") or name)


def _enum_name(prop: dict[str, Any], value: Any, lang: str) -> str:
    names = prop.get("x-enumNames-en") if lang == "en" and prop.get("x-enumNames-en") else \
        prop.get("x-enumNames")
    if names and value in prop.get("enum", []):
        return str(names[prop["enum"].index(value)])
    return str(value)


def value_text(prop: dict[str, Any], value: Any, lang: str = "vi") -> str:
    """One value as a person reads it."""
    if isinstance(value, bool):
        return gettext("Có") if value else gettext("Không")
    if "enum" in prop:
        return _enum_name(prop, value, lang)
    if isinstance(value, list):
        items = prop.get("items", {})
        return "; ".join(value_text(items, v, lang) for v in value)
    if prop.get("format") == "date" and isinstance(value, str):
        try:
            return date.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return value
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10000:
        return f"{value:,}".replace(",", ".")
    return str(value)


def describe(schema: dict[str, Any], data: dict[str, Any], lang: str = "vi") -> list[Item]:
    """The data in the schema's field order; fields the schema does not know come last."""
    props: dict[str, Any] = schema.get("properties", {})
    items: list[Item] = []
    for name in [*props, *(k for k in data if k not in props)]:
        if name not in data or data[name] in (None, "", []):
            continue
        prop = props.get(name, {})
        value = data[name]
        if isinstance(value, dict):
            items.append(Item(_label(prop, name, lang), children=describe(prop, value, lang)))
        else:
            items.append(Item(_label(prop, name, lang), value_text(prop, value, lang)))
    return items


def decision_text(schema: dict[str, Any], data: dict[str, Any], lang: str = "vi") -> str | None:
    """The name of the decision taken in a task's data (e.g. 'Tiếp nhận hồ sơ'), if any."""
    for name, prop in schema.get("properties", {}).items():
        if name.endswith("_decision") and name in data:
            return _enum_name(prop, data[name], lang)
    return None
