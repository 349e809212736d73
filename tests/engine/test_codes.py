"""Dossier codes: `<agency>-<yymmdd>-<nnnn>`, unique under concurrent submission."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date

from engine.db import transaction
from engine.dossiers.codes import format_code, next_code

from ..conftest import FIXTURES, at
from ..helpers import deploy, submit


def test_format():
    assert format_code("UBND-PBD", date(2026, 3, 2), 7) == "UBND-PBD-260302-0007"


def test_sequence_restarts_each_day_and_per_agency(sessions):
    with transaction(sessions) as s:
        a = [next_code(s, "A", date(2026, 3, 2)) for _ in range(3)]
        b = next_code(s, "B", date(2026, 3, 2))
        c = next_code(s, "A", date(2026, 3, 3))
    assert a == ["A-260302-0001", "A-260302-0002", "A-260302-0003"]
    assert (b, c) == ("B-260302-0001", "A-260303-0001")


def test_concurrent_submissions_get_distinct_codes(sessions):
    deploy(sessions, FIXTURES / "mini")
    when = at("2026-03-02 09:00")

    def one(i: int) -> str:
        return submit(sessions, "mini", {"ho_ten": f"Người {i}", "so_dinh_danh": "001099000444"}, when)

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(one, range(40)))
    assert len(set(codes)) == 40
    assert sorted(codes) == [f"TEST-260302-{n:04d}" for n in range(1, 41)]
