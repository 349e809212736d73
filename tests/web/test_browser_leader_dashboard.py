"""A leader keeps the dashboard open on a phone and on a desk: it fits the screen, and a
dossier received meanwhile shows up without reloading the page."""

from __future__ import annotations

from engine.scenario.scenario import all_scenarios, drive

from ..conftest import ROOT, Screens
from .test_browser_officer import sign_in
from .test_payments import deployed  # noqa: F401  (fixture)
from .test_phone_layout import PHONE, misfits

MARITAL = all_scenarios()["marital_status"]
SCREENS = ROOT / "artifacts" / "screenshots" / "leader-dashboard"


def test_the_dashboard_fits_a_phone_and_a_desk_and_refreshes_itself(
        app, live_server, browser, deployed):  # noqa: F811
    sessions = deployed
    app.config["DASHBOARD_REFRESH_SECONDS"] = 1
    drive(sessions, MARITAL, "approve", steps=1)  # received, its review waiting
    screens = Screens(SCREENS)
    received_today = "#received td:nth-child(2)"
    for name, viewport, phone in (("phone", PHONE, True),
                                  ("desktop", {"width": 1280, "height": 900}, False)):
        page, errors = sign_in(browser, live_server, "lanhdao", viewport, phone)
        page.click("header nav a:text-is('Bảng điều khiển')")
        assert page.inner_text("h1") == "Bảng điều khiển của lãnh đạo"
        before = int(page.inner_text(received_today))
        if phone:
            assert misfits(page, "#received", "#due-soon h2", "#unopened h2") == []
        screens.shot(page, f"{name}-dashboard")
        drive(sessions, MARITAL, "approve", steps=1)  # one more, while the page is open
        page.wait_for_function(
            "([selector, n]) => Number(document.querySelector(selector).innerText) === n",
            arg=[received_today, before + 1], timeout=15000)
        assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
        assert page.evaluate("document.getElementById('dashboard-figures').dataset.refreshedAt")
        screens.shot(page, f"{name}-refreshed")
        page.click("select[name=thang] + button, button:text-is('Xem báo cáo')")
        assert "Số liệu tiếp nhận và giải quyết thủ tục hành chính tháng" in page.inner_text("h1")
        if phone:  # the wide report scrolls inside its box, not the page
            assert misfits(page, "h1") == []
        screens.shot(page, f"{name}-monthly-report")
        assert errors == []
        page.context.close()
