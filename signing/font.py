"""A TrueType font embedded in a PDF as a subset, with the metrics PDF expects.

pyHanko's own font engine writes glyph widths in font units; a font with 2048
units per em (DejaVu Sans) is then drawn with advances twice too wide. Here the
subset is made with fontTools and every width and descriptor metric is scaled to
PDF's 1000 units per em. The font is a Type0 font over a CIDFontType2 with
Identity-H encoding (character code = glyph id of the subset) and a ToUnicode
map, so that text copied or extracted from the stamp is the text written.
"""

from __future__ import annotations

import hashlib
import io
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fontTools import subset as ft_subset
from fontTools import ttLib
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.writer import BasePdfFileWriter

from .errors import StampFontMissing

DEJAVU_SANS = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
# Characters every stamp may need whatever the names: digits and date punctuation.
# Always in the subset, so that subsets (cached by character set) are reused.
ALWAYS = frozenset("0123456789/:.,-+() ")


@dataclass(frozen=True)
class FontSubset:
    """A subset font program and what is needed to write text with it."""

    program: bytes
    postscript_name: str
    glyph_of: dict[str, int]
    widths: dict[int, float]  # glyph id → advance in 1/1000 em
    ascent: float
    descent: float
    cap_height: float
    bbox: tuple[float, float, float, float]

    def width(self, text: str, size: float) -> float:
        """Advance width of `text` at `size` points."""
        return sum(self.widths[self.glyph_of[c]] for c in text) * size / 1000

    def encode(self, text: str) -> bytes:
        """`text` as a PDF hex string of 2-byte glyph ids (Identity-H)."""
        return b"<" + "".join(f"{self.glyph_of[c]:04x}" for c in text).encode() + b">"

    def covers(self, text: str) -> bool:
        return all(c in self.glyph_of for c in text)


def font_path(path: Path | str | None = None) -> Path:
    """The stamp font to use: `path`, or DejaVu Sans from Debian's fonts-dejavu-core."""
    chosen = Path(path) if path else DEJAVU_SANS
    if not chosen.is_file():
        raise StampFontMissing(
            f"stamp font {chosen} not found (Debian: apt-get install fonts-dejavu-core)"
        )
    return chosen


def normalise(text: str) -> str:
    """Vietnamese in precomposed form (NFC): one glyph per letter with its marks."""
    return unicodedata.normalize("NFC", text)


@lru_cache(maxsize=4)
def _font_bytes(path: Path) -> bytes:
    return path.read_bytes()


@lru_cache(maxsize=64)
def subset_font(path: Path, characters: frozenset[str]) -> FontSubset:
    """The subset of font `path` holding `characters` plus `ALWAYS` (cached: making
    one costs ~90 ms with DejaVu Sans, reusing it nothing)."""
    font = ttLib.TTFont(io.BytesIO(_font_bytes(path)), lazy=True)
    cmap = font.getBestCmap()
    wanted = sorted({ord(c) for c in characters | ALWAYS if ord(c) in cmap})
    options = ft_subset.Options()
    options.hinting = False
    options.layout_features = []
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "kern", "FFTM", "BASE", "JSTF", "MATH"]
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6]
    options.notdef_outline = True
    options.glyph_names = False
    subsetter = ft_subset.Subsetter(options)
    subsetter.populate(unicodes=wanted)
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    font = ttLib.TTFont(io.BytesIO(out.getvalue()))
    scale = 1000 / font["head"].unitsPerEm
    order = {name: gid for gid, name in enumerate(font.getGlyphOrder())}
    glyph_of = {chr(code): order[name] for code, name in font.getBestCmap().items()}
    hmtx = font["hmtx"]
    widths = {gid: hmtx[name][0] * scale for name, gid in order.items()}
    head, hhea, os2 = font["head"], font["hhea"], font["OS/2"]
    name = font["name"].getDebugName(6) or path.stem
    return FontSubset(
        program=out.getvalue(),
        postscript_name=name.replace(" ", ""),
        glyph_of=glyph_of,
        widths=widths,
        ascent=hhea.ascent * scale,
        descent=hhea.descent * scale,
        cap_height=getattr(os2, "sCapHeight", hhea.ascent) * scale,
        bbox=(head.xMin * scale, head.yMin * scale, head.xMax * scale, head.yMax * scale),
    )


def _to_unicode(subset: FontSubset) -> bytes:
    """A ToUnicode CMap: each glyph id back to its character."""
    by_glyph: dict[int, str] = {}
    for char, gid in sorted(subset.glyph_of.items()):
        by_glyph.setdefault(gid, char)
    unique = sorted(by_glyph.items())
    lines = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def",
        "/CMapType 2 def",
        "1 begincodespacerange <0000> <FFFF> endcodespacerange",
    ]
    for start in range(0, len(unique), 100):
        chunk = unique[start : start + 100]
        lines.append(f"{len(chunk)} beginbfchar")
        lines += [f"<{gid:04x}> <{char.encode('utf-16-be').hex()}>" for gid, char in chunk]
        lines.append("endbfchar")
    lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(lines).encode("ascii")


def embed_font(writer: BasePdfFileWriter, subset: FontSubset) -> generic.IndirectObject:
    """Add `subset` to the PDF being written; returns the Type0 font to put in a
    resource dictionary."""
    # The subset tag: six capitals, different for different subsets (ISO 32000 9.6.4).
    digest = hashlib.sha256(subset.program).digest()
    tag = "".join(chr(ord("A") + b % 26) for b in digest[:6])
    name = generic.NameObject(f"/{tag}+{subset.postscript_name}")
    program = generic.StreamObject(stream_data=subset.program)
    program["/Length1"] = generic.NumberObject(len(subset.program))
    program.compress()
    descriptor = generic.DictionaryObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/FontDescriptor"),
            generic.NameObject("/FontName"): name,
            generic.NameObject("/Flags"): generic.NumberObject(4),  # symbolic: glyphs by id
            generic.NameObject("/FontBBox"): generic.ArrayObject(
                [generic.FloatObject(round(v, 2)) for v in subset.bbox]
            ),
            generic.NameObject("/ItalicAngle"): generic.NumberObject(0),
            generic.NameObject("/Ascent"): generic.FloatObject(round(subset.ascent, 2)),
            generic.NameObject("/Descent"): generic.FloatObject(round(subset.descent, 2)),
            generic.NameObject("/CapHeight"): generic.FloatObject(round(subset.cap_height, 2)),
            generic.NameObject("/StemV"): generic.NumberObject(80),
            generic.NameObject("/FontFile2"): writer.add_object(program),
        }
    )
    widths = generic.ArrayObject()
    for gid in sorted(subset.widths):
        widths.append(generic.NumberObject(gid))
        widths.append(generic.ArrayObject([generic.FloatObject(round(subset.widths[gid], 2))]))
    cid_font = generic.DictionaryObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/Font"),
            generic.NameObject("/Subtype"): generic.NameObject("/CIDFontType2"),
            generic.NameObject("/BaseFont"): name,
            generic.NameObject("/CIDSystemInfo"): generic.DictionaryObject(
                {
                    generic.NameObject("/Registry"): generic.TextStringObject("Adobe"),
                    generic.NameObject("/Ordering"): generic.TextStringObject("Identity"),
                    generic.NameObject("/Supplement"): generic.NumberObject(0),
                }
            ),
            generic.NameObject("/FontDescriptor"): writer.add_object(descriptor),
            generic.NameObject("/CIDToGIDMap"): generic.NameObject("/Identity"),
            generic.NameObject("/DW"): generic.NumberObject(1000),
            generic.NameObject("/W"): widths,
        }
    )
    to_unicode = generic.StreamObject(stream_data=_to_unicode(subset))
    to_unicode.compress()
    type0 = generic.DictionaryObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/Font"),
            generic.NameObject("/Subtype"): generic.NameObject("/Type0"),
            generic.NameObject("/BaseFont"): name,
            generic.NameObject("/Encoding"): generic.NameObject("/Identity-H"),
            generic.NameObject("/DescendantFonts"): generic.ArrayObject(
                [writer.add_object(cid_font)]
            ),
            generic.NameObject("/ToUnicode"): writer.add_object(to_unicode),
        }
    )
    return writer.add_object(type0)
