"""What a citizen needs to know of a procedure, read from its newest deployed version."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.models import Procedure as ProcedureRow
from engine.models import ProcedureVersion
from engine.procedures.bundle import MESSAGE_STARTS

CHANNELS = ("online", "counter", "postal")


@dataclass
class Document:
    code: str
    name: str
    required: bool
    signed: bool = False  # only a PDF with a good digital signature is taken


@dataclass
class ProcedureCard:
    code: str
    name: str
    agency: str
    level: str
    field: str
    deadline_days: int
    online_service: str
    fees: list[tuple[str, str, int]]  # (channel, label, amount)
    per_unit: tuple[int, str] | None  # (amount, per what)
    documents: list[Document]
    legal_basis: list[str] = dataclasses.field(default_factory=list)
    result_name: str | None = None
    version: int = 0


def _by_lang(settings: dict[str, Any], key: str, lang: str) -> str:
    if lang == "en" and settings.get(f"{key}_en"):
        return str(settings[f"{key}_en"])
    return str(settings.get(f"{key}_vi") or settings.get(key) or "")


def channel_name(channel: str) -> str:
    return {"online": gettext("Nộp trực tuyến"), "counter": gettext("Nộp trực tiếp"),
            "postal": gettext("Nộp qua bưu chính")}.get(channel, channel)


def level_name(level: str) -> str:
    return {"province": gettext("Cấp tỉnh"), "district": gettext("Cấp huyện"),
            "commune": gettext("Cấp xã")}.get(level, level)


def documents(settings: dict[str, Any], lang: str) -> list[Document]:
    return [Document(str(d["code"]), _by_lang(d, "name", lang), bool(d.get("required")),
                     bool(d.get("signed"))) for d in settings.get("documents", [])]


def _unit_label(start_form: dict[str, Any], field_name: str, lang: str) -> str:
    prop = start_form.get("properties", {}).get(field_name, {})
    if lang == "en" and prop.get("x-title-en"):
        return str(prop["x-title-en"])
    return str(prop.get("title") or field_name)


def describe(version: ProcedureVersion, lang: str) -> ProcedureCard:
    settings = version.settings
    fees = settings.get("fees", {})
    per_unit = None
    if fees.get("per_unit"):
        start = json.loads(version.files.get(f"forms/{settings['start_form']}", "{}"))
        per_unit = (int(fees["per_unit"]["amount"]),
                    _unit_label(start, fees["per_unit"]["field"], lang))
    online = {"full": gettext("Toàn trình"), "partial": gettext("Một phần")}
    return ProcedureCard(
        code=version.procedure.code,
        name=version.procedure.name_en if lang == "en" else version.procedure.name_vi,
        agency=_by_lang(settings, "agency_name", lang) or settings["agency"],
        level=level_name(settings.get("level", "")),
        field=_by_lang(settings, "field", lang),
        deadline_days=int(settings["legal_deadline_working_days"]),
        online_service=online.get(settings.get("online_service", ""), ""),
        fees=[(c, channel_name(c), int(fees.get(c, 0))) for c in CHANNELS if c in fees],
        per_unit=per_unit,
        documents=documents(settings, lang),
        legal_basis=list(settings.get("legal_basis", [])),
        result_name=settings.get("result_name_vi") if lang == "vi" else settings.get("result_name_en"),
        version=version.version,
    )


def newest_versions(session: Session) -> list[ProcedureVersion]:
    """The newest version of every procedure offered to applicants (not the shared
    sub-procedures other procedures call, nor those a partner's message starts), by
    procedure name."""
    newest = (select(ProcedureVersion.procedure_id, func.max(ProcedureVersion.version).label("v"))
              .group_by(ProcedureVersion.procedure_id).subquery())
    return [version for version in session.scalars(
        select(ProcedureVersion).join(ProcedureRow)
        .join(newest, (newest.c.procedure_id == ProcedureVersion.procedure_id)
              & (newest.c.v == ProcedureVersion.version))
        .order_by(ProcedureRow.name_vi))
        if offered(version.settings)]


def offered(settings: dict[str, Any]) -> bool:
    """Whether applicants file this procedure themselves: not a shared sub-procedure
    other procedures call, nor one a partner agency's message starts."""
    return not settings.get("shared") and not settings.get(MESSAGE_STARTS)


def procedure_name(session: Session, code: str, lang: str) -> str:
    row = session.scalar(select(ProcedureRow).where(ProcedureRow.code == code))
    if row is None:
        return code
    return row.name_en if lang == "en" else row.name_vi
