"""The monthly figures an agency sends up: số liệu tiếp nhận và giải quyết thủ tục hành
chính, per procedure, in the columns of Circular 01/2018/TT-VPCP's report:

- received: carried over from the previous period (received before the month, not
  finished when it began), new online, new direct (at the counter or by post);
- solved in the month (a result issued: done, then handed back): before, on, or after
  the first appointment date (an apology slip makes it late);
- in progress at the end of the month: not yet due, overdue (against the first
  appointment date, as at the month's last day, or today while the month runs);
- returned or withdrawn in the month (rejected after reception; a withdrawn dossier counts
  once it carries an end time, and is left out while it carries none).

carried + new = solved + in progress + returned/withdrawn, for every procedure.
One grouped query over the dossiers received before the month ended and not finished
before it began (both bounds are indexed: migration 0022).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from ..deadlines.calendar import WorkingCalendar
from ..errors import InvalidInput
from ..models import Dossier, Procedure, ProcedureVersion
from ..status import REJECTED, WITHDRAWN
from .statistics import (
    SOLVED,
    Agencies,
    day_start,
    dossier_timeliness,
    first_appointment,
    in_agencies,
)


@dataclass
class ReportRow:
    procedure: str  # code; "" for the total
    name: str
    carried_over: int = 0
    new_online: int = 0
    new_direct: int = 0
    solved_early: int = 0
    solved_on_time: int = 0
    solved_late: int = 0
    pending_in_time: int = 0
    pending_overdue: int = 0
    returned_or_withdrawn: int = 0

    @property
    def received(self) -> int:
        return self.carried_over + self.new_online + self.new_direct

    @property
    def new(self) -> int:
        return self.new_online + self.new_direct

    @property
    def solved(self) -> int:
        return self.solved_early + self.solved_on_time + self.solved_late

    @property
    def pending(self) -> int:
        return self.pending_in_time + self.pending_overdue

    @property
    def on_time_rate(self) -> float | None:
        """Share of the solved dossiers solved before or on their due date."""
        return (self.solved_early + self.solved_on_time) / self.solved if self.solved else None


COUNTED = tuple(f.name for f in fields(ReportRow) if f.name not in ("procedure", "name"))


@dataclass(frozen=True)
class MonthlyReport:
    year: int
    month: int
    first_day: date
    last_day: date
    rows: list[ReportRow]
    total: ReportRow


def month_bounds(year: int, month: int) -> tuple[date, date]:
    """The first day of the month and the first day of the next."""
    first = date(year, month, 1)
    return first, (first + timedelta(days=32)).replace(day=1)


def monthly_report(session: Session, calendar: WorkingCalendar, year: int, month: int,
                   agencies: Agencies = None, today: date | None = None) -> MonthlyReport:
    first, following = month_bounds(year, month)
    last = following - timedelta(days=1)
    as_of = min(last, today) if today is not None else last
    start, end = day_start(calendar, first), day_start(calendar, following)
    slip = first_appointment()
    finished_in = and_(Dossier.finished_at >= start, Dossier.finished_at < end)
    solved = and_(finished_in, Dossier.status.in_(SOLVED))
    mark = dossier_timeliness(calendar, slip)
    original = func.coalesce(slip.c.previous_appointment, Dossier.appointment_date)
    pending = or_(Dossier.finished_at.is_(None), Dossier.finished_at >= end)
    late_by_then = or_(slip.c.dossier_id.is_not(None), original < as_of)
    new = Dossier.received_at >= start

    def count(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    columns = {
        "carried_over": count(Dossier.received_at < start),
        "new_online": count(and_(new, Dossier.channel == "online")),
        "new_direct": count(and_(new, Dossier.channel != "online")),
        "solved_early": count(and_(solved, mark == "early")),
        "solved_on_time": count(and_(solved, mark == "on_time")),
        "solved_late": count(and_(solved, mark == "late")),
        "pending_in_time": count(and_(pending, ~late_by_then)),
        "pending_overdue": count(and_(pending, late_by_then)),
        "returned_or_withdrawn": count(and_(finished_in,
                                            Dossier.status.in_((REJECTED, WITHDRAWN)))),
    }
    found = session.execute(
        select(Procedure.code, Procedure.name_vi, *columns.values())
        .join(ProcedureVersion, ProcedureVersion.id == Dossier.procedure_version_id)
        .join(Procedure, Procedure.id == ProcedureVersion.procedure_id)
        .outerjoin(slip, slip.c.dossier_id == Dossier.id)
        .where(Dossier.received_at.is_not(None), Dossier.received_at < end,
               or_(Dossier.finished_at.is_(None), Dossier.finished_at >= start),
               or_(Dossier.finished_at.is_not(None), Dossier.status != WITHDRAWN),
               in_agencies(agencies))
        .group_by(Procedure.code, Procedure.name_vi).order_by(Procedure.code))
    rows = [ReportRow(code, name, **{k: int(v) for k, v in zip(columns, values, strict=True)})
            for code, name, *values in found]
    total = ReportRow("", "", **{k: sum(getattr(r, k) for r in rows) for k in COUNTED})
    return MonthlyReport(year, month, first, last, rows, total)


def previous_month(today: date) -> tuple[int, int]:
    """The month a report is usually asked for: the one before `today`'s."""
    last = today.replace(day=1) - timedelta(days=1)
    return last.year, last.month


def parse_month(text: str, today: date) -> tuple[int, int]:
    """'2026-03' → (2026, 3); refuses a malformed month or one after `today`'s."""
    try:
        chosen = datetime.strptime(text.strip(), "%Y-%m").date()
    except ValueError:
        raise InvalidInput("the month must be written YYYY-MM",
                           {"thang": [f"not a month: {text[:20]!r}"]}) from None
    if chosen > today.replace(day=1) or chosen.year < 2000:
        raise InvalidInput("the month has not begun", {"thang": [f"no report for {text}"]})
    return chosen.year, chosen.month
