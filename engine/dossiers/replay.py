"""Replay: run the pinned procedure version afresh on the recorded inputs and
compare what the workflow produces with what was recorded."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from .. import status as st
from ..audit.events import INPUT_TYPES, MACHINE_TYPES, canonical_json, history
from ..errors import MotcuaError
from ..models import Dossier, Event
from ..procedures.procedures import load_version
from .machine import DossierMachine, Input


@dataclass(frozen=True)
class ReplayReport:
    dossier_code: str
    inputs: int
    consistent: bool
    event_seq: int | None = None
    expected: Any = None
    found: Any = None

    def __str__(self) -> str:
        if self.consistent:
            return f"{self.dossier_code}: consistent ({self.inputs} inputs replayed)"
        return (f"{self.dossier_code}: DIVERGES at event {self.event_seq}: "
                f"expected {self.expected} but found {self.found}")


def _normal(type_: str, payload: dict[str, Any]) -> tuple[str, Any]:
    payload = json.loads(canonical_json(payload))
    if type_ == "status_changed":
        payload.pop("portal_code", None)
    return type_, payload


def replay(session: Session, dossier: Dossier) -> ReplayReport:
    events = history(session, dossier.id)
    procedure = load_version(session, dossier.procedure_version_id)
    machine = DossierMachine.new(procedure)
    status, received, inputs = st.SUBMITTED, False, 0
    for index, event in enumerate(events):
        if event.type not in INPUT_TYPES:
            continue
        inputs += 1
        recorded = _recorded_after(events, index)
        inp = Input(event.type, event.at, event.actor, element_id=event.payload.get("element_id"),
                    data=event.payload.get("data") or {}, instance=event.payload.get("instance"))
        try:
            outcome = machine.apply(inp, status, received)
        except MotcuaError as exc:
            return ReplayReport(dossier.code, inputs, False, event.seq,
                                f"input {event.type} accepted", f"refused: {exc}")
        produced = [_normal(t, p) for t, p in outcome.machine_events(status)]
        for position, found in enumerate(produced):
            if position >= len(recorded):
                return ReplayReport(dossier.code, inputs, False, event.seq,
                                    "nothing more after this input", found)
            seq, expected = recorded[position]
            if expected != found:
                return ReplayReport(dossier.code, inputs, False, seq, expected, found)
        if len(recorded) > len(produced):
            seq, expected = recorded[len(produced)]
            return ReplayReport(dossier.code, inputs, False, seq, expected, "nothing")
        status = outcome.status
        received = received or st.counts_as_received(status)
    return ReplayReport(dossier.code, inputs, True)


def _recorded_after(events: list[Event], index: int) -> list[tuple[int, tuple[str, Any]]]:
    found = []
    for event in events[index + 1:]:
        if event.type in INPUT_TYPES:
            break
        if event.type in MACHINE_TYPES:
            found.append((event.seq, _normal(event.type, event.payload)))
    return found
