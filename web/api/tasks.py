"""Open tasks of the caller, and completing one with its form data."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from sqlalchemy import func, select

from engine import runner
from engine.errors import InvalidInput
from engine.models import HumanTask

from ..access import task_authority
from ..identity import db
from . import bp
from .auth import api_actor
from .params import json_body, page_of, page_params
from .scope import acting_for, open_tasks
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
    actor = api_actor()
    body = json_body()
    data, revision = body.get("data", {}), body.get("expected_revision")
    errors: dict[str, list[str]] = {}
    if not isinstance(data, dict):
        errors["data"] = ["must be an object (the task's form data)"]
    if revision is not None and (not isinstance(revision, int) or isinstance(revision, bool)):
        errors["expected_revision"] = ["must be a whole number"]
    if errors:
        raise InvalidInput(gettext("Yêu cầu hoàn thành bước xử lý không hợp lệ."), errors)
    task = runner.find_task(db(), task_id)
    on_behalf_of = task_authority(db(), actor, task)
    dossier = runner.complete_task(db(), task.id, data, actor=actor.username,
                                   expected_revision=revision, on_behalf_of=on_behalf_of or None)
    result = dossier_detail(db(), dossier)
    db().commit()  # stored before the client hears 200
    return result
