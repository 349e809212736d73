"""Dates on the forms are typed and read day first (dd/mm/yyyy), whatever the browser's
language; the schema and the engine keep ISO dates (yyyy-mm-dd)."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest
from werkzeug.datastructures import MultiDict

from engine.db import transaction
from engine.procedures import procedures
from engine.procedures.forms import field_errors
from engine.scenario.scenario import all_scenarios, drive
from web.schema_form import fields, flat_values, parse, parse_date, shown_date

from ..conftest import PROCESSES, csrf_token, login
from ..helpers import task
from .test_phone_layout import citizen_page
from .test_web_citizen import draft_of, form_fields
from .test_web_officer import events

SCHEMA = {
    "type": "object",
    "properties": {
        "ngay_sinh": {"type": "string", "format": "date", "title": "Ngày sinh"},
        "ho_ten": {"type": "string", "title": "Họ tên"},
        "cha": {"type": "object", "properties": {
            "ngay_sinh": {"type": "string", "format": "date", "title": "Ngày sinh của cha"}}},
    },
}
APPLY = "/thu-tuc/marital_status/nop"


@pytest.mark.parametrize(("typed", "stored"), [
    ("08/03/1995", "1995-03-08"),
    ("8/3/1995", "1995-03-08"),
    (" 08/03/1995 ", "1995-03-08"),
    ("08-03-1995", "1995-03-08"),
    ("08.03.1995", "1995-03-08"),
    ("08 / 03 / 1995", "1995-03-08"),
    ("08031995", "1995-03-08"),  # a phone's number pad has no slash
    ("29/02/2024", "2024-02-29"),
    ("1995-03-08", "1995-03-08"),  # ISO, as the API and older pages send it
])
def test_a_date_typed_day_first_is_stored_as_iso(typed, stored):
    assert parse_date(typed) == stored


@pytest.mark.parametrize("typed", ["31/02/2025", "29/02/2025", "00/01/2025", "12/13/2025",
                                   "8/3/95", "ngày 8 tháng 3", "2025-02-31", "19950308"])
def test_an_impossible_or_unreadable_date_comes_back_as_typed(typed):
    assert parse_date(typed) == typed.strip()


def test_stored_dates_are_shown_day_first():
    assert shown_date("1995-03-08") == "08/03/1995"
    assert shown_date(date(2026, 12, 1)) == "01/12/2026"
    assert shown_date("31/02/2025") == "31/02/2025"  # refused as typed: shown as typed
    assert shown_date("2025-02-31") == "2025-02-31"
    assert shown_date(None) == ""


def test_parse_stores_iso_at_any_depth_and_the_schema_refuses_an_impossible_day():
    data = parse(SCHEMA, MultiDict({"ngay_sinh": "08/03/1995", "cha.ngay_sinh": "1/12/1960",
                                    "ho_ten": "08/03/1995"}))
    assert data == {"ngay_sinh": "1995-03-08", "cha": {"ngay_sinh": "1960-12-01"},
                    "ho_ten": "08/03/1995"}  # only date fields are read as dates
    assert field_errors(SCHEMA, data) == {}
    wrong = parse(SCHEMA, MultiDict({"ngay_sinh": "31/02/2025"}))
    assert wrong == {"ngay_sinh": "31/02/2025"}
    assert list(field_errors(SCHEMA, wrong)) == ["ngay_sinh"]


def test_a_refilled_form_shows_stored_dates_day_first():
    by_name = {f.name: f for f in fields(SCHEMA)}
    by_name |= {c.name: c for c in by_name["cha"].children}
    values = flat_values({"ngay_sinh": "1995-03-08", "ho_ten": "An", "cha": {"ngay_sinh": "1960-12-01"}})
    assert {name: by_name[name].shown(v) for name, v in values.items()} == {
        "ngay_sinh": "08/03/1995", "ho_ten": "An", "cha.ngay_sinh": "01/12/1960"}


@pytest.fixture
def deployed(sessions, people):
    with transaction(sessions) as s:
        procedures.deploy_path(s, PROCESSES, "test")
    return sessions


def _input(body: str, name: str) -> str:
    found = re.search(rf'<input id="f-{re.escape(name)}"[^>]*>', body)
    assert found, name
    return html.unescape(found.group(0))


def test_the_citizen_form_takes_day_first_dates_and_shows_them_back(app, deployed):
    client = login(app.test_client(), "congdan")
    body = client.get(APPLY).get_data(as_text=True)
    field = _input(body, "ngay_sinh")
    assert 'type="text"' in field and 'placeholder="dd/mm/yyyy"' in field
    assert 'inputmode="numeric"' in field and "pattern=" in field

    application = all_scenarios()["marital_status"].application
    posted = form_fields(application) | {"ngay_sinh": "31/02/1995",
                                         "nguoi_du_dinh_ket_hon.ngay_sinh": "20/11/1993"}
    r = client.post(APPLY, data={"csrf_token": csrf_token(client, APPLY), "action": "continue",
                                 **posted})
    body = r.get_data(as_text=True)
    assert r.status_code == 400
    shown = re.search(r'data-field="ngay_sinh">.*?</div>', body, re.S).group(0)
    assert 'value="31/02/1995"' in shown and "Ngày không hợp lệ." in shown
    assert 'value="20/11/1993"' in _input(body, "nguoi_du_dinh_ket_hon.ngay_sinh")
    assert draft_of(deployed).data["nguoi_du_dinh_ket_hon"]["ngay_sinh"] == "1993-11-20"

    draft = draft_of(deployed)
    r = client.post(APPLY, data={"csrf_token": csrf_token(client, APPLY), "action": "save",
                                 "nhap": str(draft.id), **posted, "ngay_sinh": "08/03/1995"})
    assert r.status_code == 302
    assert draft_of(deployed).data["ngay_sinh"] == "1995-03-08"
    body = client.get(f"{APPLY}?nhap={draft.id}").get_data(as_text=True)
    assert 'value="08/03/1995"' in _input(body, "ngay_sinh")


def test_an_officer_types_the_registration_date_day_first(app, deployed):
    sessions = deployed
    scenario = all_scenarios()["birth_registration"]
    code = drive(sessions, scenario, "approve", steps=1)
    review = task(sessions, code, "review")
    client = login(app.test_client(), "chuyenvien")
    path = f"/can-bo/viec/{review.id}"
    data = form_fields(scenario.paths["approve"][1].data)
    assert data["ngay_dang_ky"] == "2026-03-02"
    r = client.post(f"{path}/hoan-thanh", data={"csrf_token": csrf_token(client, path), **data,
                                                 "ngay_dang_ky": "30/02/2026"})
    body = r.get_data(as_text=True)
    assert r.status_code == 400
    shown = re.search(r'data-field="ngay_dang_ky">.*?</div>', body, re.S).group(0)
    assert 'value="30/02/2026"' in shown and 'placeholder="dd/mm/yyyy"' in shown
    assert "Ngày không hợp lệ." in shown
    r = client.post(f"{path}/hoan-thanh", data={"csrf_token": csrf_token(client, path), **data,
                                                 "ngay_dang_ky": "02/03/2026"})
    assert r.status_code == 302, r.get_data(as_text=True)[:600]
    completed = [e.payload for e in events(sessions, code, "task_completed")
                 if e.payload["element_id"] == "review"]
    assert [p["data"]["ngay_dang_ky"] for p in completed] == ["2026-03-02"]


def test_a_date_typed_in_the_browser_reads_day_first_and_is_kept_as_iso(
        app, live_server, browser, screens, deployed):
    page = citizen_page(browser, app, live_server)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{live_server}{APPLY}")
    birth = page.locator("[name=ngay_sinh]")
    assert birth.get_attribute("type") == "text"
    assert birth.get_attribute("placeholder") == "dd/mm/yyyy"
    birth.fill("")
    birth.press_sequentially("08031995")  # on a number pad: no slash to type
    birth.press("Tab")
    assert birth.input_value() == "08/03/1995"
    page.select_option("[name=muc_dich_su_dung]", "ket_hon")  # shows the spouse's section
    page.locator("[name='nguoi_du_dinh_ket_hon.ngay_sinh']").press_sequentially("20/11/1993")
    screens.shot(page, "dates-typed")
    page.click("button:has-text('Lưu nháp')")
    assert "Đã lưu nháp" in page.inner_text("main")
    draft = draft_of(deployed)
    assert draft.data["ngay_sinh"] == "1995-03-08"
    assert draft.data["nguoi_du_dinh_ket_hon"]["ngay_sinh"] == "1993-11-20"
    assert page.input_value("[name=ngay_sinh]") == "08/03/1995"
    assert page.input_value("[name='nguoi_du_dinh_ket_hon.ngay_sinh']") == "20/11/1993"
    screens.shot(page, "dates-saved")
    assert not errors, errors
