"""Open tasks of the caller, and completing one with its form data."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from sqlalchemy import func, select

from engine.errors import InvalidInput
from engine.models import HumanTask

from .. import task_completion
from ..identity import db
from ..nul_characters import refuse_nul
from . import bp
from .auth import api_actor
from .params import json_body, page_of, page_params
from .scope import acting_for, open_tasks, visible_task
from .serialize import dossier_detail, task_json


@bp.get("/tasks")
def list_tasks() -> dict[str, Any]:
    page, per_page = page_params()
    query, acting = open_tasks(db(), api_actor())
    total = db().scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db().execute(query.order_by(HumanTask.due_date.is_(None), HumanTask.due_date,
                                       HumanTask.id)
                        .offset((page - 1) * per_page).limit(per_page))
    items = [task_json(task, code, acting_for(acting, task)) for task, code in rows]
    return page_of(items, page, per_page, total)


@bp.post("/tasks/<int:task_id>/complete")
def complete_task(task_id: int) -> dict[str, Any]:
    """The same rules as the officers' task page (web.task_completion): role, department,
    delegation, a colleague's claim, consent to sign with `passphrase`, the form, the
    apology slip of an overdue dossier."""
    actor = api_actor()
    body = json_body()
    data, revision = body.get("data", {}), body.get("expected_revision")
    passphrase = body.get("passphrase")
    errors: dict[str, list[str]] = {}
    if not isinstance(data, dict):
        errors["data"] = ["must be an object (the task's form data)"]
    if revision is not None and (not isinstance(revision, int) or isinstance(revision, bool)):
        errors["expected_revision"] = ["must be a whole number"]
    if passphrase is not None and not isinstance(passphrase, str):
        errors["passphrase"] = ["must be a string (the passphrase of your signing key)"]
    refuse_nul(errors, data, "")
    if errors:
        raise InvalidInput(gettext("Yêu cầu hoàn thành bước xử lý không hợp lệ."), errors)
    task = visible_task(db(), actor, task_id)
    try:
        done = task_completion.complete(db(), actor, task, data, passphrase=passphrase,
                                        expected_revision=revision)
    except task_completion.SigningRefused as refused:
        if refused.passphrase_at_fault:
            raise InvalidInput(refused.message, {"passphrase": [refused.message]},
                               task=task.id) from None
        raise
    result = dossier_detail(db(), done.dossier)
    return result
