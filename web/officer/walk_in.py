"""Walk-in registration: reception fills in the application for a citizen at the
counter (channel "counter"), attaches the scanned papers and prints the receipt."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from engine.dossiers.drafts import add_attachment, save_draft, submit_draft
from engine.errors import Forbidden, InvalidInput
from engine.procedures.bundle import Procedure
from engine.procedures.procedures import latest_version, list_versions, load_version

from .. import schema_form
from ..form_errors import field_messages, refusal_messages
from ..i18n import select_locale
from ..identity import db, require_role
from ..unit_of_work import attempt
from ..uploads import Upload, check_upload
from . import bp
from .procedure_info import localized


def _receives(procedure: Procedure) -> bool:
    """Whether the reception officer receives dossiers of this procedure."""
    departments = {t.department for t in procedure.tasks.values() if t.role == "reception"}
    return any(current_user.has_role("reception", d) for d in departments if d)


def defaults(schema: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """The schema's default values as dotted form names, to prefill an empty form.
    Optional groups stay empty: a default there would make the group look filled in."""
    out: dict[str, Any] = {}
    required = set(schema.get("required", []))
    for name, prop in schema.get("properties", {}).items():
        if prop.get("type") == "object":
            if name in required:
                out.update(defaults(prop, f"{prefix}{name}."))
        elif "default" in prop:
            out[f"{prefix}{name}"] = prop["default"]
    return out


@bp.get("/tiep-nhan-truc-tiep", endpoint="walk_in_start")
@require_role("reception")
def walk_in_start() -> str:
    s = db()
    latest = {v.procedure.code: v for v in list_versions(s)}
    choices = []
    for code, version in sorted(latest.items()):
        procedure = load_version(s, version.id)
        if _receives(procedure):
            choices.append((code, localized(procedure.settings, "name"),
                            localized(procedure.settings, "agency_name")))
    return render_template("officer/walk_in_start.html", choices=choices)


def _form_page(procedure: Procedure, values: dict[str, Any], errors: dict[str, list[str]],
               status: int = 200) -> tuple[str, int]:
    lang = select_locale()
    schema = procedure.forms[procedure.settings["start_form"]]
    english = lang == "en"
    documents = [(d["code"], d.get("name_en") if english and d.get("name_en") else d["name_vi"],
                  bool(d.get("required"))) for d in procedure.settings.get("documents", [])]
    return render_template(
        "officer/walk_in.html", procedure=procedure, fields=schema_form.fields(schema, lang),
        values=values, errors=errors, documents=documents,
        procedure_name=localized(procedure.settings, "name"),
        form_title=schema.get("x-title-en") if english and schema.get("x-title-en")
        else schema.get("title"), fee=procedure.settings.get("fees", {}).get("counter", 0)), status


@bp.route("/tiep-nhan-truc-tiep/<procedure_code>", methods=["GET", "POST"], endpoint="walk_in")
@require_role("reception")
def walk_in(procedure_code: str) -> Response | tuple[str, int]:
    s = db()
    procedure = load_version(s, latest_version(s, procedure_code).id)
    if not _receives(procedure):
        raise Forbidden("you do not receive dossiers of this procedure", procedure=procedure_code)
    start_form = procedure.settings["start_form"]
    if request.method == "GET":
        return _form_page(procedure, defaults(procedure.forms[start_form]), {})
    data = schema_form.parse(procedure.forms[start_form], request.form)
    lang, validator = select_locale(), procedure.form_validator(start_form)
    errors = field_messages(validator, data, lang)
    files: list[tuple[str, Upload]] = []
    for document in procedure.settings.get("documents", []):
        name = f"doc.{document['code']}"
        for upload in request.files.getlist(name):
            if not upload.filename:
                continue
            try:  # a converted photo's original is kept beside it, as on the citizens' form
                checked = check_upload(upload, name, signed_required=bool(document.get("signed")))
                files.extend((document["code"], kept) for kept in checked.kept())
            except InvalidInput as refused:
                for key, reasons in refused.errors.items():
                    errors.setdefault(key, []).extend(reasons)
    if errors:
        return _form_page(procedure, schema_form.flat_values(data), errors, 400)
    who = current_user.username
    try:
        with attempt():  # a refused application leaves no draft behind
            draft = save_draft(s, who, procedure_code, data, channel="counter")
            for code, kept in files:
                add_attachment(s, uploaded_by=who, document_code=code, filename=kept.filename,
                               media_type=kept.media_type, data=kept.data, draft_id=draft.id,
                               signature_check=kept.signature_check)
            dossier = submit_draft(s, draft.id, who, actor=who, applicant_user=None)
    except InvalidInput as invalid:
        return _form_page(procedure, schema_form.flat_values(data),
                          refusal_messages(validator, data, invalid.errors, lang), 400)
    flash(gettext("Đã tạo hồ sơ %(code)s (nộp trực tiếp). Bước kiểm tra, tiếp nhận hồ sơ sẽ "
                  "xuất hiện trong hộp việc.", code=dossier.code))
    if dossier.fee_amount:
        flash(gettext("Hồ sơ có phí, lệ phí %(amount)s: thu tiền ở mục “Phí, lệ phí” trên trang "
                      "hồ sơ; bước tiếp nhận mở sau khi đã thu.",
                      amount=f"{dossier.fee_amount:,}".replace(",", ".") + " đ"))
    return redirect(url_for("officer.slip", code=dossier.code, kind="tiep-nhan"))
