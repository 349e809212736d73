"""Paper where it is still demanded: from a dossier's signed electronic result the desk
prints an official paper copy (bản giấy) carrying the QR code of the verification link
and the document number. Each print is recorded (engine.dossiers.paper_copies) with its
per-copy fee; the record prints as a slip, the copy itself as a PDF."""

from __future__ import annotations

from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from engine import config
from engine.documents import blobs
from engine.dossiers import paper_copies
from engine.dossiers.runner import get_dossier
from engine.errors import InvalidInput, NotFound
from engine.models import Dossier, PaperCopy, User
from signing.paper_copy import paper_copy_pdf

from ..access import check_dossier_visible, today
from ..citizen.qr import qr_data_uri, qr_modules
from ..documents import DocumentVersion, latest
from ..formats import vn_datetime, vn_money
from ..identity import db, require_role
from ..unit_of_work import attempt
from . import bp
from .procedure_info import localized


def _signed(code: str) -> tuple[Dossier, DocumentVersion]:
    s = db()
    dossier = get_dossier(s, code)
    check_dossier_visible(s, current_user, dossier)
    version = latest(s, dossier.id, "signed")
    if version is None or not blobs.exists(version.sha256):
        raise NotFound(gettext("Hồ sơ chưa có văn bản kết quả đã ký số để in bản giấy."),
                       dossier=code)
    return dossier, version


def verification_link(code: str) -> str:
    """Where the QR code leads: the public check of the dossier's signed result."""
    return f"{config.public_url()}{url_for('public.verify', ma=code)}"


def _context(dossier: Dossier, version: DocumentVersion) -> dict[str, Any]:
    settings = dossier.procedure_version.settings
    return {"dossier": dossier, "version": version,
            "fee_each": paper_copies.fee_per_copy(settings),
            "agency_name": localized(settings, "agency_name"),
            "locality": settings.get("locality_vi") or localized(settings, "agency_name"),
            "result_name": localized(settings, "result_name"),
            "printed": paper_copies.of_dossier(db(), dossier.id)}


@bp.route("/ho-so/<code>/ban-giay", methods=["GET", "POST"], endpoint="paper_copy")
@require_role("reception")
def paper_copy(code: str) -> BaseResponse | tuple[str, int]:
    dossier, version = _signed(code)
    context = _context(dossier, version)
    values = {"copies": "1", "recipient": dossier.applicant_name or ""}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {"copies": request.form.get("copies", ""),
                  "recipient": request.form.get("recipient", "")}
        try:
            with attempt():
                me = db().get(User, current_user.id)
                printed = paper_copies.record(
                    db(), dossier.id, document_sha256=version.sha256,
                    document_number=version.number,
                    copies=int(values["copies"]) if values["copies"].strip().isdigit() else 0,
                    recipient=values["recipient"], fee_each=context["fee_each"],
                    printed_by=current_user.username,
                    printed_by_name=me.full_name if me else current_user.username)
        except InvalidInput as refused:
            errors = {
                "copies": [gettext("Số bản từ 1 đến %(n)s.", n=paper_copies.MAX_COPIES)],
                "recipient": [gettext("Ghi rõ bản giấy được in cho ai.")],
            }
            errors = {key: reasons for key, reasons in errors.items() if key in refused.errors}
        else:
            flash(gettext("Đã ghi nhận in %(n)s bản giấy cho %(who)s.", n=printed.copies,
                          who=printed.recipient))
            return redirect(url_for(".paper_copy_record", code=code, copy_id=printed.id))
    return render_template("officer/paper_copy.html", values=values, errors=errors,
                           max_copies=paper_copies.MAX_COPIES, **context), 400 if errors else 200


def _record(code: str, copy_id: int) -> tuple[Dossier, DocumentVersion, PaperCopy]:
    dossier, version = _signed(code)
    printed = db().get(PaperCopy, copy_id)
    if printed is None or printed.dossier_id != dossier.id:
        raise NotFound(gettext("Không tìm thấy lần in bản giấy này."), dossier=code)
    return dossier, version, printed


@bp.get("/ho-so/<code>/ban-giay/<int:copy_id>", endpoint="paper_copy_record")
@require_role("reception")
def paper_copy_record(code: str, copy_id: int) -> str:
    dossier, version, printed = _record(code, copy_id)
    link = verification_link(dossier.code)
    return render_template(
        "officer/slips/paper_copy.html", record=printed, link=link, qr=qr_data_uri(link),
        title=gettext("Phiếu ghi nhận in bản giấy"), issued=today(),
        **_context(dossier, version))


def paper_copy_lines(dossier: Dossier, printed: PaperCopy, link: str) -> list[str]:
    """The lines the band of each printed page carries."""
    lines = [gettext("BẢN GIẤY IN TỪ VĂN BẢN ĐIỆN TỬ ĐÃ KÝ SỐ"),
             gettext("Số: %(number)s · Mã hồ sơ: %(code)s",
                     number=printed.document_number or "—", code=dossier.code),
             gettext("Xác minh văn bản điện tử: %(link)s", link=link),
             gettext("In lúc %(time)s bởi %(officer)s cho %(who)s · %(n)s bản",
                     time=vn_datetime(printed.printed_at), officer=printed.printed_by_name,
                     who=printed.recipient, n=printed.copies)]
    if printed.fee_total:
        lines.append(gettext("Phí cấp bản giấy: %(n)s × %(each)s = %(total)s",
                             n=printed.copies, each=vn_money(printed.fee_per_copy),
                             total=vn_money(printed.fee_total)))
    return lines


@bp.get("/ho-so/<code>/ban-giay/<int:copy_id>/in.pdf", endpoint="paper_copy_pdf")
@require_role("reception")
def paper_copy_file(code: str, copy_id: int) -> Response:
    dossier, _, printed = _record(code, copy_id)
    link = verification_link(dossier.code)
    pdf = paper_copy_pdf(blobs.get(printed.document_sha256),
                         lines=paper_copy_lines(dossier, printed, link), qr_modules=qr_modules(link))
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'inline; filename="{dossier.code}-ban-giay-{printed.id}.pdf"')
    response.headers["Cache-Control"] = "private, no-store"
    return response
