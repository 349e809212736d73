"""The inbox query: open tasks an officer may act on, filtered, sorted and paged.

Plain functions over a session (no Flask), so the page and bench/inbox.py run
the very same SQL. A page walks the index human_tasks (state, role,
department, due_date) of each (role, department) queue in order and merges
the queues; it joins the dossier only for the rows it shows or when a filter
needs it. Tab counts stop at COUNT_CAP + 1, so a department's backlog of
thousands costs no more than a thousand rows per badge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select, union_all
from sqlalchemy.orm import Session

from ..models import Dossier, HumanTask, Procedure, ProcedureVersion

PAGE_SIZE = 50
COUNT_CAP = 1000
TABS = ("unclaimed", "mine", "all")
DUE_FILTERS = ("overdue", "soon", "later")
SORTS = ("due", "created", "code")
OFFICER_ROLES = ("reception", "specialist", "leader")


@dataclass(frozen=True)
class Scope:
    """What an officer may see: the (role, department) pairs held by them or by
    a leader they act for today, and whose claimed tasks count as theirs."""

    pairs: frozenset[tuple[str, str]]
    owners: frozenset[str]


@dataclass(frozen=True)
class Filters:
    tab: str = "all"
    procedure: str | None = None
    status: str | None = None
    due: str | None = None
    sort: str = "due"
    descending: bool = False
    page: int = 1


@dataclass(frozen=True)
class Row:
    task_id: int
    name: str
    element_id: str
    role: str
    department: str
    assignee: str | None
    created_at: datetime
    due_date: date | None
    dossier_code: str
    applicant_name: str | None
    status: str
    channel: str
    procedure_version_id: int


@dataclass
class InboxPage:
    """One page of a tab. Counts above COUNT_CAP are not exact (shown as "1000+");
    then `pages` is None and `has_next` says whether a next page exists."""

    rows: list[Row]
    total: int
    page: int
    pages: int | None
    has_next: bool
    counts: dict[str, int] = field(default_factory=dict)

    @staticmethod
    def badge(count: int) -> str:
        return f"{COUNT_CAP}+" if count > COUNT_CAP else str(count)


def _queues(pairs: frozenset[tuple[str, str]]) -> list[ColumnElement[bool]]:
    """One condition per queue the inbox index walks in due-date order: a (role,
    department) pair, or a whole role for a '*' department."""
    by_role: dict[str, set[str]] = {}
    for role, department in pairs:
        if role in OFFICER_ROLES:
            by_role.setdefault(role, set()).add(department)
    queues: list[ColumnElement[bool]] = []
    for role, departments in sorted(by_role.items()):
        if "*" in departments:
            queues.append(HumanTask.role == role)
        else:
            queues.extend(and_(HumanTask.role == role, HumanTask.department == d)
                          for d in sorted(departments))
    return queues


def _where(scope: Scope, filters: Filters, tab: str, today: date, soon_until: date,
           versions: list[int], queue: ColumnElement[bool] | None = None
           ) -> tuple[list[ColumnElement[bool]], bool]:
    """The conditions of one tab with the filters (over every queue of the scope,
    or the one given), and whether they need the dossier. versions: the version
    ids of the procedure filtered on."""
    owners = sorted(scope.owners)
    if queue is None:
        queue = or_(false(), *_queues(scope.pairs))
    conds: list[ColumnElement[bool]] = [HumanTask.state == "open", queue]
    if tab == "unclaimed":
        conds.append(HumanTask.assignee.is_(None))
    elif tab == "mine":
        conds.append(HumanTask.assignee.in_(owners))
    else:
        conds.append(or_(HumanTask.assignee.is_(None), HumanTask.assignee.in_(owners)))
    if filters.due == "overdue":
        conds.append(HumanTask.due_date < today)
    elif filters.due == "soon":
        conds.append(and_(HumanTask.due_date >= today, HumanTask.due_date <= soon_until))
    elif filters.due == "later":
        conds.append(or_(HumanTask.due_date > soon_until, HumanTask.due_date.is_(None)))
    needs_dossier = False
    if filters.status:
        conds.append(Dossier.status == filters.status)
        needs_dossier = True
    if filters.procedure:
        conds.append(Dossier.procedure_version_id.in_(versions) if versions else false())
        needs_dossier = True
    return conds, needs_dossier


def _versions(session: Session, filters: Filters) -> list[int]:
    """The version ids of the procedure filtered on, read first: a literal list
    lets the planner walk the inbox index instead of hashing every dossier."""
    if not filters.procedure:
        return []
    return list(session.scalars(select(ProcedureVersion.id).join(Procedure)
                                .where(Procedure.code == filters.procedure)))


def count_tasks(session: Session, scope: Scope, filters: Filters, tab: str, today: date,
                soon_until: date, cap: int | None = None, versions: list[int] | None = None) -> int:
    """How many tasks the tab holds, counted up to cap + 1: a badge says "1000+"
    rather than have every page view walk a whole department's backlog."""
    cap = COUNT_CAP if cap is None else cap
    if versions is None:
        versions = _versions(session, filters)
    conds, needs_dossier = _where(scope, filters, tab, today, soon_until, versions)
    inner = select(HumanTask.id)
    if needs_dossier:
        inner = inner.join(Dossier, Dossier.id == HumanTask.dossier_id)
    limited = inner.where(*conds).limit(cap + 1).subquery()
    return int(session.scalar(select(func.count()).select_from(limited)) or 0)


ROW_COLUMNS = (HumanTask.id, HumanTask.name, HumanTask.element_id, HumanTask.role,
               HumanTask.department, HumanTask.assignee, HumanTask.created_at, HumanTask.due_date,
               Dossier.code, Dossier.applicant_name, Dossier.status, Dossier.channel,
               Dossier.procedure_version_id)
SORT_KEYS = {"due": "due_date", "created": "created_at", "code": "code"}


def _order(columns: Any, filters: Filters) -> list[ColumnElement[Any]]:
    key = columns[SORT_KEYS.get(filters.sort, "due_date")]
    if filters.descending:
        return [key.desc(), columns["id"].desc()]
    return [key.asc(), columns["id"].asc()]


def _page_query(scope: Scope, filters: Filters, tab: str, today: date, soon_until: date,
                page: int, versions: list[int]) -> Select[*tuple[Any, ...]]:
    """The rows of one page. With several queues, each queue is read in order
    from the index up to the page's end (task ids and sort keys only) and the
    short lists merged, instead of sorting everything the queues hold; only the
    page's tasks are then joined to their dossiers."""
    limit, offset = PAGE_SIZE + 1, (page - 1) * PAGE_SIZE
    queues = _queues(scope.pairs)
    key_name = SORT_KEYS.get(filters.sort, "due_date")
    plain = {"id": HumanTask.id, "due_date": HumanTask.due_date,
             "created_at": HumanTask.created_at, "code": Dossier.code}
    if len(queues) <= 1:
        conds, _ = _where(scope, filters, tab, today, soon_until, versions)
        return (select(*ROW_COLUMNS).join(Dossier, Dossier.id == HumanTask.dossier_id)
                .where(*conds).order_by(*_order(plain, filters)).limit(limit).offset(offset))
    parts = []
    for queue in queues:
        conds, needs_dossier = _where(scope, filters, tab, today, soon_until, versions, queue)
        part = select(HumanTask.id.label("id"), plain[key_name].label("key"))
        if needs_dossier or key_name == "code":
            part = part.join(Dossier, Dossier.id == HumanTask.dossier_id)
        part_q = part.where(*conds).order_by(*_order(plain, filters)).limit(offset + limit)
        parts.append(select(*part_q.subquery().c))
    merged = union_all(*parts).subquery()
    chosen = (select(merged.c.id, merged.c.key).order_by(*_order(_by_key(merged), filters))
              .limit(limit).offset(offset).subquery())
    return (select(*ROW_COLUMNS).join(Dossier, Dossier.id == HumanTask.dossier_id)
            .join(chosen, chosen.c.id == HumanTask.id)
            .order_by(*_order(_by_key(chosen), filters)))


def _by_key(ids: Any) -> dict[str, Any]:
    """The columns _order reads, of a subquery of task ids and one sort key."""
    return dict.fromkeys(SORT_KEYS.values(), ids.c.key) | {"id": ids.c.id}


def inbox(session: Session, scope: Scope, filters: Filters, today: date, soon_until: date,
          *, with_counts: bool = True) -> InboxPage:
    """One page of the chosen tab (PAGE_SIZE rows) and, for the badges, every tab's count."""
    tab = filters.tab if filters.tab in TABS else "all"
    versions = _versions(session, filters)
    counts = {t: count_tasks(session, scope, filters, t, today, soon_until, versions=versions)
              for t in (("unclaimed", "mine") if with_counts else (tab,))}
    if with_counts:  # every task of the tab "all" is either unclaimed or one of mine
        counts["all"] = counts["unclaimed"] + counts["mine"]
    total = counts[tab]
    pages = -(-total // PAGE_SIZE) if total <= COUNT_CAP else None
    page = max(1, filters.page)
    if pages is not None:
        page = min(page, max(1, pages))
    found = [Row(*r) for r in session.execute(
        _page_query(scope, filters, tab, today, soon_until, page, versions))]
    return InboxPage(rows=found[:PAGE_SIZE], total=total, page=page, pages=pages,
                     has_next=len(found) > PAGE_SIZE, counts=counts)


def procedure_names(session: Session) -> dict[int, tuple[str, str, str]]:
    """Version id → (procedure code, Vietnamese name, English name); a handful of rows."""
    return {vid: (code, vi, en) for vid, code, vi, en in session.execute(
        select(ProcedureVersion.id, Procedure.code, Procedure.name_vi, Procedure.name_en)
        .join(Procedure))}
