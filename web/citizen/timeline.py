"""A dossier's history as its applicant may see it, in plain words. Only what
concerns the applicant is shown: officers' opinions, internal notes, views,
claims, jobs and checkpoints stay out (web.event_words says which)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from engine.models import Dossier, Event

from ..event_words import Audience, Reading, describe, notices_to_applicant


@dataclass
class Entry:
    at: datetime
    text: str
    detail: str | None = None


def citizen_timeline(dossier: Dossier, history: list[Event]) -> list[Entry]:
    """What the applicant reads of the dossier's history (all of its events)."""
    reading = Reading(dossier=dossier, to_applicant=notices_to_applicant(history))
    told = [(event, describe(event, Audience.APPLICANT, reading)) for event in history]
    return [Entry(event.at, t.text, t.detail) for event, t in told if t is not None]
