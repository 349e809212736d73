"""The leaders' dashboard (bảng điều khiển của lãnh đạo): what the agency received,
has in progress and finished, how punctually, what is about to be late and who holds
it, who has not opened what was assigned to them. The page refreshes its figures by
itself (static/dashboard.js fetches the fragment), and they export as CSV."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from flask import Response, current_app, render_template, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import Session

from engine.deadlines.calendar_store import load_calendar
from engine.dossiers.statistics import (
    Activity,
    DueSoon,
    OnTimeRow,
    Periods,
    Unopened,
    activity,
    due_soon,
    on_time_by_department,
    on_time_by_officer,
    on_time_by_procedure,
    unopened,
)
from engine.errors import InvalidInput
from engine.models import utcnow

from ..access import today
from ..formats import vn_datetime
from ..identity import db, require_role
from . import bp
from .csv_export import csv_response, percent
from .monthly import recent_months
from .scope import AGENCY_PARAM, Scope, dashboard_scope

LEADS = ("leader", "admin", "auditor")
PERIODS = {"ngay": _l("Hôm nay"), "tuan": _l("Tuần này"), "thang": _l("Tháng này")}
PERIOD_PARAM, DAYS_PARAM = "ky", "ngay-lam-viec"
DEFAULT_DAYS, MAX_DAYS, LISTED = 2, 20, 50
REFRESH_SECONDS = 60  # app.config["DASHBOARD_REFRESH_SECONDS"] overrides it


@dataclass
class Figures:
    scope: Scope
    today: date
    as_of: datetime
    period: str
    working_days: int
    activity: Activity
    by_procedure: list[OnTimeRow]
    by_department: list[OnTimeRow]
    by_officer: list[OnTimeRow]
    due_total: int
    due: list[DueSoon]
    unopened_total: int
    unopened: list[Unopened]


def _choices() -> tuple[str, int]:
    period = request.args.get(PERIOD_PARAM, "thang")
    days = request.args.get(DAYS_PARAM, str(DEFAULT_DAYS)).strip()
    if period not in PERIODS:
        raise InvalidInput("unknown period", {PERIOD_PARAM: [f"one of {', '.join(PERIODS)}"]})
    if not days.isdigit() or int(days) > MAX_DAYS:
        raise InvalidInput("the number of working days must be 0 to 20",
                           {DAYS_PARAM: [f"0 to {MAX_DAYS}"]})
    return period, int(days)


def figures(session: Session) -> Figures:
    scope = dashboard_scope(session, current_user)
    period, days = _choices()
    calendar, day = load_calendar(session), today()
    periods = Periods.of(calendar, day)
    start = {"ngay": periods.today, "tuan": periods.week, "thang": periods.month}[period]
    agencies = scope.chosen
    due_total, due = due_soon(session, calendar, day, days, agencies, LISTED)
    unopened_total, waiting = unopened(session, agencies, LISTED)
    return Figures(
        scope, day, utcnow(), period, days, activity(session, calendar, day, agencies),
        on_time_by_procedure(session, calendar, start, periods.end, agencies),
        on_time_by_department(session, start, periods.end, agencies),
        on_time_by_officer(session, start, periods.end, agencies),
        due_total, due, unopened_total, waiting)


def _query() -> dict[str, str]:
    """The dashboard's own query parameters, to keep in its links."""
    return {k: v for k, v in request.args.items() if k in (AGENCY_PARAM, PERIOD_PARAM, DAYS_PARAM)}


@bp.get("/lanh-dao/bang-dieu-khien", endpoint="dashboard")
@require_role(*LEADS)
def dashboard() -> str:
    found = figures(db())
    return render_template(
        "board/dashboard.html", f=found, periods=PERIODS, query=_query(),
        agency_param=AGENCY_PARAM, period_param=PERIOD_PARAM, days_param=DAYS_PARAM,
        months=recent_months(found.today),
        refresh=int(current_app.config.get("DASHBOARD_REFRESH_SECONDS", REFRESH_SECONDS)))


@bp.get("/lanh-dao/bang-dieu-khien/so-lieu", endpoint="dashboard_figures")
@require_role(*LEADS)
def dashboard_figures() -> Response:
    """The figures alone, as the page shows them: what the page's script fetches."""
    body = render_template("board/_dashboard_figures.html", f=figures(db()), periods=PERIODS)
    response = Response(body, mimetype="text/html")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/lanh-dao/bang-dieu-khien.json", endpoint="dashboard_json")
@require_role(*LEADS)
def dashboard_json() -> Response:
    f = figures(db())
    body: dict[str, Any] = {
        "as_of": f.as_of.isoformat(), "today": f.today.isoformat(),
        "agencies": f.scope.chosen, "period": f.period, "working_days": f.working_days,
        "activity": asdict(f.activity),
        **{name: [dict(asdict(r), total=r.total, rate=r.rate) for r in rows]
           for name, rows in (("by_procedure", f.by_procedure), ("by_department", f.by_department),
                              ("by_officer", f.by_officer))},
        "due_soon": {"total": f.due_total, "dossiers": [_jsonable(asdict(d)) for d in f.due]},
        "unopened": {"total": f.unopened_total, "tasks": [_jsonable(asdict(u)) for u in f.unopened]},
    }
    response = Response(json.dumps(body, ensure_ascii=False), mimetype="application/json")
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date | datetime) else v for k, v in row.items()}


@bp.get("/lanh-dao/bang-dieu-khien.csv", endpoint="dashboard_csv")
@require_role(*LEADS)
def dashboard_csv() -> Response:
    f = figures(db())
    a = f.activity
    rows: list[list[Any]] = [
        [gettext("Bảng điều khiển"), f.today.strftime("%d/%m/%Y"), ", ".join(f.scope.chosen or [])
         or gettext("Tất cả cơ quan")], [],
        ["", gettext("Hôm nay"), gettext("Tuần này"), gettext("Tháng này")],
        [gettext("Đã tiếp nhận"), a.received.today, a.received.week, a.received.month],
        [gettext("Đã giải quyết xong"), a.finished.today, a.finished.week, a.finished.month], [],
        [gettext("Chờ tiếp nhận"), a.waiting_reception],
        [gettext("Đang giải quyết"), a.in_progress], [gettext("Đang quá hạn"), a.overdue], []]
    for title, table in ((gettext("Theo thủ tục"), f.by_procedure),
                         (gettext("Theo phòng ban"), f.by_department),
                         (gettext("Theo cán bộ"), f.by_officer)):
        rows.append([title, gettext("Trước hạn"), gettext("Đúng hạn"), gettext("Quá hạn"),
                     gettext("Tỷ lệ đúng hạn (%)")])
        rows += [[r.name, r.early, r.on_time, r.late, percent(r.rate)] for r in table]
        rows.append([])
    rows.append([gettext("Hồ sơ sắp đến hạn"), gettext("Thủ tục"), gettext("Ngày hẹn trả"),
                 gettext("Còn (ngày làm việc)"), gettext("Đang ở")])
    rows += [[d.code, d.procedure, d.appointment.strftime("%d/%m/%Y"), d.working_days_left,
              "; ".join(f"{h.task}: {h.assignee_name or h.assignee or h.department}"
                        for h in d.holders)] for d in f.due]
    rows.append([])
    rows.append([gettext("Chưa mở hồ sơ được giao"), gettext("Bước"), gettext("Cán bộ"),
                 gettext("Nhận lúc"), gettext("Hạn xử lý")])
    rows += [[u.code, u.task, u.assignee_name, vn_datetime(u.assigned_at),
              u.due_date.strftime("%d/%m/%Y") if u.due_date else ""] for u in f.unopened]
    return csv_response(rows, f"bang-dieu-khien-{f.today.isoformat()}.csv")
