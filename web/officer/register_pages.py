"""The agencies' registers of issued results (sổ theo dõi văn bản kết quả): every number
given, by register and year, each linked to its dossier."""

from __future__ import annotations

from datetime import datetime

from flask import render_template, request
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import select

from engine.documents.registers import (
    count_entries,
    entries,
    procedures_numbered_in,
    registers_in_use,
)
from engine.models import Procedure

from ..access import visible_dossiers
from ..formats import VN
from ..identity import db, require_role
from ..paging import page_number
from . import bp
from .dossier_pages import SEES_FILES

PAGE_SIZE = 100


@bp.get("/so-van-ban", endpoint="registers")
@require_role(*SEES_FILES)
def registers_view() -> str:
    s = db()
    english = str(get_locale()) == "en"
    names = {code: (en if english else vi) for code, vi, en in s.execute(
        select(Procedure.code, Procedure.name_vi, Procedure.name_en))}
    visible = visible_dossiers(s, current_user)
    in_use = [(agency, register, year) for agency, register, year in registers_in_use(s)
              if count_entries(s, agency, year, register, visible=visible)]
    years = sorted({year for _, _, year in in_use}, reverse=True)
    year_arg = request.args.get("nam", "")
    year = int(year_arg) if year_arg.isascii() and year_arg.isdigit() and len(year_arg) == 4 \
        else (years[0] if years else _this_year())
    numbered_in = procedures_numbered_in(s)
    choices = sorted({(agency, register) for agency, register, y in in_use if y == year})
    procedures_of = {key: [names.get(code, code) for code in numbered_in.get(key, [])]
                     for key in choices}
    chosen = request.args.get("so", "")
    agency, _, register = chosen.partition("/")
    if (agency, register) not in procedures_of:
        agency, register = choices[0] if choices else ("", "")
    page = page_number()
    total = count_entries(s, agency, year, register, visible=visible) if register else 0
    rows = entries(s, agency, year, register, limit=PAGE_SIZE,
                   offset=(page - 1) * PAGE_SIZE, visible=visible) if register else []
    return render_template(
        "officer/registers.html", years=years, year=year, choices=choices,
        procedures_of=procedures_of, agency=agency,
        register=register, rows=rows, names=names, total=total, page=page,
        pages=max(1, -(-total // PAGE_SIZE)))


def _this_year() -> int:
    return datetime.now(VN).year
