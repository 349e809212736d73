"""A dossier's result documents for officers and auditors: each version (draft, final,
signed) opens in the browser, and a signed one can be checked on the spot."""

from __future__ import annotations

from flask import Response, render_template
from flask_login import current_user

from engine.documents import blobs
from engine.dossiers.runner import get_dossier
from engine.errors import NotFound
from engine.models import Dossier

from ..access import check_dossier_visible
from ..documents import DocumentVersion, find
from ..identity import db, require_role
from ..verification import check_pdf, issuing_agency
from . import bp
from .dossier_pages import SEES_FILES


def _document(code: str, sha256: str) -> tuple[Dossier, DocumentVersion]:
    s = db()
    dossier = get_dossier(s, code)
    check_dossier_visible(s, current_user, dossier)
    version = find(s, dossier.id, sha256)
    if version is None or not blobs.exists(sha256):
        raise NotFound("document not found", dossier=code, document=sha256)
    return dossier, version


@bp.get("/ho-so/<code>/van-ban/<sha256>", endpoint="document")
@require_role(*SEES_FILES)
def document(code: str, sha256: str) -> Response:
    dossier, version = _document(code, sha256)
    response = Response(blobs.get(version.sha256), mimetype=version.media_type)
    response.headers["Content-Disposition"] = f'inline; filename="{dossier.code}-{version.filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/ho-so/<code>/van-ban/<sha256>/kiem-tra", endpoint="document_check")
@require_role(*SEES_FILES)
def document_check(code: str, sha256: str) -> str:
    dossier, version = _document(code, sha256)
    return render_template("officer/document_check.html", code=dossier.code, version=version,
                           checked=check_pdf(blobs.get(version.sha256), issuing_agency(dossier)))
