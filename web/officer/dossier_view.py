"""What the task page and the dossier page show of a dossier: the application
in words, its files, its history and who has looked at it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit.event_types import EventType
from engine.audit.events import history
from engine.dossiers.drafts import attachments_of
from engine.models import Dossier, Event, HumanTask
from engine.procedures.procedures import load_version

from ..documents import dossier_documents
from .people import actor_name, full_names
from .procedure_info import document_names, localized
from .readable import describe
from .timeline import entries


@dataclass
class Viewer:
    """One person's looks at a dossier, folded into a line of its timeline."""

    username: str
    name: str
    views: list[datetime] = field(default_factory=list)  # oldest first

    @property
    def times(self) -> int:
        return len(self.views)

    @property
    def first(self) -> datetime:
        return self.views[0]

    @property
    def last(self) -> datetime:
        return self.views[-1]


def viewer_list(events: list[Event], names: dict[str, str]) -> list[Viewer]:
    """Each officer who opened the dossier (its history's 'viewed' events), with every
    time they did; most recent first."""
    seen: dict[str, Viewer] = {}
    for e in events:
        if e.type == EventType.VIEWED:
            seen.setdefault(e.actor, Viewer(e.actor, actor_name(names, e.actor))).views.append(e.at)
    return sorted(seen.values(), key=lambda v: v.last, reverse=True)


def dossier_context(session: Session, dossier: Dossier, lang: str) -> dict[str, Any]:
    procedure = load_version(session, dossier.procedure_version_id)
    settings = procedure.settings
    events = history(session, dossier.id)
    tasks = list(session.scalars(select(HumanTask).where(HumanTask.dossier_id == dossier.id)
                                 .order_by(HumanTask.id)))
    names = full_names(session, [e.actor for e in events]
                       + [(e.payload or {}).get("on_behalf_of") for e in events]
                       + [t.assignee for t in tasks] + [t.completed_by for t in tasks])
    start_schema = procedure.forms.get(settings["start_form"], {})
    return {
        "dossier": dossier,
        "procedure": procedure,
        "procedure_name": localized(settings, "name"),
        "agency_name": localized(settings, "agency_name"),
        "application": describe(start_schema, dossier.application or {}, lang),
        "attachments": attachments_of(session, dossier_id=dossier.id),
        "documents": document_names(procedure),
        "timeline": entries(events, procedure, names, lang),
        "viewers": viewer_list(events, names),
        "events": events,
        "document_versions": dossier_documents(session, dossier.id),
        "tasks": tasks,
        "names": names,
    }
