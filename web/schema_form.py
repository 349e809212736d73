"""JSON Schema forms: fields to render, and posted values parsed back to typed data."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from markupsafe import Markup
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

    def shown(self, value: Any) -> str:
        """The value as its input shows it: a date as dd/mm/yyyy, nothing as empty."""
        if self.kind == "date":
            return shown_date(value)
        return "" if value is None else str(value)


# Dates: a person types and reads dd/mm/yyyy (macros/form.html: a text input with that
# placeholder); the schema and the engine keep ISO yyyy-mm-dd.
_TYPED_DATE = re.compile(r"([0-9]{1,2}) *[/.,\- ] *([0-9]{1,2}) *[/.,\- ] *([0-9]{4})"
                         r"|([0-9]{2})([0-9]{2})([0-9]{4})")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_date(text: str) -> str:
    """The ISO date (yyyy-mm-dd) of a date typed day first: 08/03/1995, 8/3/1995,
    08-03-1995, 08.03.1995 or 08031995 (a phone's number pad has no slash). An ISO date
    is taken as it is. Anything else, an impossible day such as 31/02/2025 included,
    comes back as typed: the schema's date format refuses it and the form shows it
    again, as typed, beside the reason."""
    text = text.strip()
    if _ISO_DATE.fullmatch(text):
        return text
    typed = _TYPED_DATE.fullmatch(text)
    if typed is None:
        return text
    day, month, year = (int(g) for g in typed.groups() if g is not None)
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return text


def shown_date(value: Any) -> str:
    """A stored ISO date as a person reads and types it (dd/mm/yyyy); anything else
    (what was typed and refused) as it is."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return value
    return str(value)


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
    schema, not the browser, decides what is missing. A date typed dd/mm/yyyy is
    stored as the ISO date the schema expects (parse_date). An optional group the
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
        elif prop.get("format") == "date":
            data[name] = parse_date(raw)
        elif typ == "number":
            try:
                data[name] = float(raw.replace(",", "."))
            except ValueError:
                data[name] = raw
        else:
            data[name] = raw
    return data


def mark_prefilled(fields: list[Field], notes: dict[str, str]) -> None:
    """Say beside each field the page filled in for the person where its value came
    from (notes: dotted name → note): a small note before the field's help, which the
    page's script takes away once the value is changed."""
    for f in fields:
        mark_prefilled(f.children, notes)
        if f.name in notes:
            note = Markup('<span class="prefilled">{}</span>').format(notes[f.name])
            f.help = note + (Markup(" ") + f.help if f.help else "")


def flat_values(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested data as dotted names, to refill a form."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out.update(flat_values(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out
