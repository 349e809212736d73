"""The procedures catalogue: public, no sign-in needed."""

from __future__ import annotations

from flask import abort, render_template

from engine.errors import NotFound
from engine.procedures import procedures

from ..i18n import select_locale
from ..identity import db
from .blueprint import bp
from .procedure_info import describe, newest_versions


@bp.get("/thu-tuc", endpoint="procedures")
def procedures_list() -> str:
    lang = select_locale()
    cards = [describe(v, lang) for v in newest_versions(db())]
    return render_template("citizen/procedures.html", cards=cards)


@bp.get("/thu-tuc/<code>")
def procedure(code: str) -> str:
    try:
        version = procedures.latest_version(db(), code)
    except NotFound:
        abort(404)
    return render_template("citizen/procedure.html", card=describe(version, select_locale()))
