"""The page number a list page is asked for (?trang=, ?page=), refused when it is not one."""

from __future__ import annotations

from flask import request
from flask_babel import gettext

from engine.errors import InvalidInput

MAX_PAGE = 1_000_000


def page_number(name: str = "page") -> int:
    """The page asked for, 1 when none; a clear 400 for anything but 1 … MAX_PAGE."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return 1
    if raw.isascii() and raw.isdigit() and len(raw) <= 7 and 1 <= int(raw) <= MAX_PAGE:
        return int(raw)
    raise InvalidInput(gettext("Số trang không hợp lệ: nhập số nguyên từ 1 đến %(max)s.",
                               max=f"{MAX_PAGE:,}".replace(",", ".")),
                       {name: [f"a whole number from 1 to {MAX_PAGE}"]})
