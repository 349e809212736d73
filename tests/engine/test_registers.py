"""Document numbers: a result gets the next number of its agency's register when it is
issued, numbers restart each year, a dossier keeps its number whatever is retried, and
concurrent issues never share one; a bundle with a bad `[numbering]` is refused."""

from __future__ import annotations

import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from datetime import datetime as real_datetime

import pytest
from sqlalchemy import func, select

from connectors import render as render_module
from engine.db import transaction
from engine.documents import blobs
from engine.documents.registers import entries, number_for
from engine.errors import BundleInvalid
from engine.models import RegisterCounter, RegisterEntry
from engine.procedures import procedures
from engine.procedures.bundle import load_bundle, validate
from engine.procedures.numbering import Numbering
from engine.scenario.scenario import all_scenarios

from ..conftest import FIXTURES, PROCESSES, at
from ..helpers import context, deploy, submit

XN = Numbering("XNTTHN", "{number:02d}/XNTTHN")
KS = Numbering("KS", "{number}", book="01/{year}")
OPS = {"fee.collect", "fee.refund", "result.render", "result.sign", "result.deliver", "notify.send"}


def _dossiers(sessions, n: int) -> list[str]:
    deploy(sessions, FIXTURES / "mini")
    when = at("2026-03-02 09:00")
    return [submit(sessions, "mini", {"ho_ten": f"Người {i}", "so_dinh_danh": "001099000444"}, when)
            for i in range(n)]


def _number(sessions, code: str, numbering: Numbering = XN, agency: str = "UBND-PHK",
            on: date = date(2026, 3, 2)) -> RegisterEntry:
    with transaction(sessions) as s:
        return number_for(s, dossier_code=code, procedure_code="mini", agency=agency,
                          numbering=numbering, on=on)


def test_numbers_follow_each_other_and_a_dossier_keeps_its_number(sessions):
    a, b, c = _dossiers(sessions, 3)
    first = _number(sessions, a)
    assert (first.number, first.year, first.text, first.book) == (1, 2026, "01/XNTTHN", None)
    assert _number(sessions, b).text == "02/XNTTHN"
    again = _number(sessions, a)  # a retried rendering of the same result
    assert (again.id, again.text) == (first.id, "01/XNTTHN")
    assert _number(sessions, c).text == "03/XNTTHN"
    with transaction(sessions) as s:
        assert s.scalar(select(RegisterCounter.last)) == 3
        assert [(e.number, code) for e, code in entries(s)] == [(3, c), (2, b), (1, a)]


def test_registers_are_kept_per_agency_register_and_year(sessions):
    a, b, c, d = _dossiers(sessions, 4)
    assert _number(sessions, a).text == "01/XNTTHN"
    birth = _number(sessions, b, KS)  # another register of the same agency
    assert (birth.text, birth.book) == ("1", "01/2026")
    assert _number(sessions, c, agency="UBND-PCG").text == "01/XNTTHN"
    new_year = _number(sessions, d, on=date(2027, 1, 4))
    assert (new_year.number, new_year.year) == (1, 2027)
    # one dossier may hold one number per register
    assert _number(sessions, a, KS).text == "2"
    with transaction(sessions) as s:
        assert [e.text for e, _ in entries(s, agency="UBND-PHK", year=2026, register="KS")] == [
            "2", "1"]


def test_concurrent_issues_get_distinct_numbers_without_gaps(sessions):
    codes = _dossiers(sessions, 30)
    with ThreadPoolExecutor(max_workers=6) as pool:
        numbers = list(pool.map(lambda code: _number(sessions, code).number, codes))
    assert sorted(numbers) == list(range(1, 31))


def test_the_same_dossier_numbered_twice_at_once_holds_one_number(sessions):
    codes = _dossiers(sessions, 2)
    with ThreadPoolExecutor(max_workers=6) as pool:
        numbers = list(pool.map(lambda code: _number(sessions, code).number, codes * 6))
    assert sorted(set(numbers)) == [1, 2]
    with transaction(sessions) as s:
        assert s.scalar(select(func.count()).select_from(RegisterEntry)) == 2
        assert s.scalar(select(RegisterCounter.last)) == 2  # no number lost to the losers


@pytest.mark.parametrize(("table", "expected"), [
    ('register = "XN"\nformat = "{number:>999999999}"',
     "numbering.format may pad with zeros only, as in {number:02d} (not '>999999999')"),
    ('register = "XN"\nformat = "{number.__class__}"', "numbering.format may only use {number} and {year}"),
    ('register = "XN"\nformat = "{"', "numbering.format is not a valid format"),
    ('format = "{number}"', "numbering.register must be a name of 1–64 characters"),
    ('register = "KS"\nformat = "{number}"\nbook = "{dossier}"', "numbering.book may only use"),
    ('register = "KS"\nformat = "{number}"\nquyen = 1', "numbering has unknown keys: quyen"),
])
def test_a_bad_numbering_table_is_refused(tmp_path, table, expected):
    bundle = tmp_path / "mini"
    shutil.copytree(FIXTURES / "mini", bundle)
    toml = bundle / "procedure.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.replace("[fees]", f"[numbering]\n{table}\n\n[fees]", 1), encoding="utf-8")
    with pytest.raises(BundleInvalid) as err:
        validate(load_bundle(bundle), OPS)
    found = [str(p) for p in err.value.problems]
    assert any(p.startswith(f"procedure.toml: {expected}") for p in found), found


def test_a_render_retried_after_new_year_keeps_its_number_and_its_date(sessions, monkeypatch):
    """The worker died after the number was given on 31 December; the job runs again on
    1 January: the same number, the same date of issue, and the new year's register untouched."""
    with transaction(sessions) as s:
        procedures.deploy_path(s, PROCESSES, "test")
    scenario = all_scenarios()["marital_status"]
    code = submit(sessions, "marital_status", scenario.application, at("2026-12-31 09:00"))
    decision = {"nguoi_ky": "Lê Quang Hải", "chuc_vu_nguoi_ky": "pho_chu_tich",
                "noi_dung_xac_nhan": "Chưa đăng ký kết hôn với ai",
                "tinh_trang_hon_nhan_xac_nhan": "chua_dang_ky_ket_hon"}

    def render_on(day: str) -> dict:
        class Clock(real_datetime):
            @classmethod
            def now(cls, tz=None):
                return real_datetime.fromisoformat(f"{day}T10:00:00+07:00").astimezone(tz)

        monkeypatch.setattr(render_module, "datetime", Clock)
        return render_module.render(context(sessions, code, "result.render", "render-final",
                                            data=decision))

    first, again = render_on("2026-12-31"), render_on("2027-01-01")
    assert first["document_number"] == again["document_number"] == "01/XNTTHN"
    text = subprocess.run(["pdftotext", "-raw", "-", "-"], input=blobs.get(again["document"]),
                          capture_output=True, check=True).stdout.decode()
    assert "ngày 31 tháng 12 năm 2026" in text and "Số: 01/XNTTHN" in text
    with transaction(sessions) as s:
        assert [(e.year, e.number) for e, _ in entries(s)] == [(2026, 1)]
