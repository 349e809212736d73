"""Document numbers (số văn bản): each agency keeps registers (sổ) whose numbers start
at 1 every year (Decree 30/2020, art. 15). A result gets its number when it is issued;
the dossier keeps it, so a retried rendering prints the same number and concurrent
issues never share one."""

from __future__ import annotations

from datetime import date
from typing import TypeVarTuple

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..db import is_postgres
from ..errors import NotFound
from ..models import Dossier, Procedure, ProcedureVersion, RegisterCounter, RegisterEntry, utcnow
from ..procedures.numbering import Numbering


def number_for(session: Session, *, dossier_code: str, procedure_code: str, agency: str,
               numbering: Numbering, on: date) -> RegisterEntry:
    """The dossier's entry in the register, given now if it has none: the next number
    of the agency's register in the year of `on`."""
    dossier_id = session.scalar(select(Dossier.id).where(Dossier.code == dossier_code))
    if dossier_id is None:
        raise NotFound("dossier not found", dossier=dossier_code)
    found = _entry(session, dossier_id, numbering.register)
    if found is not None:
        return found
    try:
        with session.begin_nested():
            number = _next(session, agency, numbering.register, on.year)
            entry = RegisterEntry(
                agency=agency, register=numbering.register, year=on.year, number=number,
                text=numbering.text(number, on.year), book=numbering.book_text(number, on.year),
                dossier_id=dossier_id, procedure_code=procedure_code, issued_on=on,
                created_at=utcnow())
            session.add(entry)
            session.flush()
        return entry
    except IntegrityError:
        # the same dossier numbered at the same moment elsewhere: that number stands,
        # and this counter step was rolled back with the savepoint
        found = _entry(session, dossier_id, numbering.register)
        if found is None:
            raise
        return found


def numbers_of(session: Session, dossier_id: int) -> list[RegisterEntry]:
    """The numbers a dossier's results were given (one per register)."""
    return list(session.scalars(select(RegisterEntry).where(
        RegisterEntry.dossier_id == dossier_id).order_by(RegisterEntry.id)))


def _entry(session: Session, dossier_id: int, register: str) -> RegisterEntry | None:
    return session.scalar(select(RegisterEntry).where(
        RegisterEntry.dossier_id == dossier_id, RegisterEntry.register == register))


def _next(session: Session, agency: str, register: str, year: int) -> int:
    insert = pg_insert if is_postgres(session) else sqlite_insert
    stmt = (
        insert(RegisterCounter)
        .values(agency=agency, register=register, year=year, last=1)
        .on_conflict_do_update(index_elements=["agency", "register", "year"],
                               set_={"last": RegisterCounter.last + 1})
        .returning(RegisterCounter.last)
    )
    return int(session.execute(stmt).scalar_one())


def entries(session: Session, agency: str | None = None, year: int | None = None,
            register: str | None = None, limit: int = 500, offset: int = 0,
            visible: ColumnElement[bool] | None = None) -> list[tuple[RegisterEntry, str]]:
    """Register entries, newest number first, with their dossier codes; only of the
    dossiers matching `visible` when given."""
    query = (select(RegisterEntry, Dossier.code)
             .join(Dossier, Dossier.id == RegisterEntry.dossier_id)
             .order_by(RegisterEntry.year.desc(), RegisterEntry.agency, RegisterEntry.register,
                       RegisterEntry.number.desc())
             .limit(limit).offset(offset))
    return [(entry, code) for entry, code in session.execute(
        _filtered(query, agency, year, register, visible))]


def count_entries(session: Session, agency: str | None = None, year: int | None = None,
                  register: str | None = None,
                  visible: ColumnElement[bool] | None = None) -> int:
    query = (select(func.count()).select_from(RegisterEntry)
             .join(Dossier, Dossier.id == RegisterEntry.dossier_id))
    return int(session.scalar(_filtered(query, agency, year, register, visible)) or 0)


def registers_in_use(session: Session) -> list[tuple[str, str, int]]:
    """(agency, register, year) of every register that has given a number, newest year first."""
    rows = session.execute(select(RegisterCounter.agency, RegisterCounter.register,
                                  RegisterCounter.year)
                           .order_by(RegisterCounter.year.desc(), RegisterCounter.agency,
                                     RegisterCounter.register))
    return [(agency, register, year) for agency, register, year in rows]


def procedures_numbered_in(session: Session) -> dict[tuple[str, str], list[str]]:
    """(agency, register) → codes of the procedures some version of which numbers its
    results there (read from the versions' settings, not their files)."""
    found: dict[tuple[str, str], list[str]] = {}
    rows = session.execute(select(Procedure.code, ProcedureVersion.settings)
                           .join(ProcedureVersion.procedure).order_by(Procedure.code))
    for code, settings in rows:
        numbering = (settings or {}).get("numbering") or {}
        key = ((settings or {}).get("agency", ""), numbering.get("register", ""))
        if key[1] and code not in found.setdefault(key, []):
            found[key].append(code)
    return found


_Columns = TypeVarTuple("_Columns")


def _filtered(query: Select[*_Columns], agency: str | None, year: int | None, register: str | None,
              visible: ColumnElement[bool] | None = None) -> Select[*_Columns]:
    if visible is not None:
        query = query.where(visible)
    if agency:
        query = query.where(RegisterEntry.agency == agency)
    if year:
        query = query.where(RegisterEntry.year == year)
    if register:
        query = query.where(RegisterEntry.register == register)
    return query
