"""A task's form as the page offers it: one button per decision the BPMN
gateway tests, and the other fields rendered from the JSON Schema."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from engine.procedures.bundle import Procedure

from .. import schema_form
from .procedure_info import decision_field, required_when

SHORT_LABELS = {
    "receive": _l("Tiếp nhận"),
    "supplement": _l("Yêu cầu bổ sung"),
    "refuse": _l("Từ chối"),
    "approve": _l("Duyệt"),
    "reject": _l("Từ chối"),
    "return": _l("Trả lại"),
}
TONES = {"receive": "go", "approve": "go", "supplement": "warn", "refuse": "stop",
         "reject": "stop", "return": "warn"}


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    meaning: str
    tone: str


@dataclass
class TaskForm:
    decision: str | None
    decision_label: str
    choices: list[Choice]
    fields: list[schema_form.Field]

    def rendered_names(self) -> set[str]:
        names: set[str] = {self.decision} if self.decision else set()

        def walk(fields: list[schema_form.Field]) -> None:
            for f in fields:
                names.add(f.name)
                walk(f.children)

        walk(self.fields)
        return names


def _names(prop: dict[str, Any], lang: str) -> list[str]:
    if lang == "en" and prop.get("x-enumNames-en"):
        return [str(n) for n in prop["x-enumNames-en"]]
    return [str(n) for n in prop.get("x-enumNames") or prop["enum"]]


def build(procedure: Procedure, form: str, lang: str) -> TaskForm:
    schema = procedure.forms.get(form, {"type": "object", "properties": {}})
    decision = decision_field(procedure, form)
    choices: list[Choice] = []
    label = ""
    rest = schema
    if decision:
        prop = schema["properties"][decision]
        label = str(prop.get("x-title-en") if lang == "en" and prop.get("x-title-en")
                    else prop.get("title", decision))
        for value, meaning in zip(prop["enum"], _names(prop, lang), strict=False):
            choices.append(Choice(str(value), str(SHORT_LABELS.get(value, meaning)), meaning,
                                  TONES.get(value, "go")))
        rest = {**schema, "properties": {k: v for k, v in schema["properties"].items()
                                         if k != decision}}
    fields = schema_form.fields(rest, lang)
    if decision:
        meanings = {c.value: c.label for c in choices}
        when = required_when(schema, decision)
        for f in fields:
            if f.name in when:
                note = gettext("Bắt buộc khi chọn: %(choices)s.",
                               choices=", ".join(meanings.get(v, v) for v in when[f.name]))
                f.help = f"{note} {f.help}" if f.help else note
    return TaskForm(decision, label, choices, fields)
