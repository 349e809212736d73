"""Anyone holding a result can check it: upload the PDF, or enter the dossier code (the
QR code on every result leads here). The page says who signed, when, and whether each
signature is valid and why — never the applicant's data."""

from __future__ import annotations

import hashlib

from flask import render_template, request
from sqlalchemy import select

from engine.documents import blobs
from engine.documents.registers import numbers_of
from engine.models import Dossier, Job

from ..documents import latest
from ..extensions import limiter
from ..i18n import select_locale
from ..identity import db
from ..verification import Checked, NotAPdf, check_pdf, issuing_agency
from .codes import typed_code
from .lookup import LIMIT, bp


def _issued(sha256: str) -> Dossier | None:
    """The dossier whose signed result has exactly these bytes."""
    dossier_id = db().scalar(select(Job.dossier_id).where(
        Job.operator == "result.sign", Job.status == "done",
        Job.result["document"].as_string() == sha256))
    return db().get(Dossier, dossier_id) if dossier_id else None


def _page(*, code: str = "", checked: Checked | None = None, error: str | None = None,
          dossier: Dossier | None = None, sha256: str | None = None, searched: bool = False,
          status: int = 200) -> tuple[str, int]:
    name, numbers = None, []
    if dossier is not None:
        settings = dossier.procedure_version.settings
        name = settings.get("result_name_en" if select_locale() == "en" else "result_name_vi") \
            or settings.get("result_name_vi")
        numbers = [entry.text for entry in numbers_of(db(), dossier.id)]
    return render_template("public/verify.html", code=code, checked=checked, error=error,
                           dossier=dossier, sha256=sha256, searched=searched,
                           procedure_name=name, numbers=numbers), status


def _no_check() -> bool:
    return request.method == "GET" and not request.args.get("ma")


@bp.route("/xac-minh", methods=["GET", "POST"], endpoint="verify")
@limiter.limit(LIMIT, exempt_when=_no_check)
def verify() -> tuple[str, int]:
    if request.method == "POST":
        upload = request.files.get("tep")
        data = upload.read(10 * 1024 * 1024 + 1) if upload else b""
        sha256 = hashlib.sha256(data).hexdigest()
        dossier = _issued(sha256)
        try:
            checked = check_pdf(data, issuing_agency(dossier))
        except NotAPdf as exc:
            return _page(error=str(exc), searched=True, status=400)
        return _page(checked=checked, sha256=sha256, dossier=dossier, searched=True)
    code = typed_code(request.args.get("ma"))
    if not code:
        return _page()
    dossier = db().scalar(select(Dossier).where(Dossier.code == code))
    signed = latest(db(), dossier.id, "signed") if dossier else None
    if signed is None or not blobs.exists(signed.sha256):
        return _page(code=code, searched=True,
                     error="Không có văn bản kết quả đã ký số nào mang mã hồ sơ này.")
    return _page(code=code, checked=check_pdf(blobs.get(signed.sha256), issuing_agency(dossier)),
                 dossier=dossier,
                 sha256=signed.sha256, searched=True)
