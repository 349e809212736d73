"""What an officer's form starts from: the values the dossier already holds.

The rule, in one place. A field of the task's form that the officer has not sent is
filled in with:

- for the signer's name and title (`nguoi_ky`, `chuc_vu_nguoi_ky`, the names the
  result templates read): the officer's account — the full name, and the title
  (chức vụ) their signing certificate for the procedure's agency carries, read as one
  of the field's options;
- for any other field: the value of a field of the same name in the dossier, the
  latest completed step first, then earlier steps, then the application. A name is
  matched by its whole dotted path, else by its last part when that part names one
  field only in the step or the application (the review's `so_tang` is the
  application's `cong_trinh.so_tang`). The value must be valid for the field as the
  form defines it (its type, options and bounds), else the next source is tried.

Never filled in: the decision (the officer chooses it), free text written for this
step (opinions, reasons: textareas), and anything the officer has sent, even empty:
a form shown again after a refusal shows what they sent. The JSON API does not use
this: it takes the data as given."""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography.x509.oid import NameOID
from flask_babel import gettext
from jsonschema import Draft202012Validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.organisation_keys import officer_key
from engine.audit.event_types import EventType
from engine.contacts import FORMAT_CHECKER
from engine.models import Dossier, Event, User
from engine.procedures.bundle import Procedure
from signing.certs import name_part, read_cert

from .. import schema_form
from ..signing_keys import display_name

SIGNER_NAME = "nguoi_ky"
SIGNER_TITLE = "chuc_vu_nguoi_ky"


@dataclass(frozen=True)
class Step:
    """A completed step of the dossier and the data it was completed with."""

    element_id: str
    name: str
    role: str | None
    actor: str
    on_behalf_of: str | None
    at: datetime
    data: dict[str, Any]


@dataclass
class Prefill:
    values: dict[str, Any] = field(default_factory=dict)  # dotted name → value
    notes: dict[str, str] = field(default_factory=dict)  # dotted name → where it came from


def completed_steps(session: Session, dossier: Dossier, procedure: Procedure) -> list[Step]:
    """The dossier's completed human tasks with their data, newest first."""
    found = session.scalars(select(Event).where(
        Event.dossier_id == dossier.id, Event.type == EventType.TASK_COMPLETED)
        .order_by(Event.seq.desc()))
    steps = []
    for event in found:
        payload = event.payload or {}
        element = str(payload.get("element_id") or "")
        info = procedure.tasks.get(element)
        steps.append(Step(element, info.name if info is not None else element,
                          info.role if info is not None else None, event.actor,
                          payload.get("on_behalf_of"), event.at, dict(payload.get("data") or {})))
    return steps


def _leaves(data: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in data.items():
        if isinstance(value, dict):
            yield from _leaves(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


class _Source:
    """One step's data (or the application), looked up by dotted path or by last part."""

    def __init__(self, label: str, data: dict[str, Any]) -> None:
        self.label = label
        self.paths = dict(_leaves(data))
        self.by_leaf: dict[str, list[Any]] = {}
        for path, value in self.paths.items():
            self.by_leaf.setdefault(path.rsplit(".", 1)[-1], []).append(value)

    def get(self, path: str) -> tuple[bool, Any]:
        if path in self.paths:
            return True, self.paths[path]
        same = self.by_leaf.get(path.rsplit(".", 1)[-1], [])
        return (True, same[0]) if len(same) == 1 else (False, None)


def _schema_of(schema: dict[str, Any], path: str) -> dict[str, Any]:
    node = schema
    for part in path.split("."):
        node = node.get("properties", {}).get(part, {})
    return node


def _fits(prop: dict[str, Any], value: Any) -> bool:
    if value in (None, "", []) or not prop or "$ref" in prop:
        return False
    return bool(Draft202012Validator(prop, format_checker=FORMAT_CHECKER).is_valid(value))


def _as_typed(prop: dict[str, Any], value: Any) -> Any:
    """A whole number kept as 55.0 is shown as 55 (the form reads it back as a number)."""
    if prop.get("type") in ("integer", "number") and isinstance(value, float) \
            and value.is_integer():
        return int(value)
    return value


def _walk(fields: Iterable[schema_form.Field]) -> Iterator[schema_form.Field]:
    for f in fields:
        if f.kind == "group":
            yield from _walk(f.children)
        else:
            yield f


def _same_words(a: str, b: str) -> bool:
    def norm(text: str) -> str:
        return " ".join(unicodedata.normalize("NFC", text).casefold().split())

    return norm(a) == norm(b)


def _as_option(prop: dict[str, Any], text: str) -> Any:
    """The value of a choice field whose option reads `text` (e.g. 'Phó Chủ tịch' →
    'pho_chu_tich'); free text as it is; None when no option reads so."""
    if "enum" not in prop:
        return text
    for names in (prop.get("x-enumNames"), prop.get("x-enumNames-en"), prop["enum"]):
        for value, name in zip(prop["enum"], names or [], strict=False):
            if _same_words(str(name), text):
                return value
    return None


def signer_title(username: str, agency: str) -> str | None:
    """The title (chức vụ) on the certificate with which the officer signs `agency`'s
    results; None without a certificate or a title on it."""
    certificate = officer_key(username, agency).with_suffix(".crt")
    if not certificate.is_file():
        return None
    try:
        return name_part(read_cert(certificate).subject, NameOID.TITLE)
    except ValueError:
        return None


def _account(session: Session, username: str, agency: str) -> dict[str, str | None]:
    user = session.scalar(select(User).where(User.username == username))
    return {SIGNER_NAME: display_name(user) if user is not None else None,
            SIGNER_TITLE: signer_title(username, agency)}


def prefill(session: Session, procedure: Procedure, dossier: Dossier, form: str,
            fields: list[schema_form.Field], *, username: str, decision: str | None,
            posted: Collection[str]) -> Prefill:
    """The values the form's fields start from, by the rule of this module, and a note
    for each saying where it came from. `posted`: the names the officer sent."""
    schema = procedure.forms.get(form, {})
    sources = [_Source(step.name, step.data)
               for step in completed_steps(session, dossier, procedure)]
    sources.append(_Source(gettext("đơn, tờ khai"), dossier.application or {}))
    account: dict[str, str | None] | None = None
    found = Prefill()
    for f in _walk(fields):
        if f.name in posted or f.name == decision or f.kind == "textarea":
            continue
        prop = _schema_of(schema, f.name)
        if f.name in (SIGNER_NAME, SIGNER_TITLE):
            if account is None:
                account = _account(session, username, str(procedure.settings.get("agency", "")))
            text = account[f.name]
            value = _as_option(prop, text) if text else None
            if value is not None and _fits(prop, value):
                found.values[f.name] = value
                found.notes[f.name] = gettext("Điền sẵn từ tài khoản của bạn")
            continue
        for source in sources:
            held, value = source.get(f.name)
            if held and _fits(prop, value):
                found.values[f.name] = _as_typed(prop, value)
                found.notes[f.name] = gettext("Điền sẵn từ hồ sơ: %(source)s", source=source.label)
                break
    return found
