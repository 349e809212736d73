"""HTML to PDF/A with WeasyPrint, and the signature field where the template reserves it.

WeasyPrint because result templates are HTML and CSS that analysts write (two-column
national heading, tables), its HarfBuzz shaping places Vietnamese diacritics
correctly, and it writes PDF/A-2b. It costs more per page than drawing with reportlab,
but one result per dossier is far from the bottleneck (see bench/signing.py).

Decree 30/2020 asks for Times New Roman. Templates name it; here it is mapped to the
first installed font that has every Vietnamese letter (Liberation Serif 2, metric-
compatible with Times New Roman, then DejaVu Serif), so a machine without the font
never falls back glyph by glyph to a mixture of faces.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from fontTools.ttLib import TTFont

from engine import config
from signing import SignatureBox, reserve_signature_fields

PX_TO_PT = 0.75  # CSS px are 1/96 in, PDF points 1/72 in
# The elements a template sizes and places, and the signature field each becomes:
# the signing officer's, then the organisation's own (chữ ký số của cơ quan).
SIGNER_ANCHOR, SEAL_ANCHOR = "signature-box", "seal-box"
SIGNATURE_ANCHORS = {SIGNER_ANCHOR: "LanhDao", SEAL_ANCHOR: "CoQuan"}
MIN_BOX = (120, 50)  # points
PDF_VARIANT = "pdf/a-2b"
VIETNAMESE = "ĂăÂâĐđÊêÔôƠơƯưẠạẢảẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặẸẹẺẻẼẽẾếỀềỂểỄễỆệỈỉỊịỌọỎỏỐốỒồỔổỖỗỘộỚớỜờỞởỠỡỢợỤụỦủỨứỪừỬửỮữỰựỲỳỴỵỶỷỸỹ"
FONT_DIRS = [Path("/usr/share/fonts/truetype"), Path("/usr/local/share/fonts")]
SERIF_CANDIDATES = [
    ("liberation2", "LiberationSerif-{style}.ttf",
     {"regular": "Regular", "bold": "Bold", "italic": "Italic", "bolditalic": "BoldItalic"}),
    ("dejavu", "DejaVuSerif{style}.ttf",
     {"regular": "", "bold": "-Bold", "italic": "-Italic", "bolditalic": "-BoldItalic"}),
]

logging.getLogger("weasyprint").setLevel(logging.ERROR)
logging.getLogger("fontTools").setLevel(logging.ERROR)


class RenderError(Exception):
    """The template cannot become the result document (say why)."""


@dataclass(frozen=True)
class RenderedPdf:
    pdf: bytes
    pages: int
    fields: dict[str, SignatureBox]  # anchor id -> the signature field reserved there


def _covers_vietnamese(path: Path) -> bool:
    cmap = TTFont(str(path), lazy=True).getBestCmap()
    return all(ord(ch) in cmap for ch in VIETNAMESE)


@lru_cache(maxsize=1)
def serif_fonts() -> dict[str, Path]:
    """The installed Vietnamese serif faces, by style (regular, bold, italic, bolditalic)."""
    extra = config.current().font_dir
    dirs = ([extra] if extra else []) + FONT_DIRS
    for folder_name, pattern, styles in SERIF_CANDIDATES:
        for base in dirs:
            files = {k: base / folder_name / pattern.format(style=v) for k, v in styles.items()}
            if all(f.exists() for f in files.values()) and _covers_vietnamese(files["regular"]):
                return files
    raise RenderError("no serif font with Vietnamese letters is installed "
                      "(install Debian's fonts-liberation2 or fonts-dejavu-core)")


@lru_cache(maxsize=1)
def serif_font_css() -> str:
    """@font-face rules mapping "Times New Roman" to an installed Vietnamese serif."""
    rules = []
    for key, path in serif_fonts().items():
        weight = "bold" if "bold" in key else "normal"
        style = "italic" if "italic" in key else "normal"
        for family in ("Times New Roman", "Times", "serif"):
            rules.append(f'@font-face {{ font-family: "{family}"; src: url("{path.as_uri()}");'
                         f" font-weight: {weight}; font-style: {style}; }}")
    return "\n".join(rules)


def _fetcher() -> Any:
    """WeasyPrint's fetcher, narrowed to data: URIs and the serif font files above.
    Templates come from bundles, which carry no other assets: every other URL (other
    files, http, https) is refused and the document renders without it."""
    from weasyprint.urls import URLFetcher

    fonts = frozenset(path.as_uri() for path in serif_fonts().values())

    class BundleFetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:") or url in fonts:
                return super().fetch(url, headers)
            raise ValueError(f"{url[:80]} is outside the document")

    return BundleFetcher(allowed_protocols=("data", "file"), allow_redirects=False)


def _page_css(draft: bool) -> str:
    css = [serif_font_css()]
    if draft:
        css.append(
            'body::after { content: "DỰ THẢO"; position: fixed; top: 40%; left: 0; right: 0;'
            " text-align: center; font-size: 96pt; font-weight: bold; color: #d9d9d9;"
            " transform: rotate(-30deg); z-index: -1; }")
    return "\n".join(css)


def _drop_attachments(document: Any) -> None:
    """A result embeds no files: no <link rel="attachment">, no attachment links."""
    document.metadata.attachments = []
    for page in document.pages:
        page.links = [link for link in page.links if link[0] != "attachment"]


def html_to_pdf(html: str, *, draft: bool = False) -> RenderedPdf:
    """Render `html` to PDF/A-2b; where the template has an element with an id of
    SIGNATURE_ANCHORS, add that empty signature field exactly there (not on drafts)."""
    from weasyprint import CSS, HTML  # heavy import, only where documents are made

    fetcher = _fetcher()
    document = HTML(string=html, base_url=None, url_fetcher=fetcher).render(
        stylesheets=[CSS(string=_page_css(draft), url_fetcher=fetcher)],
        presentational_hints=True)
    _drop_attachments(document)
    fields: dict[str, SignatureBox] = {}
    for index, page in enumerate(document.pages):
        for anchor, field_name in SIGNATURE_ANCHORS.items():
            if anchor not in page.anchors or anchor in fields:
                continue
            left, top, right, bottom = (v * PX_TO_PT for v in page.anchors[anchor])
            if right - left < MIN_BOX[0] or bottom - top < MIN_BOX[1]:
                raise RenderError(f"#{anchor} is {right - left:.0f}×{bottom - top:.0f} pt;"
                                  f" a signature stamp needs at least {MIN_BOX[0]}×{MIN_BOX[1]} pt")
            height = page.height * PX_TO_PT
            fields[anchor] = SignatureBox(field_name, page=index,
                                          box=(left, height - bottom, right, height - top))
    pdf = document.write_pdf(pdf_variant=PDF_VARIANT)
    if fields and not draft:
        pdf = reserve_signature_fields(pdf, list(fields.values()))
    return RenderedPdf(pdf=pdf, pages=len(document.pages), fields=fields)
