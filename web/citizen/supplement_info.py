"""What the dossier page needs to ask the applicant for a supplement."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit.event_types import EventType
from engine.models import Dossier, Event, HumanTask
from engine.procedures import procedures

from ..event_words import request_of
from ..schema_form import Field, fields
from .procedure_info import Document, documents

OTHER_DOCUMENT = "khac"


@dataclass
class SupplementForm:
    task: HumanTask
    request: str | None
    title: str
    description: str | None
    fields: list[Field]
    documents: list[Document]
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    summary: list[tuple[str | None, str, str]] = field(default_factory=list)


def open_citizen_task(session: Session, dossier: Dossier) -> HumanTask | None:
    return session.scalar(select(HumanTask).where(
        HumanTask.dossier_id == dossier.id, HumanTask.state == "open",
        HumanTask.role == "citizen").order_by(HumanTask.id))


def last_request(session: Session, dossier: Dossier) -> str | None:
    """The newest supplement request an officer wrote for the applicant."""
    for event in session.scalars(select(Event).where(
            Event.dossier_id == dossier.id, Event.type == EventType.TASK_COMPLETED)
            .order_by(Event.seq.desc())):
        text = request_of(event)
        if text:
            return text
    return None


def supplement_documents(settings: dict[str, Any], lang: str) -> list[Document]:
    return [Document(d.code, d.name, False) for d in documents(settings, lang)] + [
        Document(OTHER_DOCUMENT, gettext("Giấy tờ khác"), False)]


def supplement_form(session: Session, dossier: Dossier, task: HumanTask, lang: str
                    ) -> SupplementForm:
    procedure = procedures.load_version(session, dossier.procedure_version_id)
    schema: dict[str, Any] = procedure.forms.get(task.form or "", {}) if task.form else {}
    title = (schema.get("x-title-en") if lang == "en" else None) or schema.get("title") or task.name
    return SupplementForm(
        task=task, request=last_request(session, dossier), title=str(title),
        description=schema.get("description"), fields=fields(schema, lang) if schema else [],
        documents=supplement_documents(procedure.settings, lang))
