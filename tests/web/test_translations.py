"""Vietnamese is the source language; every string the web app can show has an English
translation in one of the catalogues (they are merged when the app starts)."""

from __future__ import annotations

import warnings

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from ..conftest import PROCESSES

WEB = PROCESSES.parent / "web"


def test_every_string_of_the_web_app_has_an_english_translation():
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    found: dict[str, str] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # f-strings passed as arguments, not as the message
        for pattern, method in (("**.py", "python"), ("**.html", "jinja2")):
            for name, line, message, _, _ in extract_from_dir(str(WEB), [(pattern, method)],
                                                              keywords=keywords):
                found.setdefault(message if isinstance(message, str) else message[0],
                                 f"{name}:{line}")
    translated = set()
    for catalogue in (WEB / "translations" / "en" / "LC_MESSAGES").glob("*.po"):
        with catalogue.open("rb") as fh:
            translated |= {m.id for m in read_po(fh) if m.id and m.string}
    assert len(found) > 500  # the extraction saw the app
    assert {where: text for text, where in found.items() if text not in translated} == {}
