"""A dossier's event log told in plain words, newest last. Looks at the dossier are left
out: the timeline folds them per person (dossier_view.viewer_list)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from engine.audit.event_types import EventType
from engine.models import Event
from engine.procedures.bundle import Procedure

from ..event_words import Audience, Reading, describe
from .people import actor_name
from .readable import Item


@dataclass
class Entry:
    at: datetime
    who: str
    text: str
    kind: str
    on_behalf_of: str | None = None
    details: list[Item] = field(default_factory=list)


def entries(events: list[Event], procedure: Procedure, names: dict[str, str],
            lang: str = "vi") -> list[Entry]:
    reading = Reading(procedure=procedure, lang=lang)
    out: list[Entry] = []
    for event in events:
        if event.type == EventType.VIEWED:
            continue
        told = describe(event, Audience.OFFICER, reading)
        if told is None:
            continue
        behalf = (event.payload or {}).get("on_behalf_of")
        out.append(Entry(at=event.at, who=actor_name(names, event.actor), text=told.text,
                         kind=event.type, details=told.details,
                         on_behalf_of=actor_name(names, behalf) if behalf else None))
    return out
