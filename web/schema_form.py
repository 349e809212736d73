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


def _label(schema: dict[str, Any], name: str, lang: str) -> str:
    if lang == "en" and schema.get("x-title-en"):
        return str(schema["x-title-en"])
    return str(schema.get("title") or name)


def fields(schema: dict[str, Any], lang: str = "vi", prefix: str = "") -> list[Field]:
    required = set(schema.get("required", []))
    out: list[Field] = []
    for name, prop in schema.get("properties", {}).items():
        path = f"{prefix}{name}"
        kind, options, attrs = "text", [], {}
        typ = prop.get("type")
        if typ == "object":
            out.append(Field(path, _label(prop, name, lang), prop.get("description"), "group",
                             name in required, children=fields(prop, lang, f"{path}.")))
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
                         name in required, options, attrs))
    return out


def parse(schema: dict[str, Any], form: MultiDict[str, str], prefix: str = "") -> dict[str, Any]:
    """Typed data from posted fields; empty optional fields are left out so the
    schema, not the browser, decides what is missing."""
    data: dict[str, Any] = {}
    for name, prop in schema.get("properties", {}).items():
        path = f"{prefix}{name}"
        typ = prop.get("type")
        if typ == "object":
            child = parse(prop, form, f"{path}.")
            if child:
                data[name] = child
            continue
        if typ == "array":
            values = [v for v in form.getlist(path) if v != ""]
            if values:
                data[name] = values
            continue
        if typ == "boolean":
            if path in form:
                data[name] = form.get(path) in ("on", "true", "1", "yes")
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
