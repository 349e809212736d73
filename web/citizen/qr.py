"""QR codes as data URIs (the page's CSP allows img-src data:)."""

from __future__ import annotations

import segno


def qr_data_uri(text: str) -> str:
    return segno.make(text, error="m").svg_data_uri(scale=4, border=2, dark="#1d2733")
