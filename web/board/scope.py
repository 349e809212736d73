"""Which agencies' figures a person may see on the leaders' dashboard: a leader those of
the agencies they lead (a leader role in the agency itself, or in a department that
leads a procedure of that agency); administrators and auditors every agency."""

from __future__ import annotations

from dataclasses import dataclass

from flask import request
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import Forbidden
from engine.models import ProcedureVersion

from ..identity import Actor

OVERSEERS = ("admin", "auditor")
AGENCY_PARAM = "co-quan"


@dataclass(frozen=True)
class Scope:
    choices: list[str]  # the agencies the person may pick among
    chosen: list[str] | None  # the agencies counted; None: every agency

    @property
    def chosen_one(self) -> str:
        return self.chosen[0] if self.chosen and len(self.chosen) == 1 else ""


def agency_names(session: Session, lang: str = "vi") -> dict[str, str]:
    """agency code → its name, as its procedures name it."""
    return {s["agency"]: s.get(f"agency_name_{lang}") or s.get("agency_name_vi") or s["agency"]
            for s in session.scalars(select(ProcedureVersion.settings)) if s and s.get("agency")}


def _agencies(session: Session) -> dict[str, set[str]]:
    """agency → the departments that lead its procedures' decisions (leader lanes)."""
    found: dict[str, set[str]] = {}
    for settings in session.scalars(select(ProcedureVersion.settings)):
        agency = (settings or {}).get("agency")
        if not agency:
            continue
        default = settings.get("department") or agency
        found.setdefault(agency, set()).update(
            lane.get("department", default) for lane in (settings.get("lanes") or {}).values()
            if isinstance(lane, dict) and lane.get("role") == "leader")
    return found


def led_agencies(session: Session, actor: Actor) -> list[str] | None:
    """The agencies the actor may see on the dashboard; None: every one."""
    held = actor.departments("leader")
    if any(actor.has_role(r) for r in OVERSEERS) or "*" in held:
        return None
    return sorted(agency for agency, leads in _agencies(session).items()
                  if agency in held or leads & held)


def dashboard_scope(session: Session, actor: Actor) -> Scope:
    """The agencies counted for this request: `?co-quan=` picks one of those the actor
    may see (refused otherwise); without it, all of them."""
    allowed = led_agencies(session, actor)
    choices = allowed if allowed is not None else sorted(_agencies(session))
    picked = request.args.get(AGENCY_PARAM, "").strip()
    if picked:
        if picked not in choices:
            raise Forbidden("you have no access to this agency's figures", agency=picked[:64])
        return Scope(choices, [picked])
    return Scope(choices, allowed)
