"""Departments as the system knows them: the lanes of deployed procedures, their
receiving agencies, and the departments named in users' roles (read-only)."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import render_template
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import Procedure, ProcedureVersion, User, UserRole

from ..identity import db, require_role
from . import bp
from .labels import ROLE_LABELS

ALL = "*"


@dataclass
class Department:
    code: str
    agency_of: set[str] = field(default_factory=set)  # procedures it receives for
    lanes: set[tuple[str, str]] = field(default_factory=set)  # (procedure, role)
    holders: list[tuple[User, str]] = field(default_factory=list)  # (user, role)

    @property
    def in_procedures(self) -> bool:
        return bool(self.agency_of or self.lanes)


def _from_procedures(session: Session) -> dict[str, Department]:
    found: dict[str, Department] = {}
    rows = session.execute(select(Procedure.code, ProcedureVersion.settings).join(ProcedureVersion))
    for code, settings in rows:
        if settings.get("shared"):  # runs in its callers' agencies and departments
            continue
        agency = settings.get("agency")
        if agency:
            found.setdefault(agency, Department(agency)).agency_of.add(code)
        default = settings.get("department") or agency or ""
        for lane in (settings.get("lanes") or {}).values():
            role = lane.get("role") if isinstance(lane, dict) else None
            if role and role != "citizen":
                # a lane routed by the dossier's data lists the departments it may name
                for dept in lane.get("departments") or [lane.get("department", default)]:
                    found.setdefault(dept, Department(dept)).lanes.add((code, role))
    return found


def department_overview(session: Session) -> list[Department]:
    """Every department code, from procedures and from users' roles; '*' last."""
    found = _from_procedures(session)
    for user, role, dept in session.execute(
            select(User, UserRole.role, UserRole.department).join(UserRole)
            .where(UserRole.role != "citizen").order_by(User.username)):
        found.setdefault(dept, Department(dept)).holders.append((user, role))
    return sorted(found.values(), key=lambda d: (d.code == ALL, d.code))


def known_departments(session: Session) -> list[str]:
    """The departments a role may name: those of the deployed procedures. Empty while
    no procedure is deployed (then any well-formed code is taken)."""
    return sorted(set(_from_procedures(session)) - {ALL})


def suggested_departments(session: Session) -> list[str]:
    """Codes to offer in a role row: the known ones, else those users hold."""
    return known_departments(session) or sorted(
        set(session.scalars(select(UserRole.department))) - {ALL})


@bp.get("/phong-ban")
@require_role("admin")
def departments() -> str:
    return render_template("admin/departments.html", departments=department_overview(db()),
                           labels=ROLE_LABELS)
