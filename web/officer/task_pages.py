"""The task page: the dossier, the history, the task's form (filled in with what the
dossier already holds) and its decisions; claim (one task, or several from the inbox),
release and complete, then on to the next task of the same queue."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from markupsafe import Markup, escape
from werkzeug.wrappers import Response

from engine.deadlines.overdue import SlipRequired
from engine.dossiers.inbox import PAGE_SIZE
from engine.dossiers.officers import claim_task, record_view, release_task
from engine.dossiers.runner import find_task
from engine.errors import Conflict, Forbidden, InvalidInput, NotFound
from engine.models import Dossier, HumanTask
from engine.procedures.bundle import Procedure
from engine.procedures.procedures import load_version

from .. import schema_form, signing_keys, task_completion
from ..documents import latest
from ..form_errors import refusal_messages
from ..formats import vn_datetime
from ..i18n import select_locale
from ..identity import db, require_role
from ..unit_of_work import attempt
from . import OFFICER_ROLES, bp
from .dossier_view import dossier_context
from .inbox_page import next_in_queue, queue_name
from .people import ClaimedByOther, actor_name, authority, full_names
from .prefill import prefill
from .procedure_info import localized
from .proposal import proposal_for
from .task_form import build


def _dossier(task: HumanTask) -> Dossier:
    dossier = db().get(Dossier, task.dossier_id)
    assert dossier is not None
    return dossier


def _who_acts(task: HumanTask) -> tuple[str | None, str | None]:
    """(on behalf of whom the officer acts, or who else has claimed the task)."""
    try:
        return authority(db(), current_user, task), None
    except ClaimedByOther as other:
        return None, other.assignee


def _page(task: HumanTask, *, values: dict[str, Any] | None = None,
          errors: dict[str, list[str]] | None = None, problem: str | None = None,
          status: int = 200) -> tuple[str, int]:
    s = db()
    dossier = _dossier(task)
    lang = select_locale()
    context = dossier_context(s, dossier, lang)
    on_behalf, claimed_by = _who_acts(task)
    names = {**context["names"], **full_names(s, [on_behalf, claimed_by, task.completed_by])}
    procedure = context["procedure"]
    form = build(procedure, task.form, lang) if task.form else None
    signs_on = procedure.tasks[task.element_id].signs_result_on \
        if task.element_id in procedure.tasks else None
    draft = latest(s, dossier.id, "draft") if signs_on else None
    shown_values = dict(values or {})
    if form is not None and task.form and task.state == "open" and not claimed_by:
        # what the officer sent (on a refused completion) stays as they sent it
        posted = set(request.form) if request.method == "POST" else set()
        filled = prefill(s, procedure, dossier, task.form, form.fields,
                         username=current_user.username, decision=form.decision, posted=posted)
        shown_values = {**filled.values, **shown_values}
        schema_form.mark_prefilled(form.fields, filled.notes)
    errors = errors or {}
    shown = form.rendered_names() if form else set()
    loose = {k: v for k, v in errors.items() if k not in shown and k != "signing_passphrase"}
    return render_template(
        "officer/task.html", task=task, form=form, values=shown_values, errors=errors,
        loose_errors=loose, problem=problem, on_behalf=actor_name(names, on_behalf) if on_behalf
        else None, claimed_by=actor_name(names, claimed_by) if claimed_by else None,
        assignee=actor_name(names, task.assignee) if task.assignee else None,
        completed_by=actor_name(names, task.completed_by) if task.completed_by else None,
        completed_behalf=actor_name(names, task.on_behalf_of) if task.on_behalf_of else None,
        signs_on=signs_on, draft=draft, has_key=signing_keys.has_key(current_user.username),
        proposal=proposal_for(s, dossier, procedure, task, lang) if signs_on else None,
        **context), status


@bp.get("/viec/<int:task_id>", endpoint="task")
@require_role(*OFFICER_ROLES)
def task_page(task_id: int) -> tuple[str, int]:
    s = db()
    task = find_task(s, task_id)
    _who_acts(task)  # Forbidden before anything is recorded
    record_view(s, task.dossier_id, current_user.username)
    return _page(task)


@dataclass(frozen=True)
class Claim:
    """How claiming a task went: 'claimed' (now, or already by the officer), 'held' by
    a colleague (`holder`, their name), or 'closed' (the task no longer waits)."""

    outcome: str
    holder: str | None = None


def take(task: HumanTask) -> Claim:
    """Claim `task` for the signed-in officer: the one rule of the task page's “Nhận xử
    lý” and of the inbox's claim of several tasks. Raises Forbidden, before anything is
    recorded, when the task is not for a role and department the officer holds or acts
    for today; a task already theirs stays theirs, nothing recorded again."""
    s = db()
    _who_acts(task)
    if task.assignee == current_user.username and task.state == "open":
        return Claim("claimed")
    if task.assignee:
        return Claim("held", actor_name(full_names(s, [task.assignee]), task.assignee))
    try:
        with attempt():
            claim_task(s, task.id, current_user.username)
    except Conflict:
        return Claim("closed")
    return Claim("claimed")


@bp.post("/viec/<int:task_id>/nhan", endpoint="claim")
@require_role(*OFFICER_ROLES)
def claim(task_id: int) -> Response:
    task = find_task(db(), task_id)
    taken = take(task)
    if taken.outcome == "held":
        flash(gettext("Việc này đã được %(name)s nhận xử lý.", name=taken.holder))
    elif taken.outcome == "closed":
        flash(gettext("Việc này không còn chờ xử lý."))
    else:
        flash(gettext("Bạn đã nhận xử lý việc này."))
    return redirect(url_for("officer.task", task_id=task.id))


@bp.post("/hop-viec/nhan", endpoint="claim_many")
@require_role(*OFFICER_ROLES)
def claim_many() -> Response:
    """Claim the tasks ticked in the inbox, each by the rule of the single claim."""
    s = db()
    ids = list(dict.fromkeys(int(v) for v in request.form.getlist("task") if v.isdigit()))
    if not ids:
        flash(gettext("Chọn ít nhất một việc để nhận xử lý."))
        return redirect(url_for("officer.inbox"))
    if len(ids) > PAGE_SIZE:
        flash(gettext("Mỗi lần nhận được tối đa %(n)s việc.", n=PAGE_SIZE))
        return redirect(url_for("officer.inbox"))
    claimed: list[str] = []
    refused = 0
    for task_id in ids:
        try:
            task = find_task(s, task_id)
            taken = take(task)
        except (Forbidden, NotFound):
            refused += 1
            continue
        code = _dossier(task).code
        if taken.outcome == "claimed":
            claimed.append(code)
        elif taken.outcome == "held":
            flash(gettext("Hồ sơ %(code)s: việc đã được %(name)s nhận xử lý.", code=code,
                          name=taken.holder))
        else:
            flash(gettext("Hồ sơ %(code)s: việc không còn chờ xử lý.", code=code))
    if claimed:
        flash(gettext("Đã nhận xử lý %(n)s việc: %(codes)s.", n=len(claimed),
                      codes=", ".join(claimed)))
    if refused:
        flash(gettext("%(n)s việc không thuộc quyền xử lý của bạn hoặc không còn tồn tại; "
                      "chưa nhận.", n=refused))
    return redirect(url_for("officer.inbox", tab="mine"))


@bp.post("/viec/<int:task_id>/tra-lai", endpoint="release")
@require_role(*OFFICER_ROLES)
def release(task_id: int) -> Response:
    s = db()
    task = find_task(s, task_id)
    _who_acts(task)
    try:
        with attempt():
            release_task(s, task.id, current_user.username)
        flash(gettext("Đã trả lại việc để người khác nhận."))
    except Conflict:
        flash(gettext("Chỉ người đã nhận việc mới trả lại được."))
    return redirect(url_for("officer.task", task_id=task.id))


@bp.post("/viec/<int:task_id>/hoan-thanh", endpoint="complete")
@require_role(*OFFICER_ROLES)
def complete(task_id: int) -> Response | tuple[str, int]:
    s = db()
    task = find_task(s, task_id)
    dossier = _dossier(task)
    procedure = load_version(s, dossier.procedure_version_id)
    schema = procedure.forms.get(task.form or "", {"type": "object", "properties": {}})
    data = schema_form.parse(schema, request.form)
    values = schema_form.flat_values(data)
    try:
        with attempt():
            done = task_completion.complete(s, current_user, task, data,
                                            passphrase=request.form.get("signing_passphrase", ""))
    except task_completion.ClaimedByColleague as claimed:
        return _page(task, values=values, status=409, problem=claimed.message)
    except task_completion.SigningRefused as refused:
        field = "signing_passphrase" if refused.passphrase_at_fault else None
        return _page(task, values=values, status=400, problem=refused.message,
                     errors={field: [refused.message]} if field else None)
    except InvalidInput as invalid:
        validator = procedure.form_validator(task.form) if task.form in procedure.forms else None
        errors = refusal_messages(validator, data, invalid.errors, select_locale())
        return _page(find_task(s, task_id), values=values, errors=errors,
                     status=400, problem=gettext("Biểu mẫu còn lỗi, vui lòng kiểm tra các trường "
                                                 "được đánh dấu."))
    except SlipRequired:
        return _page(find_task(s, task_id), values=values, status=409, problem=Markup(gettext(
            "Hồ sơ %(code)s đã quá hạn: cần <a href=\"%(url)s\">lập phiếu xin lỗi và hẹn lại ngày "
            "trả kết quả</a> trước khi hoàn thành bước này.", code=escape(dossier.code),
            url=url_for("officer.apology_form", code=dossier.code))))
    except Conflict:
        task = find_task(s, task_id)
        if task.state == "completed":
            names = full_names(s, [task.completed_by])
            problem = gettext("Việc này đã được %(name)s hoàn thành lúc %(time)s.",
                              name=actor_name(names, task.completed_by),
                              time=vn_datetime(task.completed_at))
        else:
            problem = gettext("Việc này không còn chờ xử lý.")
        return _page(task, values=values, status=409, problem=problem)
    if done.signed:
        said = gettext("Đã phê duyệt hồ sơ %(code)s. Văn bản kết quả đang được ký số bằng khóa "
                       "của bạn.", code=dossier.code)
    else:
        said = gettext("Đã hoàn thành bước “%(step)s” của hồ sơ %(code)s.", step=task.name,
                       code=dossier.code)
    flash(Markup('{} <a href="{}" data-handled>{}</a>').format(
        said, url_for("officer.dossier", code=dossier.code),
        gettext("Xem lại hồ sơ %(code)s", code=dossier.code)))
    return _onwards(task, procedure)


def _onwards(done: HumanTask, procedure: Procedure) -> Response:
    """After a task: the next open task of its queue, or the inbox when none is left."""
    queue = queue_name(done, localized(procedure.settings, "name"))
    following = next_in_queue(db(), current_user, done, procedure.code)
    if following is not None:
        flash(gettext("Tiếp theo: việc kế tiếp trong hàng việc “%(queue)s”.", queue=queue))
        return redirect(url_for("officer.task", task_id=following))
    flash(gettext("Hàng việc “%(queue)s” không còn việc nào chờ xử lý.", queue=queue))
    return redirect(url_for("officer.inbox"))
