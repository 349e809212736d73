"""Dossiers, tasks and procedures as the API returns them (see openapi.py)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import Attachment, Dossier, HumanTask
from engine.status import PORTAL_STATUS_NAMES, STATUS_NAMES, portal_code

from ..access import today


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def status_json(dossier: Dossier) -> dict[str, Any]:
    vi, en = STATUS_NAMES.get(dossier.status, (dossier.status, dossier.status))
    code = portal_code(dossier.status, dossier.received_at is not None)
    return {"status": dossier.status, "status_name": {"vi": vi, "en": en},
            "portal_status": {"code": code, "name": PORTAL_STATUS_NAMES[code]}}


def dossier_summary(dossier: Dossier) -> dict[str, Any]:
    version = dossier.procedure_version
    return {
        "code": dossier.code,
        "procedure": {"code": version.procedure.code, "version": version.version,
                      "name_vi": version.procedure.name_vi, "name_en": version.procedure.name_en},
        **status_json(dossier),
        "channel": dossier.channel,
        "agency": dossier.agency,
        "applicant_name": dossier.applicant_name,
        "submitted_at": _iso(dossier.submitted_at),
        "appointment_date": _iso(dossier.appointment_date),
        "overdue": dossier.is_overdue(today()),
    }


def task_json(task: HumanTask, dossier_code: str, acting_for: str | None = None) -> dict[str, Any]:
    return {
        "id": task.id, "dossier": dossier_code, "element_id": task.element_id, "name": task.name,
        "role": task.role, "department": task.department, "form": task.form,
        "assignee": task.assignee, "created_at": _iso(task.created_at),
        "due_date": _iso(task.due_date), "acting_for": acting_for,
    }


def dossier_detail(session: Session, dossier: Dossier) -> dict[str, Any]:
    tasks = session.scalars(select(HumanTask).where(
        HumanTask.dossier_id == dossier.id, HumanTask.state == "open").order_by(HumanTask.id))
    return {
        **dossier_summary(dossier),
        "revision": dossier.revision,
        "received_at": _iso(dossier.received_at),
        "finished_at": _iso(dossier.finished_at),
        "fee_amount": dossier.fee_amount,
        "application": dossier.application,
        "open_tasks": [task_json(t, dossier.code) for t in tasks],
    }


def attachment_json(attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.id, "document": attachment.document_code,
        "filename": attachment.filename, "media_type": attachment.media_type,
        "size": attachment.size, "sha256": attachment.sha256,
        "uploaded_at": _iso(attachment.uploaded_at),
        "signatures": attachment.signature_check,
        "reused": attachment.reused,
    }
