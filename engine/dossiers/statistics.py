"""Figures for a leader's dashboard: dossiers received, in progress and finished in the
current day, week and month; on-time rates (trước hạn / đúng hạn / quá hạn) per procedure,
department and officer; the dossiers about to be late and who holds them; the assigned
tasks whose officer has not opened the dossier since it was assigned.

Every figure is one set-based query (counted and grouped by the database, never a loop
over dossiers), limited to the agencies asked for (None: every agency). A dossier is
timed against its first appointment date, as engine.deadlines.overdue counts it: one that
needed an apology slip is late even though its appointment moved. Steps (per department
and officer) are timed by the mark each hand-off got when it was completed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Date, Integer, and_, case, exists, func, literal_column, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.selectable import Subquery

from ..audit.event_types import EventType
from ..deadlines.calendar import WorkingCalendar
from ..models import (
    ApologySlip,
    Dossier,
    Event,
    HumanTask,
    LateMark,
    Procedure,
    ProcedureVersion,
    User,
)
from ..status import DONE, RETURNED, SUBMITTED, WITHDRAWN
from .reminders import days_left

Agencies = Sequence[str] | None
TIMELINESS = ("early", "on_time", "late")
SOLVED = (DONE, RETURNED)  # a result was issued (a rejection is counted apart)


class local_date(FunctionElement[date]):
    """The office's calendar date of a UTC timestamp column, computed by the database."""

    type = Date()
    inherit_cache = True


def _offset_hours(clauses: Any) -> int:
    return int(list(clauses)[1].name)


@compiles(local_date, "sqlite")
def _local_date_sqlite(element: local_date, compiler: SQLCompiler, **kw: Any) -> str:
    column = list(element.clauses)[0]
    return f"date({compiler.process(column, **kw)}, '{_offset_hours(element.clauses):+d} hours')"


@compiles(local_date, "postgresql")
def _local_date_pg(element: local_date, compiler: SQLCompiler, **kw: Any) -> str:
    column = list(element.clauses)[0]
    return (f"CAST({compiler.process(column, **kw)} + INTERVAL "
            f"'{_offset_hours(element.clauses)} hours' AS DATE)")


def local_day_of(calendar: WorkingCalendar, column: Any) -> local_date:
    """SQL for the local date of `column` (the office's zone has a fixed offset)."""
    offset = calendar.tz.utcoffset(datetime(2000, 1, 1))
    hours = int(offset.total_seconds() // 3600) if offset is not None else 0
    return local_date(column, literal_column(str(hours), Integer))


def day_start(calendar: WorkingCalendar, day: date) -> datetime:
    """Local midnight at the start of `day`, in UTC (what the columns hold)."""
    return datetime.combine(day, time(0), tzinfo=calendar.tz).astimezone(UTC)


def in_agencies(agencies: Agencies) -> ColumnElement[bool]:
    return Dossier.agency.in_(list(agencies)) if agencies is not None else Dossier.id.is_not(None)


def first_appointment() -> Subquery:
    """Per dossier with an apology slip: the appointment date the first slip moved."""
    first = (select(ApologySlip.dossier_id, func.min(ApologySlip.number).label("n"))
             .group_by(ApologySlip.dossier_id).subquery())
    return (select(ApologySlip.dossier_id, ApologySlip.previous_appointment)
            .join(first, and_(first.c.dossier_id == ApologySlip.dossier_id,
                              first.c.n == ApologySlip.number)).subquery("first_slip"))


def dossier_timeliness(calendar: WorkingCalendar, slip: Subquery) -> ColumnElement[str]:
    """'early', 'on_time' or 'late' of a finished dossier against its first appointment."""
    original = func.coalesce(slip.c.previous_appointment, Dossier.appointment_date)
    finished = local_day_of(calendar, Dossier.finished_at)
    return case((slip.c.dossier_id.is_not(None), "late"),
                (original.is_(None), "on_time"),
                (finished < original, "early"),
                (finished == original, "on_time"), else_="late")


# -- activity ---------------------------------------------------------------------


@dataclass(frozen=True)
class Periods:
    """Today, this week (from Monday) and this month, as local-midnight UTC bounds."""

    today: datetime
    week: datetime
    month: datetime
    end: datetime  # tomorrow's midnight

    @classmethod
    def of(cls, calendar: WorkingCalendar, today: date) -> Periods:
        return cls(day_start(calendar, today),
                   day_start(calendar, today - timedelta(days=today.weekday())),
                   day_start(calendar, today.replace(day=1)),
                   day_start(calendar, today + timedelta(days=1)))


@dataclass(frozen=True)
class Counts:
    today: int
    week: int
    month: int


@dataclass(frozen=True)
class Activity:
    received: Counts
    finished: Counts
    waiting_reception: int  # submitted, not yet received
    in_progress: int  # received, not finished
    overdue: int  # in progress and past the appointment date, or marked as going to be late


def _counts(session: Session, column: Any, periods: Periods, agencies: Agencies) -> Counts:
    row = session.execute(select(_sum(column >= periods.today), _sum(column >= periods.week),
                                 _sum(column >= periods.month))
                          .where(column >= min(periods.week, periods.month),
                                 column < periods.end, in_agencies(agencies))).one()
    return Counts(int(row[0]), int(row[1]), int(row[2]))


def overdue_now(today: date) -> ColumnElement[bool]:
    """A received dossier in progress that is overdue today: past its appointment date
    (not paused), or marked as going to be late and not yet answered by a slip."""
    marked = exists().where(LateMark.dossier_id == Dossier.id, LateMark.slip_id.is_(None))
    return and_(Dossier.received_at.is_not(None), Dossier.finished_at.is_(None),
                Dossier.status != WITHDRAWN,
                or_(and_(Dossier.paused_since.is_(None), Dossier.appointment_date < today),
                    marked))


def _sum(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def activity(session: Session, calendar: WorkingCalendar, today: date,
             agencies: Agencies = None) -> Activity:
    periods = Periods.of(calendar, today)
    received = Dossier.received_at.is_not(None)
    row = session.execute(select(
        _sum(Dossier.status == SUBMITTED), _sum(received), _sum(overdue_now(today)))
        .where(Dossier.finished_at.is_(None), Dossier.status != WITHDRAWN,
               in_agencies(agencies))).one()
    return Activity(_counts(session, Dossier.received_at, periods, agencies),
                    _counts(session, Dossier.finished_at, periods, agencies),
                    int(row[0]), int(row[1]), int(row[2]))


# -- on-time rates ----------------------------------------------------------------


@dataclass
class OnTimeRow:
    key: str  # procedure code, department code or username
    name: str
    early: int = 0
    on_time: int = 0
    late: int = 0

    @property
    def total(self) -> int:
        return self.early + self.on_time + self.late

    @property
    def rate(self) -> float | None:
        """Share finished before or on the due date."""
        return (self.early + self.on_time) / self.total if self.total else None


def _rows(found: Any, names: dict[str, str] | None = None) -> list[OnTimeRow]:
    rows: dict[str, OnTimeRow] = {}
    for key, name, mark, n in found:
        row = rows.setdefault(key or "?", OnTimeRow(key or "?", (names or {}).get(key, name or key)))
        if mark in TIMELINESS:
            setattr(row, mark, getattr(row, mark) + int(n))
    return sorted(rows.values(), key=lambda r: r.name)


def on_time_by_procedure(session: Session, calendar: WorkingCalendar, start: datetime,
                         end: datetime, agencies: Agencies = None) -> list[OnTimeRow]:
    """Dossiers solved (a result issued) in [start, end), per procedure."""
    slip = first_appointment()
    mark = dossier_timeliness(calendar, slip).label("mark")
    return _rows(session.execute(
        select(Procedure.code, Procedure.name_vi, mark, func.count())
        .join(ProcedureVersion, ProcedureVersion.id == Dossier.procedure_version_id)
        .join(Procedure, Procedure.id == ProcedureVersion.procedure_id)
        .outerjoin(slip, slip.c.dossier_id == Dossier.id)
        .where(Dossier.finished_at >= start, Dossier.finished_at < end,
               Dossier.received_at.is_not(None), Dossier.status.in_(SOLVED),
               in_agencies(agencies))
        .group_by(Procedure.code, Procedure.name_vi, mark)))


def _per_procedure(session: Session, query: Any) -> dict[str, int]:
    return {code: int(n) for code, n in session.execute(
        query.join(Procedure, Procedure.id == ProcedureVersion.procedure_id)
        .group_by(Procedure.code))}


def overdue_by_procedure(session: Session, today: date,
                         agencies: Agencies = None) -> dict[str, int]:
    """Procedure code → its dossiers in progress that are overdue today (overdue_now):
    read from the dossiers not yet finished only."""
    return _per_procedure(session, select(Procedure.code, func.count()).select_from(Dossier)
                          .join(ProcedureVersion, ProcedureVersion.id == Dossier.procedure_version_id)
                          .where(overdue_now(today), in_agencies(agencies)))


def slips_by_procedure(session: Session, start: datetime, end: datetime,
                       agencies: Agencies = None) -> dict[str, int]:
    """Procedure code → apology slips issued in [start, end)."""
    return _per_procedure(session, select(Procedure.code, func.count()).select_from(ApologySlip)
                          .join(Dossier, Dossier.id == ApologySlip.dossier_id)
                          .join(ProcedureVersion, ProcedureVersion.id == Dossier.procedure_version_id)
                          .where(ApologySlip.issued_at >= start, ApologySlip.issued_at < end,
                                 in_agencies(agencies)))


def _steps_by(session: Session, column: Any, start: datetime, end: datetime,
              agencies: Agencies) -> Any:
    return session.execute(
        select(column, column, HumanTask.timeliness, func.count())
        .join(Dossier, Dossier.id == HumanTask.dossier_id)
        .where(HumanTask.state == "completed", HumanTask.completed_at >= start,
               HumanTask.completed_at < end, HumanTask.role != "citizen",
               HumanTask.timeliness.is_not(None), in_agencies(agencies))
        .group_by(column, HumanTask.timeliness))


def on_time_by_department(session: Session, start: datetime, end: datetime,
                          agencies: Agencies = None) -> list[OnTimeRow]:
    """Officers' steps completed in [start, end), per department."""
    return _rows(_steps_by(session, HumanTask.department, start, end, agencies))


def on_time_by_officer(session: Session, start: datetime, end: datetime,
                       agencies: Agencies = None) -> list[OnTimeRow]:
    """Officers' steps completed in [start, end), per officer who completed them."""
    found = list(_steps_by(session, HumanTask.completed_by, start, end, agencies))
    names = dict(session.execute(select(User.username, User.full_name).where(
        User.username.in_(sorted({row[0] for row in found if row[0]})))).all())
    return _rows(found, names)


# -- who holds what ---------------------------------------------------------------


@dataclass(frozen=True)
class Holder:
    task: str
    role: str
    department: str
    assignee: str | None
    assignee_name: str | None


@dataclass
class DueSoon:
    code: str
    procedure: str
    appointment: date
    working_days_left: int
    holders: list[Holder] = field(default_factory=list)


def _holders(session: Session, dossier_ids: list[int]) -> dict[int, list[Holder]]:
    found: dict[int, list[Holder]] = {}
    if not dossier_ids:
        return found
    for dossier_id, name, role, dept, assignee, full_name in session.execute(
            select(HumanTask.dossier_id, HumanTask.name, HumanTask.role, HumanTask.department,
                   HumanTask.assignee, User.full_name)
            .outerjoin(User, User.username == HumanTask.assignee)
            .where(HumanTask.dossier_id.in_(dossier_ids), HumanTask.state == "open",
                   HumanTask.role != "citizen").order_by(HumanTask.id)):
        found.setdefault(dossier_id, []).append(Holder(name, role, dept, assignee, full_name))
    return found


def due_soon(session: Session, calendar: WorkingCalendar, today: date, working_days: int,
             agencies: Agencies = None, limit: int = 100) -> tuple[int, list[DueSoon]]:
    """Dossiers in progress, not yet late, whose appointment falls within `working_days`
    working days after today (today included), soonest first: how many, and the first
    `limit` with the open officer tasks that hold them."""
    horizon = calendar.add_working_days(today, working_days)
    where = (Dossier.finished_at.is_(None), Dossier.received_at.is_not(None),
             Dossier.status != WITHDRAWN, Dossier.paused_since.is_(None),
             Dossier.appointment_date >= today, Dossier.appointment_date <= horizon,
             ~exists().where(LateMark.dossier_id == Dossier.id, LateMark.slip_id.is_(None)),
             in_agencies(agencies))
    total = session.scalar(select(func.count()).select_from(Dossier).where(*where)) or 0
    rows: list[Any] = list(session.execute(
        select(Dossier.id, Dossier.code, Procedure.name_vi, Dossier.appointment_date)
        .join(ProcedureVersion, ProcedureVersion.id == Dossier.procedure_version_id)
        .join(Procedure, Procedure.id == ProcedureVersion.procedure_id)
        .where(*where).order_by(Dossier.appointment_date, Dossier.id).limit(limit)))
    holders = _holders(session, [r[0] for r in rows])
    return total, [DueSoon(code, name, due, days_left(calendar, today, due),
                           holders.get(dossier_id, []))
                   for dossier_id, code, name, due in rows]


@dataclass(frozen=True)
class Unopened:
    code: str
    task: str
    assignee: str
    assignee_name: str
    assigned_at: datetime
    due_date: date | None


def unopened(session: Session, agencies: Agencies = None,
             limit: int = 100) -> tuple[int, list[Unopened]]:
    """Open officer tasks assigned to someone who has not opened the dossier since it was
    assigned to them (no 'viewed' event of theirs at or after the assignment), oldest
    assignment first: how many, and the first `limit`."""
    looked = exists().where(Event.dossier_id == HumanTask.dossier_id,
                            Event.type == EventType.VIEWED.value,
                            Event.actor == HumanTask.assignee,
                            Event.at >= HumanTask.claimed_at)
    where = (HumanTask.state == "open", HumanTask.assignee.is_not(None),
             HumanTask.role != "citizen", ~looked, in_agencies(agencies))
    total = session.scalar(select(func.count()).select_from(HumanTask)
                           .join(Dossier, Dossier.id == HumanTask.dossier_id).where(*where)) or 0
    rows: list[Any] = list(session.execute(
        select(Dossier.code, HumanTask.name, HumanTask.assignee, User.full_name,
               HumanTask.claimed_at, HumanTask.due_date)
        .join(Dossier, Dossier.id == HumanTask.dossier_id)
        .outerjoin(User, User.username == HumanTask.assignee)
        .where(*where).order_by(HumanTask.claimed_at, HumanTask.id).limit(limit)))
    return total, [Unopened(code, task, assignee, name or assignee, claimed, due)
                   for code, task, assignee, name, claimed, due in rows]
