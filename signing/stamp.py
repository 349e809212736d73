"""The visible signature stamp: who signed, for which organisation, when (Vietnam
time) and why, in Vietnamese with its diacritics, drawn with an embedded font."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pyhanko.pdf_utils import layout
from pyhanko.pdf_utils.content import ResourceType
from pyhanko.pdf_utils.generic import NameObject
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko.stamp import BaseStamp, BaseStampStyle

from .errors import StampFontMissing
from .font import FontSubset, embed_font, font_path, normalise, subset_font
from .vntime import format_vn

RED = (0.75, 0.0, 0.0)


@dataclass(frozen=True)
class StampText:
    """What the stamp says. Labels follow Vietnamese practice for signed documents."""

    signer: str
    signed_at: datetime
    organisation: str | None = None
    title: str | None = None
    reason: str | None = None

    def lines(self) -> list[str]:
        """The stamp's lines, NFC-normalised, empty parts left out. An organisation's
        own signature (signer and organisation the same) names only the organisation,
        as Decree 30/2020 shows it."""
        own = normalise(self.signer) == normalise(self.organisation or "")
        parts = [
            ("Người ký", None if own else self.signer),
            ("Chức vụ", self.title),
            ("Cơ quan", self.organisation),
            ("Thời gian ký", f"{format_vn(self.signed_at)} +07:00"),
            ("Lý do", self.reason),
        ]
        return [normalise(f"{label}: {value}") for label, value in parts if value]


def wrap(text: str, subset: FontSubset, size: float, width: float) -> list[str]:
    """Greedy word wrap of `text` to `width` points; a word too long alone is cut."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if subset.width(candidate, size) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = word
        while subset.width(current, size) > width and len(current) > 1:
            cut = len(current) - 1
            while cut > 1 and subset.width(current[:cut], size) > width:
                cut -= 1
            lines.append(current[:cut])
            current = current[cut:]
    if current:
        lines.append(current)
    return lines


@dataclass(frozen=True)
class VietnameseStampStyle(BaseStampStyle):
    """A pyHanko stamp style drawing `text` in the signature box, in red with a thin
    red border, as large as fits (see `VietnameseStamp.layout`)."""

    text: StampText | None = None
    font: Path | None = None
    max_size: float = 10.0
    min_size: float = 4.0
    wrap_below: float = 7.0
    padding: float = 4.0
    leading: float = 1.25
    colour: tuple[float, float, float] = RED
    border_width: int = 1
    border_color: tuple[float, float, float] | None = field(default=RED)

    def create_stamp(
        self, writer: BasePdfFileWriter, box: layout.BoxConstraints, text_params: dict[str, Any]
    ) -> VietnameseStamp:
        if self.text is None:
            raise ValueError("VietnameseStampStyle needs the stamp text")
        return VietnameseStamp(writer, self, box)


class VietnameseStamp(BaseStamp):
    """One rendered stamp (made by `VietnameseStampStyle.create_stamp`)."""

    style: VietnameseStampStyle

    def layout(self, subset: FontSubset) -> tuple[float, list[str]]:
        """Font size and lines that fit the box: each line whole if that allows at least
        `wrap_below` points, else words wrapped at the largest size that fits (the
        smallest size if none does)."""
        style = self.style
        assert style.text is not None
        width = self.box.width - 2 * style.padding
        height = self.box.height - 2 * style.padding
        whole = style.text.lines()
        widest = max(subset.width(line, 1) for line in whole)
        size = min(style.max_size, width / widest, height / (len(whole) * style.leading))
        if size >= style.wrap_below:
            return size, whole
        size = style.max_size
        while True:
            lines = [part for line in whole for part in wrap(line, subset, size, width)]
            if len(lines) * size * style.leading <= height or size <= style.min_size:
                return size, lines
            size = max(style.min_size, size - 0.25)

    def _render_inner_content(self) -> list[bytes]:
        style = self.style
        assert style.text is not None and self.writer is not None
        text = "".join(style.text.lines())
        path = font_path(style.font)
        subset = subset_font(path, frozenset(text))
        if not subset.covers(text):
            missing = "".join(sorted({c for c in text if c not in subset.glyph_of}))
            raise StampFontMissing(f"the stamp font {path} has no glyph for {missing!r}")
        size, lines = self.layout(subset)
        self.set_resource(ResourceType.FONT, NameObject("/F1"), embed_font(self.writer, subset))
        step = size * style.leading
        block = len(lines) * step
        top = self.box.height - max(style.padding, (self.box.height - block) / 2)
        ops = [b"q %g %g %g rg" % style.colour]
        for index, line in enumerate(lines):
            baseline = top - index * step - subset.ascent * size / 1000
            ops.append(
                b"BT /F1 %g Tf %g %g Td %s Tj ET"
                % (size, style.padding, round(baseline, 2), subset.encode(line))
            )
        ops.append(b"Q")
        return ops
