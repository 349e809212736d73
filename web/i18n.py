"""Vietnamese is the source language of every string; English comes from the
catalogues in translations/en/LC_MESSAGES/*.po (one file per blueprint),
merged and compiled into messages.mo when the app starts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations
from flask import g, session
from flask_babel import get_translations
from flask_login import current_user
from jinja2 import Environment, pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
LANGUAGES = ("vi", "en")


def compile_catalogs(root: Path = TRANSLATIONS) -> None:
    for lang_dir in root.iterdir():
        folder = lang_dir / "LC_MESSAGES"
        sources = sorted(folder.glob("*.po"))
        target = folder / "messages.mo"
        if not sources or (target.exists() and target.stat().st_mtime >= max(
                p.stat().st_mtime for p in sources)):
            continue
        merged = Catalog(locale=lang_dir.name)
        for source in sources:
            with source.open("rb") as fh:
                for message in read_po(fh, locale=lang_dir.name):
                    if message.id and message.string:
                        merged.add(message.id, message.string)
        tmp = target.with_suffix(".tmp")
        with tmp.open("wb") as fh:
            write_mo(fh, merged)
        tmp.replace(target)


def select_locale() -> str:
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    if getattr(current_user, "is_authenticated", False) and current_user.locale in LANGUAGES:
        return current_user.locale
    return "vi"


def request_catalogue() -> NullTranslations:
    """This request's catalogue, found once per request: flask_babel looks it up anew
    on every call (several context lookups, some 7 µs), and a list page translates
    hundreds of labels."""
    try:
        return g._catalogue
    except AttributeError:
        g._catalogue = get_translations()
        return g._catalogue


@pass_eval_context
def template_gettext(eval_ctx: EvalContext, string: str, **variables: Any) -> str:
    """`_()` in templates: jinja's newstyle gettext (escaped variables in an HTML
    template; `%%` for a literal percent sign), one call deep instead of three."""
    text = request_catalogue().ugettext(string)
    if eval_ctx.autoescape:
        text = Markup(text)
    return text % variables


def install_template_gettext(env: Environment) -> None:
    """Templates' `_()` reads the request's catalogue (request_catalogue)."""
    env.globals.update(_=template_gettext, gettext=template_gettext)
