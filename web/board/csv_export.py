"""CSV as Excel opens it with Vietnamese intact: UTF-8 with a byte-order mark."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from flask import Response

BOM = "\ufeff"


def percent(rate: float | None) -> str:
    return f"{rate * 100:.1f}" if rate is not None else ""


def csv_response(rows: Iterable[list[Any]], filename: str) -> Response:
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([_safe(cell) for cell in row])
    response = Response(buffer.getvalue().encode("utf-8"), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _safe(cell: Any) -> Any:
    """A text cell a spreadsheet would take for a formula is quoted as text."""
    if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + cell
    return cell
