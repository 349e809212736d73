"""A database of N dossiers with real, replayable event chains, built in minutes.

Each scenario path of `examples/scenarios/` is run through the real runner and
worker — to its end, and stopped after each step for dossiers still in progress —
once per simulated working day; those are the templates. Every other dossier is a
clone of one template of its day: new id and code, new task ids, the applicant
one of the generated citizens, and its event chain hashed again under its own
code, so `verify_chain` and `replay` hold for a clone as for its template. Rows go
in with PostgreSQL's COPY (SQLite: executemany).

Service tasks get canned answers (the engine's work is what is filled, not the
connectors'): results are hashes of documents that are not stored, payments are
recorded as paid, notices as sent.

    .venv/bin/python -m bench.fill --url postgresql+psycopg://postgres@127.0.0.1:5432/motcua_1m \
        --dossiers 1000000 [--days 100] [--open-days 15] [--until YYYY-MM-DD] [--citizens 20000]

The database is migrated and filled; the procedures are deployed by "bench"; the
officers of the scenarios and the citizens `congdan00001`… get the password
`--password` (default `motcua-bench`).
"""

from __future__ import annotations

import argparse
import hashlib
import re
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Boolean, Engine, Table, func, insert, select, text
from sqlalchemy.orm import Session, sessionmaker

from connectors import register_all
from engine import config, db, migrate
from engine.accounts import accounts
from engine.audit.events import GENESIS, canonical_json, event_body
from engine.db import transaction
from engine.dossiers import codes, runner
from engine.dossiers.machine import DossierMachine
from engine.dossiers.replay import replay
from engine.models import (
    Base,
    Dossier,
    DossierCodeCounter,
    HumanTask,
    Incident,
    ProcedureVersion,
    User,
    UserRole,
)
from engine.outbox.worker import run_once
from engine.procedures import operators, procedures
from engine.scenario.scenario import Scenario, all_scenarios, open_task

DIGEST = re.compile(r"~digest:(\d+)~")  # where a checkpoint's digest goes, until it is known
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# What every service task answers: the engine is filled, not the connectors.
CANNED: dict[str, dict[str, Any]] = {
    "fee.collect": {"status": "paid", "amount": 0},
    "fee.refund": {"status": "nothing_to_refund", "amount": 0, "currency": "VND"},
    "result.render": {"document": "0" * 64}, "result.sign": {"signed": False},
    "result.deliver": {"channel": "portal"}, "notify.send": {"channel": "mailbox"},
    "portal.sync": {"sent": True}, "message.deliver": {"delivered": False},
}
# Rows of a dossier that a clone does not carry: the day's seals and the incidents
# belong to the day and to the administrators, kept messages to no dossier yet.
NOT_CLONED = {"seal_leaves", "incidents", "messages"}


@contextmanager
def canned_handlers() -> Iterator[None]:
    """Every operator answers its canned result; the handlers before are put back."""
    before = {name: operators.handler_for(name) for name in CANNED}
    for name, answer in CANNED.items():
        operators.register(name)(lambda ctx, answer=answer: dict(answer))
    try:
        yield
    finally:
        for name, handler in before.items():
            if handler is None:
                operators.unregister(name)
            else:
                operators.register(name)(handler)


def working_days(until: date, n: int) -> list[date]:
    """The n weekdays that end on `until` (or the weekday before it), oldest first."""
    days, day = [], until
    while len(days) < n:
        if day.weekday() < 5:
            days.append(day)
        day -= timedelta(days=1)
    return days[::-1]


@dataclass(frozen=True)
class Template:
    code: str
    day: date
    finished: bool


def run_template(sessions: sessionmaker[Session], scenario: Scenario, path: str, steps: int,
                 day: date, applicant: str) -> str:
    """One dossier of `applicant` through the runner and the worker, from 08:30 (Hà Nội)
    on `day`; each step an hour after the one before."""
    now = datetime(day.year, day.month, day.day, 1, 30, tzinfo=UTC)

    def work() -> None:
        while run_once(sessions, worker="bench", clock=lambda: now).total:
            pass

    with transaction(sessions) as s:
        code = runner.submit(s, scenario.procedure, scenario.application, actor=applicant,
                             channel=scenario.channel, applicant_user=applicant, at=now).code
    work()
    for step in scenario.paths[path][:steps]:
        now += timedelta(hours=1)
        with transaction(sessions) as s:
            task = open_task(s, code, step.element_id)
            if task is None:
                raise LookupError(f"{code}: {step.element_id} is not open")
            actor = applicant if step.actor == scenario.applicant else step.actor
            runner.complete_task(s, task.id, step.data, actor=actor, at=now)
        work()
    return code


def build_templates(sessions: sessionmaker[Session], days: list[date], open_days: int,
                    names: list[str] | None, applicant: str, log: Any) -> list[Template]:
    chosen = [n.split(":") for n in names or []]  # "marital_status" or "marital_status:approve"
    scenarios = {k: v for k, v in all_scenarios().items()
                 if not chosen or any(c[0] == k for c in chosen)}
    templates: list[Template] = []
    for i, day in enumerate(days):
        recent = i >= len(days) - open_days
        for name, scenario in scenarios.items():
            for path, steps in scenario.paths.items():
                if chosen and not any(c == [name] or c == [name, path] for c in chosen):
                    continue
                lengths = range(len(steps) + 1) if recent else [len(steps)]
                for k in lengths:
                    code = run_template(sessions, scenario, path, k, day, applicant)
                    templates.append(Template(code, day, k == len(steps)))
        if i % 10 == 0:
            log(f"  templates of {day:%d/%m/%Y}: {len(templates)} so far")
    with transaction(sessions) as s:
        incidents = s.scalar(select(func.count()).select_from(Incident))
    if incidents:
        raise SystemExit(f"{incidents} incidents while building templates: see the incidents table")
    return templates


def dossier_tables() -> list[Table]:
    """Tables whose rows belong to one dossier, parents before children."""
    return [t for t in Base.metadata.sorted_tables
            if ("dossier_id" in t.c or t.name == "dossiers") and t.name not in NOT_CLONED]


def read_template(s: Session, tables: list[Table], code: str) -> dict[str, list[dict[str, Any]]]:
    """The template's rows per table, and under "checkpoints" what each checkpoint's
    digest covers (its replay is run once to learn them: a clone's digests differ
    from its template's only by the code and the applicant in the data)."""
    dossier = s.execute(select(tables[0]).where(tables[0].c.code == code)).mappings().one()
    out: dict[str, list[dict[str, Any]]] = {"dossiers": [dict(dossier)]}
    for t in tables[1:]:
        out[t.name] = [dict(r) for r in
                       s.execute(select(t).where(t.c.dossier_id == dossier["id"])
                                 .order_by(t.c.id)).mappings()]
    bodies: list[str] = []
    original = DossierMachine.digest

    def recording(machine: DossierMachine) -> str:
        bodies.append(machine.digest_body())
        return original(machine)

    DossierMachine.digest = recording  # type: ignore[method-assign]
    try:
        report = replay(s, s.get(Dossier, dossier["id"]))
    finally:
        DossierMachine.digest = original  # type: ignore[method-assign]
    if not report.consistent:
        raise SystemExit(f"template {code} does not replay: {report}")
    checkpoints = [e for e in out["events"] if e["type"] == "checkpoint"]
    if len(bodies) != len(checkpoints):
        raise SystemExit(f"template {code}: {len(bodies)} digests for {len(checkpoints)} checkpoints")
    out["checkpoints"] = [{"body": b} for b in bodies]
    return out


class Text:
    """A text with holes (`\\x01n\\x02`, n a token's number), filled fast by joining."""

    def __init__(self, text: str):
        head, *rest = text.split("\x01")
        self.head = head
        self.parts = [(int(n), literal) for n, literal in (r.split("\x02", 1) for r in rest)]

    def fill(self, values: list[str]) -> str:
        return self.head + "".join([values[n] + literal for n, literal in self.parts])


class Compiled:
    """A template's rows as COPY text and its events' hashed bodies, with a hole for
    every value a clone changes: its code, applicant, task ids, row ids, register
    numbers and event hashes."""

    def __init__(self, rows: dict[str, list[dict[str, Any]]], tables: list[Table],
                 fks: dict[str, dict[str, str]]):
        dossier = rows["dossiers"][0]
        self.code, self.user, self.agency = (dossier["code"], dossier["applicant_user"],
                                             dossier["agency"])
        self.tokens: list[tuple[str, Any]] = []  # (kind, what): the holes, in order
        self._index: dict[tuple[str, Any], int] = {}
        self.code_hole = self._hole("code", None)
        self.user_hole = self._hole("user", None)
        row_holes = {(t.name, r["id"]): self._hole("id", t.name)
                     for t in tables for r in rows[t.name]}
        events = rows.get("events", [])
        self.digests = [Text(self._text(c["body"])) for c in rows["checkpoints"]]
        digest_holes = iter([self._hole("digest", i) for i in range(len(self.digests))])
        hash_holes = [self._hole("hash", i) for i in range(len(events))]
        for e in events:
            if e["type"] == "checkpoint":
                e["payload"] = {**e["payload"], "digest": f"~digest:{next(digest_holes)}~"}
        self.tables: dict[str, Text] = {}
        for t in tables:
            json_columns = {c.name for c in t.columns if "JSON" in repr(c.type)}
            lines = []
            for r in rows[t.name]:
                fields = []
                for c in t.columns:
                    v = r[c.name]
                    if c.name == "id":
                        fields.append(self._mark(row_holes[(t.name, v)]))
                    elif c.name in fks[t.name] and (fks[t.name][c.name], v) in row_holes:
                        fields.append(self._mark(row_holes[(fks[t.name][c.name], v)]))
                    elif t.name == "events" and c.name in ("hash", "prev_hash"):
                        i = r["seq"] - 1 - (c.name == "prev_hash")
                        fields.append(GENESIS if i < 0 else self._mark(hash_holes[i]))
                    elif t.name == "dossiers" and c.name == "last_event_hash" and events:
                        fields.append(self._mark(hash_holes[-1]))
                    elif t.name == "register_entries" and c.name == "number":
                        fields.append(self._mark(self._hole("number", (r["agency"], r["register"],
                                                                        r["year"]))))
                    else:
                        fields.append(self._text(copy_value(v, c.name in json_columns)))
                lines.append("\t".join(fields) + "\n")
            self.tables[t.name] = Text("".join(lines))
        self.row_count = sum(len(rows[t.name]) for t in tables)
        self.bodies = [Text(self._text(event_body(self.code, e["seq"], as_utc(e["at"]), e["actor"],
                                                  e["type"], e["payload"]))) for e in events]

    def _hole(self, kind: str, what: Any) -> int:
        self.tokens.append((kind, what))
        return len(self.tokens) - 1

    @staticmethod
    def _mark(n: int) -> str:
        return f"\x01{n}\x02"

    def _text(self, text: str) -> str:
        """Holes for the code, the applicant (a whole value) and every task id."""
        if self.user and (text == self.user or f'"{self.user}"' in text):
            text = (self._mark(self.user_hole) if text == self.user
                    else text.replace(f'"{self.user}"', f'"{self._mark(self.user_hole)}"'))
        text = text.replace(self.code, self._mark(self.code_hole))
        text = DIGEST.sub(lambda m: self._mark(int(m.group(1))), text)
        return UUID.sub(lambda m: self._mark(self._uuid_hole(m.group(0))), text)

    def _uuid_hole(self, value: str) -> int:
        key = ("uuid", value)
        if key not in self._index:
            self._index[key] = self._hole("uuid", value)
        return self._index[key]


class Filler:
    """Clones compiled templates into COPY buffers, one per table."""

    def __init__(self, engine: Engine, tables: list[Table]):
        self.engine = engine
        self.tables = tables
        self.fks = {t.name: {c.name: next(iter(c.foreign_keys)).column.table.name
                             for c in t.columns if c.foreign_keys} for t in tables}
        self.numbers: dict[tuple[str, str, int], int] = defaultdict(int)
        with engine.connect() as conn:
            self.next_id = {t.name: (conn.scalar(select(func.max(t.c.id))) or 0) + 1 for t in tables}
            entries = Base.metadata.tables["register_entries"]
            for agency, register, year, number in conn.execute(
                    select(entries.c.agency, entries.c.register, entries.c.year,
                           func.max(entries.c.number))
                    .group_by(entries.c.agency, entries.c.register, entries.c.year)):
                self.numbers[(agency, register, year)] = number
        self.buffers: dict[str, list[str]] = defaultdict(list)
        self.rows = 0
        # task ids: a random prefix for this fill and a counter (uuid4 each is slower)
        self._uuid_prefix = uuid.uuid4().hex[:20]
        self._uuid_count = 0

    def new_uuid(self) -> str:
        self._uuid_count += 1
        h = f"{self._uuid_prefix}{self._uuid_count:012x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def compile(self, rows: dict[str, list[dict[str, Any]]]) -> Compiled:
        return Compiled(rows, self.tables, self.fks)

    def clone(self, template: Compiled, code: str, user: str) -> None:
        values: list[str] = []
        for kind, what in template.tokens:
            if kind == "code":
                values.append(code)
            elif kind == "user":
                values.append(user)
            elif kind == "uuid":
                values.append(self.new_uuid())
            elif kind == "id":
                values.append(str(self.next_id[what]))
                self.next_id[what] += 1
            elif kind == "number":
                self.numbers[what] += 1
                values.append(str(self.numbers[what]))
            else:  # the digests and the event hashes, filled in below
                values.append("")
        holes = [i for i, (kind, _) in enumerate(template.tokens) if kind == "digest"]
        for hole, body in zip(holes, template.digests, strict=True):
            values[hole] = hashlib.sha256(body.fill(values).encode()).hexdigest()
        prev, holes = GENESIS, [i for i, (kind, _) in enumerate(template.tokens) if kind == "hash"]
        for hole, body in zip(holes, template.bodies, strict=True):
            prev = values[hole] = hashlib.sha256((prev + body.fill(values)).encode()).hexdigest()
        for name, rows in template.tables.items():
            if rows.head or rows.parts:
                self.buffers[name].append(rows.fill(values))
        self.rows += template.row_count

    def flush(self) -> None:
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":  # bench data: no need to wait for the disk
                conn.execute(text("SET LOCAL synchronous_commit = off"))
            for t in self.tables:
                chunks = self.buffers.pop(t.name, [])
                if chunks:
                    load(conn, t, "".join(chunks))


def load(conn: Any, table: Table, data: str) -> None:
    names = ", ".join(f'"{c.name}"' for c in table.columns)
    if conn.dialect.name == "postgresql":
        with conn.connection.driver_connection.cursor().copy(
                f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            copy.write(data)
        return
    # SQLite: the same text, read back into rows (for the smoke test's small fills)
    flags = [isinstance(c.type, Boolean) for c in table.columns]
    rows = [[None if f == r"\N" else (f == "t") if flag else unescape(f)
             for f, flag in zip(line.split("\t"), flags, strict=True)]
            for line in data.splitlines()]
    marks = ", ".join("?" for _ in table.columns)
    conn.connection.driver_connection.executemany(
        f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})', rows)


def unescape(field: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"t": "\t", "n": "\n", "r": "\r"}.get(m.group(1),
                                                                            m.group(1)), field)


def as_utc(v: datetime) -> datetime:
    return v if v.tzinfo else v.replace(tzinfo=UTC)


def copy_value(v: Any, as_json: bool) -> str:
    if v is None:
        return r"\N"
    if as_json:
        v = canonical_json(v)
    elif isinstance(v, datetime):
        v = as_utc(v).astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
    elif isinstance(v, bool):
        v = "t" if v else "f"
    else:
        v = str(v)
    return v.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def make_people(sessions: sessionmaker[Session], n: int, password: str) -> list[str]:
    """The scenarios' officers (every role of theirs in every department of the deployed
    versions) and `n` citizens, all with one password hash (hashed once: quick)."""
    with transaction(sessions) as s:
        departments: set[str] = set()
        for version in s.scalars(select(ProcedureVersion)):
            agency = version.settings["agency"]
            departments.add(agency)
            departments.update(lane.get("department", version.settings.get("department", agency))
                               for lane in version.settings["lanes"].values())
        first = accounts.create_user(s, "tiepnhan", "Tiếp nhận", password,
                                     [("reception", d) for d in sorted(departments)], by="bench")
        digest = first.password_hash
        staff = {"chuyenvien": ("Chuyên viên", "specialist"), "lanhdao": ("Lãnh đạo", "leader"),
                 "kiemtoan": ("Kiểm tra", "auditor")}
        for username, (name, role) in staff.items():
            scope = ["*"] if role == "auditor" else sorted(departments)
            s.add(User(username=username, full_name=name, password_hash=digest, active=True,
                       roles=[UserRole(role=role, department=d) for d in scope]))
        citizens = [f"congdan{i:05d}" for i in range(1, n + 1)]
        for i, username in enumerate(citizens, start=1):
            s.add(User(username=username, full_name=f"Công dân {i}", password_hash=digest,
                       active=True, roles=[UserRole(role="citizen", department="*")]))
            if i % 2000 == 0:
                s.flush()
    return citizens


def plan(templates: list[Template], total: int, open_days: int) -> Iterator[tuple[Template, int]]:
    """(template, how many clones) per template, `total` dossiers in all with the
    templates: each day about the same number; of a recent day's, a share still in
    progress (spread over the stages) that falls with the day's age, the rest finished."""
    days = sorted({t.day for t in templates})
    clones = max(0, total - len(templates))
    for i, day in enumerate(days):
        per_day = clones // len(days) + (1 if i < clones % len(days) else 0)
        todays = [t for t in templates if t.day == day]
        in_progress = [t for t in todays if not t.finished]
        finished = [t for t in todays if t.finished]
        age = len(days) - 1 - i  # in working days
        n_open = int(per_day * 0.6 * (1 - age / max(1, open_days))) if in_progress else 0
        for group, n in ((in_progress, n_open), (finished, per_day - n_open)):
            for j, t in enumerate(group):
                yield t, n // len(group) + (1 if j < n % len(group) else 0)


@dataclass(frozen=True)
class Filled:
    dossiers: int
    clones: int
    templates: int
    open_tasks: int
    rows: int
    citizens: list[str]


def fill(url: str, dossiers: int, days: int = 100, open_days: int = 15, citizens: int = 20_000,
         password: str = "motcua-bench", batch: int = 2_000, scenarios: list[str] | None = None,
         log: Any = lambda line: None, until: date | None = None) -> Filled:
    """Migrate the database at `url` and fill it (see the module's text); the dossiers'
    days end on `until` (default: today)."""
    engine = db.make_engine(url)
    migrate.upgrade(engine)
    register_all()  # deploying checks that every operator has a handler
    sessions = db.session_factory(engine)
    with transaction(sessions) as s:
        procedures.deploy_path(s, config.PROJECT_ROOT / "processes", "bench")
    log("migrated, procedures deployed")
    people = make_people(sessions, citizens, password)
    log(f"officers tiepnhan, chuyenvien, lanhdao, kiemtoan and {len(people)} citizens")
    with canned_handlers():
        templates = build_templates(sessions, working_days(until or date.today(), days), open_days,
                                    scenarios, people[0], log)
    log(f"{len(templates)} templates run through the engine")

    tables = dossier_tables()
    filler = Filler(engine, tables)
    with engine.connect() as conn:
        counters = {(a, d): n for a, d, n in conn.execute(select(
            DossierCodeCounter.agency, DossierCodeCounter.day, DossierCodeCounter.last))}
    made = 0
    for template, n in plan(templates, dossiers, open_days):
        if not n:
            continue
        with Session(engine) as s:
            compiled = filler.compile(read_template(s, tables, template.code))
        agency = compiled.agency
        for _ in range(n):
            counters[(agency, template.day)] = counters.get((agency, template.day), 0) + 1
            code = codes.format_code(agency, template.day, counters[(agency, template.day)])
            filler.clone(compiled, code, people[made % len(people)])
            made += 1
            if made % batch == 0:
                filler.flush()
            if made % 50_000 == 0:
                log(f"  {made:,} clones, {filler.rows:,} rows")
    filler.flush()
    finish(engine, tables, counters)
    with Session(engine) as s:
        total = s.scalar(select(func.count()).select_from(Dossier)) or 0
        open_tasks = s.scalar(select(func.count()).select_from(HumanTask)
                              .where(HumanTask.state == "open")) or 0
    engine.dispose()
    return Filled(total, made, len(templates), open_tasks, filler.rows, people)


def finish(engine: Engine, tables: list[Table], counters: dict[tuple[str, date], int]) -> None:
    """The code counters past the clones' codes, the id sequences past their ids."""
    ct = DossierCodeCounter.__table__
    with engine.begin() as conn:
        for (agency, day), last in counters.items():
            if not conn.execute(ct.update().where(ct.c.agency == agency, ct.c.day == day)
                                .values(last=last)).rowcount:
                conn.execute(insert(ct).values(agency=agency, day=day, last=last))
        if conn.dialect.name == "postgresql":
            for t in tables:
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{t.name}', 'id'), "
                                  f"(SELECT max(id) FROM \"{t.name}\"))"))
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=100, help="working days the dossiers span")
    parser.add_argument("--open-days", type=int, default=15,
                        help="the last days, whose dossiers may still be in progress")
    parser.add_argument("--until", type=date.fromisoformat, default=None,
                        help="the last day the dossiers span, YYYY-MM-DD (default: today)")
    parser.add_argument("--citizens", type=int, default=20_000)
    parser.add_argument("--password", default="motcua-bench")
    parser.add_argument("--batch", type=int, default=2_000, help="dossiers per COPY")
    parser.add_argument("--scenarios", nargs="*",
                        help="only these scenarios, or paths as scenario:path (default: all)")
    args = parser.parse_args()
    started = time.perf_counter()

    def log(line: str) -> None:
        print(f"[{time.perf_counter() - started:7.1f} s] {line}", flush=True)

    done = fill(args.url, args.dossiers, args.days, args.open_days, args.citizens, args.password,
                args.batch, args.scenarios, log, args.until)
    log(f"done: {done.dossiers:,} dossiers ({done.clones:,} clones of {done.templates} "
        f"templates), {done.open_tasks:,} open tasks, {done.rows:,} rows copied")


if __name__ == "__main__":
    main()
