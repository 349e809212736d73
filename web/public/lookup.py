"""Dossier tracking by code plus the applicant's phone or ID number. A wrong
pair and an unknown code get the same answer, so the page tells nothing of
dossiers one cannot name; attempts are rate-limited."""

from __future__ import annotations

import hmac
import re

from flask import Blueprint, render_template, request

from engine.models import Dossier

from ..extensions import limiter
from ..i18n import select_locale
from ..identity import db
from .codes import by_code, typed_code

bp = Blueprint("public", __name__)
LIMIT = "10 per minute"
MAX_INPUT = 64


def normalise(value: str | None) -> str:
    """Digits (and letters) only; +84 and 84 phone prefixes become 0."""
    text = re.sub(r"[^0-9A-Za-z]", "", (value or "")[:MAX_INPUT]).upper()
    if (value or "").strip().startswith("+84"):
        text = "0" + text[2:]
    return text


def _same(given: str, stored: str | None) -> bool:
    if not stored or not given:
        return False
    return hmac.compare_digest(given.encode(), normalise(stored).encode())


def find(code: str, proof: str) -> Dossier | None:
    """The dossier when the code and the applicant's phone or ID number match, else None."""
    dossier, given = by_code(db(), code), normalise(proof)
    if dossier is None:
        return None
    phone_ok = _same(given, dossier.applicant_phone)
    id_ok = _same(given, dossier.applicant_id_number)
    return dossier if phone_ok or id_ok else None


def _no_lookup() -> bool:
    """Opening the empty form costs nothing; only actual look-ups count."""
    return not (request.args.get("ma") and request.args.get("so"))


@bp.get("/tra-cuu")
@limiter.limit(LIMIT, exempt_when=_no_lookup)
def lookup() -> str:
    code, proof = typed_code(request.args.get("ma")), request.args.get("so", "")
    searched = bool(code and proof.strip())
    dossier = find(code, proof) if searched else None
    name = None
    if dossier is not None:
        proc = dossier.procedure_version.procedure
        name = proc.name_en if select_locale() == "en" else proc.name_vi
    return render_template("public/lookup.html", code=code, searched=searched,
                           dossier=dossier, procedure_name=name)
