"""Form problems in plain words, keyed like engine.procedures.forms.field_errors (dotted
field paths), so each message shows next to its field."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from jsonschema.exceptions import ValidationError
from jsonschema.protocols import Validator

from .schema_form import Field


def _prop(root: dict[str, Any], path: list[str]) -> dict[str, Any]:
    node: dict[str, Any] = root
    for part in path:
        node = node.get("properties", {}).get(part, {})
    return node


def _title(schema: dict[str, Any], lang: str) -> str:
    if lang == "en" and schema.get("x-title-en"):
        return str(schema["x-title-en"])
    return str(schema.get("title", ""))


def _message(error: ValidationError, root: dict[str, Any], path: list[str], lang: str) -> str:
    kind, value = error.validator, error.validator_value
    if kind == "required":
        prop = _prop(root, path)
        if prop.get("const") is True:
            return gettext("Bạn cần đánh dấu xác nhận.")
        return gettext("Bắt buộc nhập.")
    if kind == "const":
        return gettext("Bạn cần đánh dấu xác nhận.") if value is True else gettext("Giá trị không hợp lệ.")
    if kind == "pattern":
        return gettext("Không đúng định dạng, xem hướng dẫn của ô nhập.")
    if kind == "minLength":
        return gettext("Cần ít nhất %(n)s ký tự.", n=value)
    if kind == "maxLength":
        return gettext("Tối đa %(n)s ký tự.", n=value)
    if kind in ("minimum", "exclusiveMinimum"):
        return gettext("Giá trị nhỏ nhất là %(n)s.", n=value)
    if kind in ("maximum", "exclusiveMaximum"):
        return gettext("Giá trị lớn nhất là %(n)s.", n=value)
    if kind == "type":
        return {"integer": gettext("Phải là số nguyên."), "number": gettext("Phải là số.")}.get(
            str(value), gettext("Giá trị không hợp lệ."))
    if kind == "format":
        return {"date": gettext("Ngày không hợp lệ."),
                "email": gettext("Địa chỉ thư điện tử không hợp lệ.")}.get(
            str(value), gettext("Không đúng định dạng, xem hướng dẫn của ô nhập."))
    if kind == "enum":
        return gettext("Chọn một giá trị trong danh sách.")
    if kind in ("anyOf", "oneOf") and all(
            isinstance(s, dict) and set(s) == {"required"} for s in value):
        group = _prop(root, path)
        names = [_title(_prop(group, [n]), lang) or n for s in value for n in s["required"]]
        return gettext("Cần nhập ít nhất một trong các thông tin: %(names)s.",
                       names=", ".join(names))
    if kind == "additionalProperties":
        return gettext("Có thông tin không thuộc biểu mẫu.")
    if kind in ("minItems", "maxItems", "uniqueItems"):
        return gettext("Số mục không hợp lệ.")
    return gettext("Giá trị không hợp lệ.")


def field_messages(validator: Validator, data: Any, lang: str = "vi") -> dict[str, list[str]]:
    """Every problem of the data as {dotted path: [plain messages]}."""
    root: dict[str, Any] = validator.schema if isinstance(validator.schema, dict) else {}
    errors: dict[str, list[str]] = {}
    for error in sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]):
        path = []
        for part in error.absolute_path:
            if isinstance(part, int):  # an array's item: the message goes to the array's field
                break
            path.append(str(part))
        if error.validator == "required" and "'" in error.message and len(path) == len(
                error.absolute_path):
            path.append(error.message.split("'")[1])
        message = _message(error, root, path, lang)
        bucket = errors.setdefault(".".join(path) or "(form)", [])
        if message not in bucket:
            bucket.append(message)
    return errors


def refusal_messages(validator: Validator | None, data: Any, refused: dict[str, list[str]],
                     lang: str = "vi") -> dict[str, list[str]]:
    """Why the engine refused a form, in plain words: the form's own problems as
    `field_messages` says them, and any other reason (an upload, a rule of the engine)
    as it was given."""
    messages = field_messages(validator, data, lang) if validator is not None else {}
    for key, reasons in refused.items():
        messages.setdefault(key, list(reasons))
    return messages


def summary(errors: dict[str, list[str]], fields: list[Field], extra_labels: dict[str, str]
            ) -> list[tuple[str | None, str, str]]:
    """Every problem as (anchor of its input or None, field label, message) in the
    form's order, for the list at the top of the form; problems of a whole group or
    of the form appear only there."""
    labels: dict[str, str] = {}
    anchors: set[str] = set(extra_labels)

    def walk(items: list[Field], parent: str = "") -> None:
        for f in items:
            labels[f.name] = f"{parent} › {f.label}" if parent else f.label
            if f.kind == "group":
                walk(f.children, labels[f.name])
            else:
                anchors.add(f.name)

    walk(fields)
    labels.update(extra_labels)
    order = {name: i for i, name in enumerate(labels)}
    keys = sorted(errors, key=lambda k: order.get(k, len(order)))
    return [(f"f-{key}" if key in anchors else None, labels.get(key, ""), message)
            for key in keys for message in errors[key]]
