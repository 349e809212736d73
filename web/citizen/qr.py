"""QR codes as data URIs (the page's CSP allows img-src data:), or as rows of modules
for a PDF to draw."""

from __future__ import annotations

import segno


def qr_data_uri(text: str) -> str:
    return segno.make(text, error="m").svg_data_uri(scale=4, border=2, dark="#1d2733")


def qr_modules(text: str) -> list[list[bool]]:
    """The same QR code's modules, dark or light, row by row, quiet zone included."""
    return [[bool(v) for v in row] for row in segno.make(text, error="m").matrix_iter(border=2)]
