"""SLA reminders: shortly before a human task's due date, the officer who holds
it (or, while nobody has claimed it, every officer of its role and department)
is told once, through a notify.send side job (a reminder).

"Shortly" is configurable (config.WorkerSettings): remind when fewer than
`reminder_working_days` whole working days remain after today, or fewer than
`reminder_fraction` of the task's own allowance. A task due today has 0 days
left, so the default (1) reminds on the due day, and a task already overdue
that was never reminded is reminded at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from ..config import WorkerSettings
from ..db import transaction
from ..deadlines.calendar import WorkingCalendar
from ..deadlines.calendar_store import load_calendar
from ..models import Dossier, HumanTask, JobKind, SlaReminder, User, UserRole
from . import side_jobs
from .runner import DEFAULT_MAX_ATTEMPTS, lock_dossier


@dataclass(frozen=True)
class Recipient:
    username: str
    full_name: str
    email: str | None


def days_left(calendar: WorkingCalendar, today: date, due: date) -> int:
    """Whole working days after today up to the due date (0 when due today or before)."""
    if due <= today:
        return 0
    count, day = 0, today
    while day < due:
        day = calendar.next_working_day(day)
        if day <= due:
            count += 1
    return count


def needs_reminder(calendar: WorkingCalendar, task: HumanTask, today: date,
                   settings: WorkerSettings) -> bool:
    if task.due_date is None:
        return False
    left = days_left(calendar, today, task.due_date)
    if left < settings.reminder_working_days:
        return True
    if settings.reminder_fraction > 0:
        allowance = max(1, days_left(calendar, calendar.local_date(task.created_at), task.due_date))
        return left < settings.reminder_fraction * allowance
    return False


def recipients(session: Session, task: HumanTask) -> tuple[str, list[Recipient]]:
    """('assignee', [the officer]) for a claimed task, else ('role', its role's officers)."""
    if task.assignee:
        user = session.scalar(select(User).where(User.username == task.assignee))
        if user is not None:
            return "assignee", [Recipient(user.username, user.full_name, user.email)]
    users = session.scalars(
        select(User).join(UserRole).where(
            UserRole.role == task.role, or_(UserRole.department == task.department,
                                            UserRole.department == "*"),
            User.active.is_(True)).order_by(User.username).distinct())
    return "role", [Recipient(u.username, u.full_name, u.email) for u in users]


def _candidates(session: Session, calendar: WorkingCalendar, today: date,
                settings: WorkerSettings) -> list[int]:
    query = (select(HumanTask.id)
             .outerjoin(SlaReminder, SlaReminder.human_task_id == HumanTask.id)
             .where(HumanTask.state == "open", HumanTask.role != "citizen",
                    HumanTask.due_date.is_not(None), SlaReminder.id.is_(None))
             .order_by(HumanTask.due_date, HumanTask.id))
    if settings.reminder_fraction <= 0:
        whole_days = int(settings.reminder_working_days)
        horizon = calendar.add_working_days(today, max(whole_days, 0))
        query = query.where(HumanTask.due_date <= horizon)
    return list(session.scalars(query))


def remind_due_tasks(factory: sessionmaker[Session], now: datetime,
                     settings: WorkerSettings) -> int:
    """Queue a reminder for every open officer task that needs one and has none;
    return how many were queued. Each is written in its own transaction under
    its dossier's lock, so two workers scanning at once queue it once."""
    with transaction(factory) as session:
        calendar = load_calendar(session)
        today = calendar.local_date(now)
        candidates = _candidates(session, calendar, today, settings)
    queued = 0
    for task_id in candidates:
        with transaction(factory) as session:
            task = session.get(HumanTask, task_id)
            if task is None or not needs_reminder(calendar, task, today, settings):
                continue
            dossier = lock_dossier(session, task.dossier_id)
            session.refresh(task)
            already = session.scalar(select(SlaReminder.id)
                                     .where(SlaReminder.human_task_id == task.id))
            if task.state != "open" or already is not None:
                continue
            queued += _queue(session, dossier, task, calendar, today, now)
    return queued


def _queue(session: Session, dossier: Dossier, task: HumanTask, calendar: WorkingCalendar,
           today: date, now: datetime) -> int:
    assert task.due_date is not None
    kind, people = recipients(session, task)
    params = {
        "template": "reminder", "recipient": "assignee" if kind == "assignee" else "role",
        "to": [p.email for p in people if p.email],
        "officers": [{"username": p.username, "name": p.full_name, "email": p.email}
                     for p in people],
        "task": {"id": task.id, "element_id": task.element_id, "name": task.name,
                 "role": task.role, "department": task.department,
                 "due_date": task.due_date.isoformat(),
                 "working_days_left": days_left(calendar, today, task.due_date),
                 "overdue": task.due_date < today},
    }
    job = side_jobs.queue(session, dossier, JobKind.REMINDER, side_jobs.NOTICE_OPERATOR,
                          f"reminder/{task.workflow_task_id}", params, now,
                          max_attempts=DEFAULT_MAX_ATTEMPTS)
    session.add(SlaReminder(human_task_id=task.id, dossier_id=dossier.id, job_id=job.id,
                            recipient=kind, recipients=[p.username for p in people],
                            due_date=task.due_date, sent_at=now))
    return 1
