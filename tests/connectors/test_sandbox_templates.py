"""Templates from bundles render in Jinja's immutable sandbox, and WeasyPrint reads no
file but the serif fonts: the known escapes raise SecurityError, run nothing, and a
result cannot embed or show a local file."""

from __future__ import annotations

import contextlib
import re
import zlib
from pathlib import Path

import pytest
from jinja2.exceptions import SecurityError

from connectors import notices
from connectors.pdf import html_to_pdf, serif_fonts
from engine.procedures.bundle_templates import bundle_environment

ESCAPES = [
    "{{ cycler.__init__.__globals__.os.popen('touch MARKER').read() }}",
    "{{ joiner.__init__.__globals__.os.system('touch MARKER') }}",
    "{{ namespace.__init__.__globals__.os.system('touch MARKER') }}",
    "{{ lipsum.__globals__['os'].popen('touch MARKER').read() }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ application.__class__.__init__.__globals__ }}",
    "{{ '{0.__class__.__init__.__globals__}'.format(application) }}",
    "{{ application.update({'ho_ten': 'x'}) }}",
    "{{ ('a' * 1000000) * 1000 }}",
]


@pytest.mark.parametrize("source", ESCAPES)
def test_the_known_escapes_raise_security_error(tmp_path, monkeypatch, source):
    monkeypatch.chdir(tmp_path)
    template = bundle_environment().from_string(source)
    with pytest.raises(SecurityError):
        template.render(application={"ho_ten": "An"})
    assert not (tmp_path / "MARKER").exists()


def test_notice_templates_render_in_the_sandbox(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    template = notices._env.from_string("{{ cycler.__init__.__globals__.os.popen('touch MARKER') }}")
    with pytest.raises(SecurityError):
        template.render()
    assert not (tmp_path / "MARKER").exists()


def _pdf_text(pdf: bytes) -> bytes:
    """The PDF with its compressed streams inflated, to search for leaked bytes."""
    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        with contextlib.suppress(zlib.error):
            parts.append(zlib.decompress(match.group(1)))
    return b"\n".join(parts)


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "signing_kek"
    path.write_text("c2VjcmV0LWtleS1lbmNyeXB0aW9uLWtleQ-KEK-MARKER", encoding="utf-8")
    return path


@pytest.mark.parametrize("markup", [
    '<link rel="attachment" href="{url}">',
    '<a rel="attachment" href="{url}">tệp</a>',
    '<link rel="stylesheet" href="{url}">',
    '<img src="{url}">',
    '<object data="{url}" type="text/plain"></object>',
    '<style>@import url("{url}");</style>',
])
def test_a_result_cannot_embed_or_show_a_local_file(secret, markup):
    html = (f"<html><head>{markup.format(url=secret.as_uri())}</head><body>"
            f"<p>Giấy xác nhận</p>{markup.format(url=secret.as_uri())}</body></html>")
    pdf = html_to_pdf(html).pdf
    text = _pdf_text(pdf)
    assert b"KEK-MARKER" not in text and b"EmbeddedFile" not in text


def test_the_fetcher_refuses_other_urls_and_serves_data_and_the_fonts():
    from connectors.pdf import _fetcher

    fetcher = _fetcher()
    for url in ("file:///etc/passwd", "http://127.0.0.1:9/x.png", "https://example.org/a.css",
                f"{next(iter(serif_fonts().values())).as_uri()}/../../../../etc/passwd"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert fetcher.fetch("data:text/plain,xin%20chao").read() == b"xin chao"
    font = next(iter(serif_fonts().values()))
    assert fetcher.fetch(font.as_uri()).read(4) == font.read_bytes()[:4]


def test_results_still_use_the_vietnamese_serif():
    pdf = html_to_pdf('<html><body style="font-family: \'Times New Roman\'">'
                      "<p>Cộng hòa xã hội chủ nghĩa Việt Nam</p></body></html>").pdf
    fonts = re.findall(rb"/BaseFont\s*/(?:[A-Z]{6}\+)?([\w-]+)", _pdf_text(pdf))
    family = b"Liberation" if "liberation" in str(serif_fonts()["regular"]) else b"DejaVu"
    assert fonts and all(family in name for name in fonts), fonts
