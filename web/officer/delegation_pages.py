"""Delegation (ủy quyền): a leader names a deputy leader for a date range,
sees their delegations and revokes them."""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import or_, select
from werkzeug.wrappers import Response

from engine.dossiers.officers import delegate, revoke_delegation
from engine.errors import NotFound
from engine.models import Delegation, User, UserRole

from ..access import today
from ..identity import db, require_role
from ..schema_form import parse_date
from . import bp
from .people import full_names


def _deputies() -> list[tuple[str, str]]:
    """Active users holding a leader role, other than the signed-in leader."""
    rows = db().execute(
        select(User.username, User.full_name).join(UserRole)
        .where(UserRole.role == "leader", User.active.is_(True),
               User.username != current_user.username)
        .distinct().order_by(User.full_name))
    return [(u, n) for u, n in rows]


def _day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(parse_date(raw or ""))
    except ValueError:
        return None


def state(row: Delegation, day: date) -> str:
    if row.revoked_at is not None:
        return "revoked"
    if row.end_date < day:
        return "ended"
    return "active" if row.start_date <= day else "upcoming"


def _page(errors: dict[str, str], form: dict[str, str], status: int = 200) -> tuple[str, int]:
    s = db()
    me = current_user.username
    rows = list(s.scalars(select(Delegation).where(or_(Delegation.delegator == me,
                                                       Delegation.deputy == me))
                          .order_by(Delegation.start_date.desc(), Delegation.id.desc())))
    names = full_names(s, [r.deputy for r in rows] + [r.delegator for r in rows])
    day = today()
    return render_template("officer/delegations.html", deputies=_deputies(), errors=errors,
                           form=form, given=[r for r in rows if r.delegator == me],
                           received=[r for r in rows if r.deputy == me], names=names,
                           state=lambda r: state(r, day), today=day), status


@bp.route("/uy-quyen", methods=["GET", "POST"], endpoint="delegations")
@require_role("leader")
def delegations() -> Response | tuple[str, int]:
    if request.method == "GET":
        day = today().isoformat()
        return _page({}, {"start": day, "end": day})
    form = {k: request.form.get(k, "").strip() for k in ("deputy", "start", "end", "reason")}
    errors: dict[str, str] = {}
    deputies = dict(_deputies())
    if form["deputy"] not in deputies:
        errors["deputy"] = gettext("Chọn một lãnh đạo khác để ủy quyền.")
    start, end = _day(form["start"]), _day(form["end"])
    if start is None:
        errors["start"] = gettext("Nhập ngày bắt đầu.")
    if end is None:
        errors["end"] = gettext("Nhập ngày kết thúc.")
    elif start is not None and end < start:
        errors["end"] = gettext("Ngày kết thúc phải từ ngày bắt đầu trở đi.")
    elif end < today():
        errors["end"] = gettext("Ủy quyền đã hết hạn trước hôm nay.")
    if len(form["reason"]) > 300:
        errors["reason"] = gettext("Lý do tối đa 300 ký tự.")
    if errors or start is None or end is None:
        return _page(errors, form, 400)
    delegate(db(), current_user.username, form["deputy"], start, end, form["reason"] or None)
    flash(gettext("Đã ủy quyền cho %(name)s từ %(start)s đến %(end)s.", name=deputies[form["deputy"]],
                  start=start.strftime("%d/%m/%Y"), end=end.strftime("%d/%m/%Y")))
    return redirect(url_for("officer.delegations"))


@bp.post("/uy-quyen/<int:delegation_id>/thu-hoi", endpoint="revoke_delegation")
@require_role("leader")
def revoke(delegation_id: int) -> Response:
    s = db()
    row = s.get(Delegation, delegation_id)
    if row is None or row.delegator != current_user.username:
        raise NotFound("delegation not found", delegation=delegation_id)
    if row.revoked_at is None:
        revoke_delegation(s, delegation_id, current_user.username)
        flash(gettext("Đã thu hồi ủy quyền."))
    return redirect(url_for("officer.delegations"))
