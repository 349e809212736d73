"""What the officers' pages read from a procedure bundle besides its forms:
lane names, the decision each gateway tests, documents, agency names."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask_babel import get_locale

from engine.bpmn.parser import parse_xml_safely
from engine.procedures.bundle import BPMN_FILE, NS, Procedure

TESTED_NAME = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)\s*(?:==|!=|\bin\b)")


@dataclass(frozen=True)
class BundleFacts:
    lanes: dict[str, str]  # lane id → name in the diagram
    tested: frozenset[str]  # variable names gateways test


_facts: dict[int, tuple[Procedure, BundleFacts]] = {}


def facts(procedure: Procedure) -> BundleFacts:
    """Read once per parsed procedure (parsed procedures are cached and immutable)."""
    cached = _facts.get(id(procedure))
    if cached is not None and cached[0] is procedure:
        return cached[1]
    root = parse_xml_safely(procedure.files[BPMN_FILE].encode(), BPMN_FILE)
    lanes = {lane.get("id", ""): lane.get("name") or lane.get("id", "")
             for lane in root.iterfind(".//bpmn:lane", NS)}
    tested = frozenset(name for cond in root.iterfind(".//bpmn:conditionExpression", NS)
                       for name in TESTED_NAME.findall(cond.text or ""))
    found = BundleFacts(lanes, tested)
    _facts[id(procedure)] = (procedure, found)
    return found


def decision_field(procedure: Procedure, form: str) -> str | None:
    """The form's decision: a required choice that a gateway after the task tests
    (e.g. reception_decision), offered as one button per choice."""
    schema = procedure.forms.get(form, {})
    required = set(schema.get("required", []))
    tested = facts(procedure).tested
    for name, prop in schema.get("properties", {}).items():
        if "enum" in prop and name in required and name in tested:
            return name
    return None


def required_when(schema: dict[str, Any], decision: str) -> dict[str, list[str]]:
    """Fields the schema requires only for some decisions: field → decision values."""
    found: dict[str, list[str]] = {}
    for rule in schema.get("allOf", []):
        condition = rule.get("if", {}).get("properties", {}).get(decision, {})
        value = condition.get("const")
        if value is None:
            continue
        for name in rule.get("then", {}).get("required", []):
            found.setdefault(name, []).append(str(value))
    return found


def localized(settings: dict[str, Any], key: str) -> str:
    """settings[key + '_en'] in English when present, else settings[key + '_vi']."""
    if str(get_locale()) == "en" and settings.get(f"{key}_en"):
        return str(settings[f"{key}_en"])
    return str(settings.get(f"{key}_vi") or settings.get(key) or "")


def document_names(procedure: Procedure) -> dict[str, str]:
    """Document code → name, from procedure.toml [[documents]]."""
    english = str(get_locale()) == "en"
    return {d["code"]: str(d.get("name_en") if english and d.get("name_en") else d["name_vi"])
            for d in procedure.settings.get("documents", [])}
