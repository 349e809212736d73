"""The engine's per-field form errors (jsonschema's English) said in the page's language."""

from __future__ import annotations

import re

from flask_babel import gettext

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^is required$"), "required"),
    (re.compile(r"is too short$"), "short"),
    (re.compile(r"is too long$"), "long"),
    (re.compile(r"does not match"), "pattern"),
    (re.compile(r"is not one of"), "enum"),
    (re.compile(r"was expected$"), "const"),
    (re.compile(r"is not a '(\w[\w-]*)'$"), "format"),
    (re.compile(r"is not of type"), "type"),
    (re.compile(r"is less than( or equal to)? the minimum of (\S+)$"), "minimum"),
    (re.compile(r"is greater than( or equal to)? the maximum of (\S+)$"), "maximum"),
    (re.compile(r"is not valid under any of the given schemas$"), "any_of"),
    (re.compile(r"has non-unique elements$"), "unique"),
    (re.compile(r"Additional properties are not allowed"), "additional"),
]


def _say(kind: str, match: re.Match[str]) -> str:
    if kind == "required":
        return gettext("Trường này bắt buộc.")
    if kind == "short":
        return gettext("Nội dung quá ngắn.")
    if kind == "long":
        return gettext("Nội dung quá dài.")
    if kind == "pattern":
        return gettext("Không đúng định dạng.")
    if kind == "enum":
        return gettext("Giá trị không nằm trong danh sách cho phép.")
    if kind == "const":
        return gettext("Cần đánh dấu xác nhận mục này.")
    if kind == "format":
        return gettext("Không đúng định dạng (%(format)s).", format=match.group(1))
    if kind == "type":
        return gettext("Kiểu dữ liệu không đúng.")
    if kind == "minimum":
        return gettext("Giá trị nhỏ nhất là %(value)s.", value=match.group(2))
    if kind == "maximum":
        return gettext("Giá trị lớn nhất là %(value)s.", value=match.group(2))
    if kind == "any_of":
        return gettext("Cần khai ít nhất một trong các thông tin cho phép.")
    if kind == "unique":
        return gettext("Có giá trị bị lặp lại.")
    return gettext("Có thông tin không thuộc biểu mẫu.")


def translate(message: str) -> str:
    for pattern, kind in _PATTERNS:
        match = pattern.search(message)
        if match:
            return _say(kind, match)
    return message


def field_errors(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    return {field: [translate(m) for m in messages] for field, messages in errors.items()}
