"""The applicant answers a request to supplement the dossier."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from engine.dossiers import runner
from engine.errors import NotFound
from engine.models import HumanTask
from engine.procedures import procedures

from ..access import task_authority
from ..form_errors import field_messages, summary
from ..i18n import select_locale
from ..identity import db, require_role
from ..schema_form import flat_values, parse
from ..signed_uploads import signed_documents
from .blueprint import bp
from .dossiers import render_dossier
from .files import store_uploads, upload_field
from .ownership import my_dossier
from .supplement_info import supplement_form


@bp.post("/ho-so/<code>/bo-sung")
@require_role("citizen")
def supplement(code: str) -> Response | tuple[str, int]:
    s, lang = db(), select_locale()
    dossier = my_dossier(s, code)
    task = s.get(HumanTask, request.form.get("task", type=int) or 0)
    if task is None or task.dossier_id != dossier.id:
        raise NotFound(gettext("Không tìm thấy yêu cầu bổ sung."))
    task_authority(s, current_user, task)
    if task.state != "open":
        flash(gettext("Yêu cầu bổ sung này đã được trả lời."))
        return redirect(url_for(".dossier", code=code))
    procedure = procedures.load_version(s, dossier.procedure_version_id)
    form = supplement_form(s, dossier, task, lang)
    data = parse(procedure.forms[task.form], request.form) if task.form else {}
    errors = store_uploads(s, request.files, [d.code for d in form.documents],
                           dossier_id=dossier.id, purpose="supplement",
                           signed=signed_documents(procedure.settings))
    if task.form:
        for key, reasons in field_messages(procedure.form_validator(task.form), data, lang).items():
            errors.setdefault(key, []).extend(reasons)
    if errors:
        form.values, form.errors = flat_values(data), errors
        form.summary = summary(errors, form.fields, {upload_field(d.code): d.name
                                                     for d in form.documents})
        return render_dossier(dossier, 400, supplement=form)
    runner.complete_task(s, task.id, data, actor=current_user.username)
    flash(gettext("Đã gửi nội dung bổ sung. Cơ quan giải quyết sẽ tiếp tục xử lý hồ sơ."))
    return redirect(url_for(".dossier", code=code))
