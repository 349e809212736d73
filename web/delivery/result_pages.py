"""Officers download a dossier's result documents, as the applicant does."""

from __future__ import annotations

from flask import Response
from flask_login import current_user

from engine import blobs
from engine.errors import NotFound
from engine.runner import get_dossier

from ..access import check_dossier_visible
from ..citizen.dossiers import result_documents
from ..citizen.files import blob_response
from ..identity import db, require_role
from ..officer.dossier_pages import SEES_FILES
from . import bp


@bp.get("/can-bo/ho-so/<code>/ket-qua/<sha256>")
@require_role(*SEES_FILES)
def officer_result(code: str, sha256: str) -> Response:
    s = db()
    dossier = get_dossier(s, code)
    check_dossier_visible(s, current_user, dossier)
    document = next((d for d in result_documents(dossier) if d["sha256"] == sha256), None)
    if document is None or not blobs.exists(sha256):
        raise NotFound("result document not found", dossier=code)
    data = blobs.get(sha256)
    media = document["media_type"] or "text/html"
    if media == "text/html":
        media = "text/html; charset=utf-8"
    suffix = ".pdf" if "pdf" in media else ".html"
    return blob_response(data, media, f"{dossier.code}-ket-qua{suffix}")
