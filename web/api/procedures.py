"""Deployed procedures: what can be submitted, with the application's JSON Schema."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from engine.models import Procedure
from engine.procedures import procedures

from ..identity import db
from . import bp


def procedure_json(code: str) -> dict[str, Any]:
    version = procedures.latest_version(db(), code)
    parsed = procedures.load_version(db(), version.id)
    s = parsed.settings
    fees = s.get("fees", {})
    return {
        "code": code, "version": version.version, "name_vi": s["name_vi"], "name_en": s["name_en"],
        "agency": s["agency"], "level": s.get("level"),
        "legal_deadline_working_days": s["legal_deadline_working_days"],
        "fees": {c: fees.get(c, 0) for c in ("online", "counter", "postal")},
        "documents": [{"code": d.get("code"), "name_vi": d.get("name_vi"),
                       "name_en": d.get("name_en"), "required": bool(d.get("required"))}
                      for d in s.get("documents", [])],
        "application_schema": parsed.forms[s["start_form"]],
    }


@bp.get("/procedures")
def list_procedures() -> dict[str, Any]:
    codes = db().scalars(select(Procedure.code).where(Procedure.versions.any())
                         .order_by(Procedure.code))
    # shared sub-procedures are called by procedures, never submitted
    return {"items": [procedure_json(code) for code in codes
                      if not procedures.latest_version(db(), code).settings.get("shared")]}
