"""The monthly report an agency sends up: số liệu tiếp nhận và giải quyết thủ tục hành
chính (Circular 01/2018/TT-VPCP), per procedure, for a chosen month: printable HTML and
CSV. The figures come from engine.dossiers.monthly_report."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import Response, render_template, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from engine.deadlines.calendar_store import load_calendar
from engine.dossiers.monthly_report import (
    MonthlyReport,
    monthly_report,
    parse_month,
    previous_month,
)

from ..access import today
from ..i18n import select_locale
from ..identity import db, require_role
from . import bp
from .csv_export import csv_response, percent
from .scope import AGENCY_PARAM, Scope, agency_names, dashboard_scope

MONTH_PARAM = "thang"
LEADS = ("leader", "admin", "auditor")


def recent_months(day: date, count: int = 12) -> list[tuple[str, str]]:
    """The current month and those before it, newest first: ('2026-03', '03/2026')."""
    months, first = [], day.replace(day=1)
    for _ in range(count):
        months.append((first.strftime("%Y-%m"), first.strftime("%m/%Y")))
        first = (first - timedelta(days=1)).replace(day=1)
    return months


def _report() -> tuple[MonthlyReport, Scope]:
    s = db()
    scope = dashboard_scope(s, current_user)
    day = today()
    chosen = request.args.get(MONTH_PARAM, "")
    year, month = parse_month(chosen, day) if chosen else previous_month(day)
    return monthly_report(s, load_calendar(s), year, month, scope.chosen, day), scope


def _agency_label(scope: Scope) -> str:
    names = agency_names(db(), select_locale())
    if scope.chosen is None:
        return gettext("Tất cả cơ quan")
    return ", ".join(names.get(code, code) for code in scope.chosen) or "—"


@bp.get("/lanh-dao/bao-cao-thang", endpoint="monthly_report")
@require_role(*LEADS)
def monthly_page() -> str:
    report, scope = _report()
    return render_template("board/monthly_report.html", report=report, scope=scope,
                           agency=_agency_label(scope), months=recent_months(today()),
                           month_param=MONTH_PARAM, agency_param=AGENCY_PARAM,
                           chosen_month=f"{report.year:04d}-{report.month:02d}")


HEADER = (_l("STT"), _l("Mã thủ tục"), _l("Tên thủ tục"), _l("Tổng số hồ sơ tiếp nhận"), _l("Từ kỳ trước chuyển qua"), _l("Mới tiếp nhận trực tuyến"), _l("Mới tiếp nhận trực tiếp, qua bưu chính"), _l("Đã giải quyết"), _l("Trước hạn"), _l("Đúng hạn"), _l("Quá hạn"), _l("Đang giải quyết"), _l("Chưa đến hạn"), _l("Quá hạn"), _l("Trả lại, rút hồ sơ"), _l("Tỷ lệ đúng hạn (%)"))


@bp.get("/lanh-dao/bao-cao-thang.csv", endpoint="monthly_report_csv")
@require_role(*LEADS)
def monthly_csv() -> Response:
    report, scope = _report()
    period = f"{report.month:02d}/{report.year}"
    rows: list[list[Any]] = [
        [gettext("Số liệu tiếp nhận và giải quyết thủ tục hành chính tháng %(month)s",
                 month=period)],
        [gettext("Cơ quan"), _agency_label(scope)],
        [gettext("Từ ngày %(start)s đến ngày %(end)s", start=report.first_day.strftime("%d/%m/%Y"),
                 end=report.last_day.strftime("%d/%m/%Y"))], [],
        [str(h) for h in HEADER]]
    for n, r in enumerate(report.rows, start=1):
        rows.append([n, r.procedure, r.name, *_cells(r)])
    rows.append(["", "", gettext("Tổng cộng"), *_cells(report.total)])
    return csv_response(rows, f"bao-cao-thang-{report.year:04d}-{report.month:02d}.csv")


def _cells(r: Any) -> list[Any]:
    return [r.received, r.carried_over, r.new_online, r.new_direct, r.solved, r.solved_early,
            r.solved_on_time, r.solved_late, r.pending, r.pending_in_time, r.pending_overdue,
            r.returned_or_withdrawn, percent(r.on_time_rate)]
