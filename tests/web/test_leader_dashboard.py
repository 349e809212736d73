"""The leaders' dashboard: who may see which agency's figures, the figures as JSON, as a
fragment the page refreshes itself with, as CSV Excel reads, and the monthly report."""

from __future__ import annotations

import csv
import io
import re

import pytest

from engine.accounts.accounts import create_user
from engine.db import transaction
from engine.dossiers.monthly_report import previous_month
from engine.dossiers.officers import claim_task
from engine.scenario.scenario import all_scenarios, drive
from web.access import today

from ..conftest import login
from ..helpers import task
from .test_payments import deployed  # noqa: F401  (fixture)

MARITAL = all_scenarios()["marital_status"]
BOM = "\ufeff"


@pytest.fixture
def figures(deployed):  # noqa: F811
    """Marital-status dossiers of UBND-PHK, today: one finished, one whose review a
    specialist claimed from the inbox without opening it."""
    sessions = deployed
    done = drive(sessions, MARITAL, "approve")
    waiting = drive(sessions, MARITAL, "approve", steps=1)
    review = task(sessions, waiting, "review")
    with transaction(sessions) as s:
        claim_task(s, review.id, "chuyenvien")
    return sessions, done, waiting


def _json(client, query: str = "") -> dict:
    r = client.get(f"/lanh-dao/bang-dieu-khien.json{query}")
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    return r.get_json()


def test_a_leader_sees_their_agency_and_nobody_else_sees_the_dashboard(app, people, figures):
    _, done, waiting = figures
    leader = login(app.test_client(), "lanhdao")
    body = _json(leader)
    assert body["agencies"] == ["UBND-PCG", "UBND-PHK"]  # LANHDAO leads the procedures of both
    assert body["activity"]["received"]["today"] == 2
    assert body["activity"]["finished"]["today"] == 1 and body["activity"]["in_progress"] == 1
    [row] = body["by_procedure"]
    assert (row["key"], row["total"]) == ("marital_status", 1)
    assert {r["key"] for r in body["by_department"]} >= {"MOTCUA", "TUPHAP", "LANHDAO"}
    assert "Lê Quang Hải" in {r["name"] for r in body["by_officer"]}
    [unopened] = body["unopened"]["tasks"]
    assert (unopened["code"], unopened["assignee_name"]) == (waiting, "Trần Văn Minh")
    page = leader.get("/lanh-dao/bang-dieu-khien").get_data(as_text=True)
    assert "Bảng điều khiển của lãnh đạo" in page and 'href="/lanh-dao/bang-dieu-khien"' in page
    assert 'data-refresh-seconds="60"' in page and "/static/dashboard.js" in page
    assert "Chưa mở hồ sơ được giao: 1 việc" in page and "Trần Văn Minh" in page
    assert _json(leader, "?co-quan=UBND-PHK")["activity"] == body["activity"]
    # another agency's leader: none of these figures, and not theirs to ask for
    with transaction(figures[0]) as s:
        create_user(s, "lanhdao_hbt", "Phan Văn Hùng", "x" * 12, [("leader", "UBND-HBT")])
    other = login(app.test_client(), "lanhdao_hbt", "x" * 12)
    elsewhere = _json(other)
    assert elsewhere["agencies"] == [] and elsewhere["activity"]["received"]["today"] == 0
    assert elsewhere["unopened"]["total"] == 0 and elsewhere["by_officer"] == []
    assert other.get("/lanh-dao/bang-dieu-khien?co-quan=UBND-PHK").status_code == 403
    for username in ("chuyenvien", "tiepnhan", "congdan"):
        client = login(app.test_client(), username)
        for path in ("/lanh-dao/bang-dieu-khien", "/lanh-dao/bang-dieu-khien.json",
                     "/lanh-dao/bang-dieu-khien.csv", "/lanh-dao/bao-cao-thang"):
            assert client.get(path).status_code == 403, (username, path)
    assert app.test_client().get("/lanh-dao/bang-dieu-khien").status_code == 302  # sign in
    # overseers see every agency, or the one they pick
    auditor = login(app.test_client(), "kiemtoan")
    assert _json(auditor)["agencies"] is None
    picked = _json(auditor, "?co-quan=UBND-PCG")
    assert picked["agencies"] == ["UBND-PCG"] and picked["activity"]["received"]["today"] == 0
    assert "UBND-PCG" in auditor.get("/lanh-dao/bang-dieu-khien").get_data(as_text=True)
    # the CSV opens in Excel with its Vietnamese intact
    r = leader.get("/lanh-dao/bang-dieu-khien.csv?co-quan=UBND-PHK")
    assert r.status_code == 200 and r.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in r.headers["Content-Disposition"]
    text = r.get_data().decode("utf-8")
    assert text.startswith(BOM)
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert ["Đã tiếp nhận", "2", "2", "2"] in rows and ["Đang giải quyết", "1"] in rows
    # finished today, days before its appointment
    assert ["Cấp Giấy xác nhận tình trạng hôn nhân", "1", "0", "0", "100.0"] in rows
    assert [waiting, "Thẩm định, xác minh tình trạng hôn nhân", "Trần Văn Minh"] in [
        row[:3] for row in rows]


def test_the_fragment_and_bad_choices(app, people, deployed):  # noqa: F811
    leader = login(app.test_client(), "lanhdao")
    r = leader.get("/lanh-dao/bang-dieu-khien/so-lieu?ky=tuan&ngay-lam-viec=5")
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and "<html" not in body and r.headers["Cache-Control"] == \
        "private, no-store"
    assert 'id="received"' in body and "Tỷ lệ đúng hạn — Tuần này" in body
    assert "Sắp đến hạn trong 5 ngày làm việc" in body
    for query in ("?ky=nam", "?ngay-lam-viec=21", "?ngay-lam-viec=-1", "?ngay-lam-viec=x"):
        assert leader.get(f"/lanh-dao/bang-dieu-khien{query}").status_code == 400, query
    for month in ("2026-13", "thang-3", "2999-01"):
        assert leader.get(f"/lanh-dao/bao-cao-thang?thang={month}").status_code == 400, month


def test_monthly_report_this_month_as_html_and_csv(app, people, figures):
    leader = login(app.test_client(), "lanhdao")
    month = today().strftime("%Y-%m")
    page = leader.get(f"/lanh-dao/bao-cao-thang?thang={month}").get_data(as_text=True)
    assert "Số liệu tiếp nhận và giải quyết thủ tục hành chính tháng " + today().strftime(
        "%m/%Y") in page
    assert "Ủy ban nhân dân phường Hoàn Kiếm" in page
    row = re.search(r'<tr data-procedure="marital_status">(.*?)</tr>', page, re.S).group(1)
    cells = re.findall(r"<td>([^<]*)</td>", row)
    # received 2 (new online), 1 solved before its date, 1 in progress not yet due
    assert cells[2:15] == ["2", "0", "2", "0", "1", "1", "0", "0", "1", "1", "0", "0", "100.0"]
    r = leader.get(f"/lanh-dao/bao-cao-thang.csv?thang={month}")
    text = r.get_data().decode("utf-8")
    assert text.startswith(BOM) and f"bao-cao-thang-{month}.csv" in r.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(text[1:])))
    header = next(row for row in rows if row and row[0] == "STT")
    assert header[3:7] == ["Tổng số hồ sơ tiếp nhận", "Từ kỳ trước chuyển qua",
                           "Mới tiếp nhận trực tuyến", "Mới tiếp nhận trực tiếp, qua bưu chính"]
    [data] = [row for row in rows if row[:2] == ["1", "marital_status"]]
    assert data[3:6] == ["2", "0", "2"]
    assert rows[-1][2:4] == ["Tổng cộng", "2"]
    # without a month: the previous one, in which nothing happened
    year, number = previous_month(today())
    earlier = leader.get("/lanh-dao/bao-cao-thang").get_data(as_text=True)
    assert f"tháng {number:02d}/{year}" in earlier and "Không có hồ sơ nào trong tháng." in earlier
