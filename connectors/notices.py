"""Notices to applicants and officers: who gets them, in which language, and
their text from the Jinja2 templates in notice_templates/<lang>/<name>.txt
(each with a `subject` and a `body` block; the HTML alternative is made from
the body)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import escape
from sqlalchemy import select

from engine import config
from engine import status as st
from engine.db import transaction
from engine.models import HumanTask, User, UserRole
from engine.procedures.operators import JobContext

TEMPLATES = Path(__file__).resolve().parent / "notice_templates"
LANGUAGES = ("vi", "en")
_env = ImmutableSandboxedEnvironment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=False,
                                     undefined=jinja2.ChainableUndefined,
                                     keep_trailing_newline=False)


@dataclass(frozen=True)
class Person:
    name: str
    email: str | None
    phone: str | None
    lang: str = "vi"


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def render(name: str, lang: str, context: dict[str, Any]) -> Rendered:
    """The notice `name` in `lang` (Vietnamese when the language or the template is unknown)."""
    lang = lang if lang in LANGUAGES else "vi"
    if not (TEMPLATES / lang / f"{name}.txt").exists():
        name = name if (TEMPLATES / "vi" / f"{name}.txt").exists() else "status"
        lang = lang if (TEMPLATES / lang / f"{name}.txt").exists() else "vi"
    template = _env.get_template(f"{lang}/{name}.txt")
    ctx = template.new_context(context)
    subject = " ".join("".join(template.blocks["subject"](ctx)).split())
    text = "".join(template.blocks["body"](ctx)).strip() + "\n"
    return Rendered(subject, text, to_html(subject, text))


def to_html(subject: str, text: str) -> str:
    paragraphs = "".join(f"<p>{escape(p).replace(chr(10), '<br>')}</p>"
                         for p in text.strip().split("\n\n"))
    return (f'<!doctype html><html><head><meta charset="utf-8"><title>{escape(subject)}</title>'
            f'</head><body style="font-family:sans-serif;line-height:1.5">{paragraphs}</body></html>')


def message_id(key: str) -> str:
    """A Message-ID fixed by the job's idempotency key: a copy resent after a
    crash carries the same id, so mail programs can tell it is the same message."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@motcua>"


def _date(value: Any) -> str | None:
    if isinstance(value, datetime | date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return value
    return None


def _money(amount: Any, lang: str) -> str:
    n = int(amount or 0)
    return f"{n:,}".replace(",", ".") + (" đồng" if lang == "vi" else " VND")


def _latest(data: dict[str, Any], decision: str, chosen: str, other: str) -> Any:
    """What an officer wrote for the decision just made (reasons, what is missing)."""
    if data.get(decision) in ("supplement", "reject", "refuse") and data.get(chosen):
        return data[chosen]
    return data.get(other) or data.get(chosen) or data.get("note")


def context(ctx: JobContext, lang: str, person: Person, **extra: Any) -> dict[str, Any]:
    d, s, data, params = ctx.dossier, ctx.settings, ctx.data, ctx.params
    base = config.public_url()
    status = d.get("status") or ""
    names = st.STATUS_NAMES.get(status, (status, status))
    application = d.get("application") or {}
    choice = application.get("hinh_thuc_nhan_ket_qua")
    values = {
        "code": ctx.dossier_code, "applicant": person.name,
        "procedure": s.get("name_en" if lang == "en" else "name_vi") or ctx.procedure_code,
        "agency": s.get("agency_name_en" if lang == "en" else "agency_name_vi") or s.get("agency"),
        "appointment": _date(d.get("appointment_date")),
        "previous_appointment": _date(params.get("previous_appointment")),
        "status": names[1] if lang == "en" else names[0],
        "received": d.get("received_at") is not None,
        "dossier_url": f"{base}/ho-so/{ctx.dossier_code}",
        "officer_url": f"{base}/can-bo/ho-so/{ctx.dossier_code}",
        "payment_url": params.get("payment_url") or f"{base}/ho-so/{ctx.dossier_code}",
        "amount": _money(params.get("amount", d.get("fee_amount")), lang),
        "missing": params.get("missing") or _latest(
            data, "review_decision", "yeu_cau_bo_sung_tham_dinh", "noi_dung_yeu_cau_bo_sung"),
        "reason": params.get("reason") or _latest(
            data, "review_decision", "ly_do_khong_giai_quyet", "ly_do_tu_choi_tiep_nhan"),
        "method": choice, "email": person.email,
        "address": application.get("dia_chi_nhan_ket_qua"),
        "tracking": ((data.get("delivery") or {}).get("shipment") or {}).get("tracking_number"),
    }
    values.update(extra)
    return values


def applicant(ctx: JobContext) -> Person:
    """The applicant: e-mail and phone from the application, else from their account."""
    app = ctx.dossier.get("application") or {}
    email = app.get("email") or None
    phone = app.get("so_dien_thoai") or None
    name = ctx.dossier.get("applicant_name") or app.get("ho_ten") or ""
    lang = "vi"
    username = ctx.dossier.get("applicant_user")
    if username and ctx.sessions is not None:
        with transaction(ctx.sessions) as session:
            user = session.scalar(select(User).where(User.username == username))
            if user is not None:
                email = email or user.email
                phone = phone or user.phone
                lang = user.locale or "vi"
                name = name or user.full_name
    return Person(name or "Ông/Bà", email, phone, lang)


def officers(ctx: JobContext) -> tuple[list[Person], dict[str, Any]]:
    """Who holds the dossier's open officer tasks (the assignee, else everyone
    with the task's role in its department), and the most urgent task."""
    if ctx.sessions is None:
        return [], {}
    with transaction(ctx.sessions) as session:
        from engine.models import Dossier

        dossier_id = session.scalars(
            select(Dossier.id).where(Dossier.code == ctx.dossier_code)).one()
        tasks = list(session.scalars(select(HumanTask).where(
            HumanTask.dossier_id == dossier_id, HumanTask.state == "open",
            HumanTask.role != "citizen").order_by(HumanTask.due_date, HumanTask.id)))
        people: dict[str, Person] = {}
        for task in tasks:
            query = select(User).where(User.active.is_(True))
            if task.assignee:
                query = query.where(User.username == task.assignee)
            else:
                query = query.join(UserRole).where(
                    UserRole.role == task.role, UserRole.department.in_((task.department, "*")))
            for user in session.scalars(query):
                people[user.username] = Person(user.full_name, user.email, user.phone,
                                               user.locale or "vi")
        first = tasks[0] if tasks else None
        info = {"task": first.name, "due": _date(first.due_date)} if first else {}
        return list(people.values()), info
