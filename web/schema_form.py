"""JSON Schema forms: fields to render, and posted values parsed back to typed data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import MultiDict


@dataclass
class Field:
    name: str  # dotted path, e.g. nguoi_du_dinh_ket_hon.ho_ten
    label: str
    help: str | None
    kind: str  # text|textarea|date|select|multiselect|integer|number|checkbox|group
    required: bool
    options: list[tuple[str, str]] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)
    children: list[Field] = field(default_factory=list)
    # shown only while the field `show_when[0]` holds one of `show_when[1]`
    # ("true"/"false" for a checkbox): the form's if/then rules, for the page's script
    show_when: tuple[str, list[str]] | None = None


def _label(schema: dict[str, Any], name: str, lang: str) -> str:
    if lang == "en" and schema.get("x-title-en"):
        return str(schema["x-title-en"])
    return str(schema.get("title") or name)


def _conditions(schema: dict[str, Any], prefix: str) -> dict[str, tuple[str, list[str]]]:
    """Which field each conditionally required property waits for, from rules
    `if <one property is const/enum> then required [...]`. A property marked
    x-show-always (useful on its own, like an e-mail) is left out."""
    out: dict[str, tuple[str, list[str]]] = {}
    props = schema.get("properties", {})
    for rule in schema.get("allOf", []):
        test = rule.get("if", {}).get("properties", {})
        if len(test) != 1 or "then" not in rule:
            continue
        (name, cond), = test.items()
        values = [cond["const"]] if "const" in cond else cond.get("enum")
        if not isinstance(values, list):
            continue
        words = [str(v).lower() if isinstance(v, bool) else str(v) for v in values]
        for target in rule["then"].get("required", []):
            if target in props and not props[target].get("x-show-always"):
                out[target] = (f"{prefix}{name}", words)
    return out


def fields(schema: dict[str, Any], lang: str = "vi", prefix: str = "") -> list[Field]:
    required = set(schema.get("required", []))
    when = _conditions(schema, prefix)
    out: list[Field] = []
    for name, prop in schema.get("properties", {}).items():
        path = f"{prefix}{name}"
        kind, options, attrs = "text", [], {}
        typ = prop.get("type")
        if typ == "object":
            out.append(Field(path, _label(prop, name, lang), prop.get("description"), "group",
                             name in required, children=fields(prop, lang, f"{path}."),
                             show_when=when.get(name)))
            continue
        if "enum" in prop:
            kind = "select"
            names = prop.get("x-enumNames") or prop["enum"]
            if lang == "en" and prop.get("x-enumNames-en"):
                names = prop["x-enumNames-en"]
            options = [(str(v), str(n)) for v, n in zip(prop["enum"], names, strict=False)]
        elif typ == "array" and "enum" in prop.get("items", {}):
            kind = "multiselect"
            items = prop["items"]
            names = items.get("x-enumNames") or items["enum"]
            options = [(str(v), str(n)) for v, n in zip(items["enum"], names, strict=False)]
        elif typ == "boolean":
            kind = "checkbox"
        elif typ in ("integer", "number"):
            kind = typ
            attrs = {k: prop[k] for k in ("minimum", "maximum") if k in prop}
        elif prop.get("format") == "date":
            kind = "date"
        elif prop.get("x-widget") == "textarea" or prop.get("maxLength", 0) > 300:
            kind = "textarea"
        if "pattern" in prop:
            attrs["pattern"] = prop["pattern"]
        if "maxLength" in prop:
            attrs["maxlength"] = prop["maxLength"]
        out.append(Field(path, _label(prop, name, lang), prop.get("description"), kind,
                         name in required, options, attrs, show_when=when.get(name)))
    return out


_TICKED = ("on", "true", "1", "yes")


def _typed(schema: dict[str, Any], data: dict[str, Any]) -> bool:
    """Whether the applicant wrote anything in a group: a value the form prefilled
    (its default, an unticked box) writes nothing."""
    for name, value in data.items():
        prop = schema.get("properties", {}).get(name, {})
        if isinstance(value, dict):
            if _typed(prop, value):
                return True
        elif value != prop.get("default", False if prop.get("type") == "boolean" else None):
            return True
    return False


def parse(schema: dict[str, Any], form: MultiDict[str, str], prefix: str = "") -> dict[str, Any]:
    """Typed data from posted fields; empty optional fields are left out so the
    schema, not the browser, decides what is missing. An optional group the
    applicant wrote nothing in is left out too, defaults and all, so its own
    required fields are not demanded. A checkbox the page showed (it posts an
    empty value alongside) and left unticked is false."""
    data: dict[str, Any] = {}
    required = set(schema.get("required", []))
    for name, prop in schema.get("properties", {}).items():
        path = f"{prefix}{name}"
        typ = prop.get("type")
        if typ == "object":
            child = parse(prop, form, f"{path}.")
            if child and (name in required or _typed(prop, child)):
                data[name] = child
            continue
        if typ == "array":
            values = [v for v in form.getlist(path) if v != ""]
            if values:
                data[name] = values
            continue
        if typ == "boolean":
            if path in form:
                data[name] = any(v in _TICKED for v in form.getlist(path))
            continue
        raw = form.get(path, "").strip()
        if raw == "":
            continue
        if typ == "integer":
            data[name] = int(raw) if raw.lstrip("-").isdigit() else raw
        elif typ == "number":
            try:
                data[name] = float(raw.replace(",", "."))
            except ValueError:
                data[name] = raw
        else:
            data[name] = raw
    return data


def flat_values(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested data as dotted names, to refill a form."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out.update(flat_values(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out
