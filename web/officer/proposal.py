"""What a leader decides on, shown at the top of the approval page: the step that
proposed it (the specialist's latest completed step), their decision and opinion and
the result's content they proposed, in words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from engine.models import Dossier, HumanTask
from engine.procedures.bundle import Procedure

from .people import actor_name, full_names
from .prefill import completed_steps
from .readable import Item, decision_text, describe


@dataclass
class Proposal:
    step: str
    by: str
    on_behalf_of: str | None
    at: datetime
    decision: str | None
    items: list[Item]


def proposal_for(session: Session, dossier: Dossier, procedure: Procedure, task: HumanTask,
                 lang: str) -> Proposal | None:
    """The latest step completed before `task` by an officer of another role (for the
    leader's approval: the specialist's review), or None."""
    step = next((s for s in completed_steps(session, dossier, procedure)
                 if s.role not in (None, "citizen", task.role)
                 and (task.state == "open" or task.completed_at is None
                      or s.at <= task.completed_at)), None)
    if step is None:
        return None
    info = procedure.tasks.get(step.element_id)
    schema = procedure.forms.get(info.form or "", {}) if info is not None else {}
    decision = decision_text(schema, step.data, lang)
    shown = {k: v for k, v in step.data.items() if not k.endswith("_decision")}
    names = full_names(session, [step.actor, step.on_behalf_of])
    return Proposal(step.name, actor_name(names, step.actor),
                    actor_name(names, step.on_behalf_of) if step.on_behalf_of else None,
                    step.at, decision, describe(schema, shown, lang))
