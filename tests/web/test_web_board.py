"""The tracking board reports satisfaction per procedure."""

from __future__ import annotations

from engine.db import transaction
from engine.models import Rating
from engine.procedures import procedures
from engine.scenario.scenario import all_scenarios, drive

from ..conftest import PROCESSES, login


def test_board_reports_ratings_per_procedure(app, sessions, people):
    with transaction(sessions) as s:
        procedures.deploy_path(s, PROCESSES, "test")
    scenario = all_scenarios()["marital_status"]
    codes = [drive(sessions, scenario, "approve") for _ in range(2)]
    with transaction(sessions) as s:
        from engine.dossiers import runner
        for code, score in zip(codes, (4, 5), strict=True):
            s.add(Rating(dossier_id=runner.get_dossier(s, code).id, score=score, comment="Nhanh"))
    page = login(app.test_client(), "tiepnhan").get("/board").get_data(as_text=True)
    assert "Mức độ hài lòng theo thủ tục" in page
    row = page.split("Cấp Giấy xác nhận tình trạng hôn nhân</td>")[-1].split("</tr>")[0]
    assert "<td>2</td>" in row and "<td>4.5</td>" in row
    # an auditor follows a dossier from the board to its page (and its audit)
    board = login(app.test_client(), "kiemtoan").get("/board").get_data(as_text=True)
    assert f'<a href="/can-bo/ho-so/{codes[0]}"><code>{codes[0]}</code></a>' in board


def test_board_counts_this_months_solved_dossiers_and_those_overdue_now(app, sessions, people):
    import re
    from datetime import timedelta

    from engine.dossiers import runner

    from ..helpers import work

    with transaction(sessions) as s:
        procedures.deploy_path(s, PROCESSES, "test")
    scenario = all_scenarios()["marital_status"]
    drive(sessions, scenario, "approve")  # solved now
    solved_before = drive(sessions, scenario, "approve")
    late = drive(sessions, scenario, "approve", steps=1)  # received, under review
    work(sessions)
    with transaction(sessions) as s:
        before = runner.get_dossier(s, solved_before)
        before.finished_at -= timedelta(days=40)  # solved last month: not this month's
        open_one = runner.get_dossier(s, late)
        open_one.appointment_date = open_one.appointment_date.replace(year=2020)
    page = login(app.test_client(), "tiepnhan").get("/board").get_data(as_text=True)
    assert "Tỷ lệ giải quyết đúng hạn theo thủ tục — tháng " in page
    row = re.search(r'<tr data-procedure="marital_status">(.*?)</tr>', page, re.S).group(1)
    cells = re.findall(r"<td data-label=[^>]*>(.*?)</td>", row, re.S)
    # solved this month 1, on time 1, late 0, 100 %, overdue now 1, no slip
    assert cells == ["1", "1", "0", "100.0%", "1", "0"], cells
