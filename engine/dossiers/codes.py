"""Dossier codes `<agency>-<yymmdd>-<nnnn>`: a daily sequence per receiving agency,
allocated atomically so concurrent submissions never share a code."""

from __future__ import annotations

from datetime import date

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ..models import DossierCodeCounter


def next_code(session: Session, agency: str, day: date) -> str:
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = (
        insert(DossierCodeCounter)
        .values(agency=agency, day=day, last=1)
        .on_conflict_do_update(
            index_elements=["agency", "day"], set_={"last": DossierCodeCounter.last + 1}
        )
        .returning(DossierCodeCounter.last)
    )
    seq = session.execute(stmt).scalar_one()
    return format_code(agency, day, seq)


def format_code(agency: str, day: date, seq: int) -> str:
    return f"{agency}-{day:%y%m%d}-{seq:04d}"
