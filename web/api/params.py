"""Reading API requests: the JSON body and page parameters, every problem named."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import gettext

from engine.errors import InvalidInput

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
MAX_PAGE = 1_000_000


def json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput(gettext("Nội dung yêu cầu phải là một đối tượng JSON."),
                           {"(body)": ["must be a JSON object (Content-Type: application/json)"]})
    return body


def page_params() -> tuple[int, int]:
    """(page, per_page) from the query string: page ≥ 1, 1 ≤ per_page ≤ 100."""
    errors: dict[str, list[str]] = {}
    values: dict[str, int] = {}
    for name, default, top in (("page", 1, MAX_PAGE), ("per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE)):
        raw = request.args.get(name)
        if raw is None:
            value = default
        elif raw.isascii() and raw.isdigit() and len(raw) <= 7:
            value = int(raw)
        else:
            value = 0
        if not 1 <= value <= top:
            errors[name] = [f"a whole number from 1 to {top}"]
        values[name] = value
    if errors:
        raise InvalidInput(gettext("Tham số phân trang không hợp lệ."), errors)
    return values["page"], values["per_page"]


def page_of(items: list[Any], page: int, per_page: int, total: int) -> dict[str, Any]:
    return {"items": items, "page": page, "per_page": per_page, "total": total}
