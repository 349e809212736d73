"""Analysts see a version's decision tables (decisions/*.dmn) as tables — inputs,
outputs, one row per rule, the hit policy — and the compare page lists what changed in
them: a changed rule as a changed row, a table whose columns changed as a diff of its
file."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from engine.procedures.version_diff import compare

from ..conftest import login
from ..helpers import bpmn_bundle, deploy

LANES = "".join(f'[lanes.lane_{dept.lower()}]\nrole = "specialist"\ndepartment = "{dept}"\n'
                for dept in ("SXD", "QLDT", "TNMT"))


def _edit(bundle: Path, name: str, old: str, new: str) -> None:
    file = bundle / "decisions" / name
    text = file.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    file.write_text(text.replace(old, new), encoding="utf-8")


def _cells(row: str) -> list[str]:
    return [html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
            for c in re.findall(r"<td>(.*?)</td>", row, re.S)]


@pytest.fixture
def bundle(sessions, people, tmp_path) -> Path:
    folder = bpmn_bundle(tmp_path, "decision_fee", LANES)
    deploy(sessions, folder)
    return folder


def test_the_version_page_shows_each_decision_as_a_table(app, bundle):
    analyst = login(app.test_client(), "admin")
    page = analyst.get("/quy-trinh/decision_fee").get_data(as_text=True)
    section = re.search(r'<section class="card" id="decisions">(.*?)</section>', page, re.S).group(1)
    fee = re.search(r'<div class="decision" id="decision-fee_by_channel_case">(.*?)</div>',
                    section, re.S).group(1)
    assert "Lệ phí theo kênh nộp và trường hợp" in fee and "decisions/decision_fee.dmn" in fee
    assert "<code>UNIQUE</code>" in fee and "chỉ một quy tắc được khớp" in fee
    headers = [html.unescape(re.sub(r"<[^>]+>", " ", h)).split()
               for h in re.findall(r"<th data-(?:input|output)=\"[^\"]+\">(.*?)</th>", fee, re.S)]
    assert headers == [["Kênh", "nộp", "channel"], ["Trường", "hợp", 'application["case"]'],
                       ["Lệ", "phí", "(đồng)", "fee"]]
    rows = re.findall(r'<tr data-rule="([^"]+)">(.*?)</tr>', fee, re.S)
    assert [r[0] for r in rows] == ["fee_house_online", "fee_house_counter", "fee_works_online",
                                    "fee_works_counter", "fee_land"]
    assert _cells(rows[0][1]) == ["1", '"online"', '"nha_o"', "37500",
                                  "Nhà ở riêng lẻ, nộp trực tuyến: giảm 50%"]
    assert _cells(rows[1][1])[:4] == ["2", 'in ("counter", "postal")', '"nha_o"', "75000"]
    assert _cells(rows[4][1])[:4] == ["5", "-", '"dat_dai"', "0"]
    route = re.search(r'id="decision-department_by_case">(.*?)</div>', section, re.S).group(1)
    assert "<code>FIRST</code>" in route and "lấy quy tắc khớp đầu tiên" in route
    assert len(re.findall(r"<tr data-rule=", route)) == 3
    analyst.get("/lang/en")
    english = analyst.get("/quy-trinh/decision_fee").get_data(as_text=True)
    assert "Decision tables, version 1" in english
    assert "Hit policy" in english and "the first rule that matches, in order" in english


def test_the_compare_page_shows_a_changed_rule_as_a_changed_row(app, sessions, bundle):
    _edit(bundle, "decision_fee.dmn", "<text>37500</text>", "<text>40000</text>")
    _edit(bundle, "decision_fee_route.dmn", 'hitPolicy="FIRST"', 'hitPolicy="UNIQUE"')
    _edit(bundle, "decision_fee_route.dmn", "<text>&gt;= 7</text>", "<text>&gt;= 9</text>")
    # UNIQUE with overlapping rules would be refused: make the catch-all rule exclusive
    _edit(bundle, "decision_fee_route.dmn",
          '<inputEntry id="route_other_case"><text>-</text>',
          '<inputEntry id="route_other_case"><text>not in ("nha_o", "cong_trinh")</text>')
    _edit(bundle, "decision_fee_route.dmn",
          '<inputEntry id="route_building_floors"><text>-</text>',
          '<inputEntry id="route_building_floors"><text>&lt; 9</text>')
    assert deploy(sessions, bundle).version == 2
    analyst = login(app.test_client(), "admin")
    page = analyst.get("/quy-trinh/decision_fee/so-sanh?tu=1&den=2").get_data(as_text=True)
    sections = dict(re.findall(
        r'<section class="card decision-changes"><h2>Bảng quyết định ([^<]+)</h2>(.*?)</section>',
        page, re.S))
    assert set(sections) == {"decisions/decision_fee.dmn", "decisions/decision_fee_route.dmn"}
    fee = re.findall(r'<tr class="change-(\w+)" data-item="([^"]+)">(.*?)</tr>',
                     sections["decisions/decision_fee.dmn"], re.S)
    assert [(kind, item) for kind, item, _ in fee] == [("changed", "fee_house_online")]
    assert _cells(fee[0][2]) == ["fee_house_online#1", "Đã sửa", "→ Lệ phí (đồng) (fee): 37500",
                                 "→ Lệ phí (đồng) (fee): 40000"]
    route = re.findall(r'<tr class="change-(\w+)" data-item="([^"]+)">(.*?)</tr>',
                       sections["decisions/decision_fee_route.dmn"], re.S)
    assert [(kind, item) for kind, item, _ in route] == [
        ("changed", "hitPolicy"), ("changed", "route_big_works"), ("changed", "route_building"),
        ("changed", "route_other")]
    assert _cells(route[0][2])[2:] == ["FIRST", "UNIQUE"]
    assert _cells(route[1][2])[2:] == ["Số tầng (application.get(\"count\", 0)): >= 7",
                                       "Số tầng (application.get(\"count\", 0)): >= 9"]
    assert "udiff" not in page.split('class="card decision-changes"', 1)[1].split("Sơ đồ")[0]


def test_a_table_whose_columns_changed_is_compared_as_text(app, sessions, bundle):
    _edit(bundle, "decision_fee.dmn", 'label="Kênh nộp"', 'label="Kênh tiếp nhận"')
    assert deploy(sessions, bundle).version == 2
    analyst = login(app.test_client(), "admin")
    page = analyst.get("/quy-trinh/decision_fee/so-sanh").get_data(as_text=True)
    [section] = re.findall(r'<section class="card decision-changes">(.*?)</section>', page, re.S)
    assert "decisions/decision_fee.dmn" in section
    lines = [html.unescape(line) for line in re.findall(r'<span class="(?:add|del)">(.*?)</span>',
                                                        section)]
    assert lines == ['-      <input id="in_channel" label="Kênh nộp">',
                     '+      <input id="in_channel" label="Kênh tiếp nhận">']


def test_decisions_added_or_removed_are_named(tmp_path):
    folder = bpmn_bundle(tmp_path, "decision_fee", LANES)
    files = {p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
             for p in folder.rglob("*") if p.is_file()}
    without = {k: v for k, v in files.items() if k != "decisions/decision_fee_route.dmn"}
    [removed] = compare(files, without).decisions["decisions/decision_fee_route.dmn"]
    assert (removed.kind, removed.label) == ("removed", "Phòng thụ lý theo trường hợp")
    [added] = compare(without, files).decisions["decisions/decision_fee_route.dmn"]
    assert added.kind == "added"
    assert compare(files, files).empty
