"""An optional section prefilled with defaults is not filled until the applicant writes in
it; an unticked checkbox is false. Through the real citizen form."""

from __future__ import annotations

import io

import pytest

from engine.db import transaction
from engine.procedures import procedures
from engine.scenario.scenario import SCENARIOS, Scenario

from ..conftest import PROCESSES, csrf_token, login
from .test_web_citizen import draft_of, form_fields, valid_files


@pytest.fixture
def citizen(app, people, sessions):
    with transaction(sessions) as s:
        procedures.deploy_path(s, PROCESSES, "test")
    return login(app.test_client(), "congdan")


def post(client, code: str, fields: dict, files: dict | None = None):
    url = f"/thu-tuc/{code}/nop"
    data = {"csrf_token": csrf_token(client, url), "action": "continue", **fields, **(files or {})}
    return client.post(url, data=data, content_type="multipart/form-data")


def test_property_sale_certificate_does_not_ask_for_a_spouse(citizen, sessions):
    application = dict(Scenario.load(SCENARIOS / "marital_status.json").application)
    application.pop("nguoi_du_dinh_ket_hon", None)
    application["muc_dich_su_dung"] = "giao_dich_nha_dat"
    fields = form_fields(application)
    # the page prefills the spouse's section with its defaults and posts them back
    fields |= {"nguoi_du_dinh_ket_hon.dan_toc": "Kinh",
               "nguoi_du_dinh_ket_hon.quoc_tich": "Việt Nam"}
    files = {k: (io.BytesIO(content), n) for k, (content, n) in valid_files().items()}
    r = post(citizen, "marital_status", fields, files)
    assert r.status_code == 302 and "/xem-lai" in r.headers["Location"], r.get_data(as_text=True)
    assert "nguoi_du_dinh_ket_hon" not in draft_of(sessions).data


def test_a_single_mother_is_not_asked_for_the_father(citizen, sessions):
    application = Scenario.load(SCENARIOS / "birth_registration_single_mother.json").application
    fields = form_fields(application) | {
        "cha.dan_toc": "Kinh", "cha.quoc_tich": "Việt Nam",  # prefilled defaults
        "cha_me_da_dang_ky_ket_hon": "",  # shown, left unticked
        "nguoi_duoc_khai_sinh.co_giay_chung_sinh": ["", "on"]}  # shown and ticked
    page = post(citizen, "birth_registration", fields).get_data(as_text=True)
    assert 'href="#f-cha.' not in page
    data = draft_of(sessions).data
    assert "cha" not in data and data["cha_me_da_dang_ky_ket_hon"] is False
    assert data["nguoi_duoc_khai_sinh"]["co_giay_chung_sinh"] is True


def test_the_father_section_is_demanded_once_written_in(citizen, sessions):
    application = Scenario.load(SCENARIOS / "birth_registration_single_mother.json").application
    fields = form_fields(application) | {"cha.ho_ten": "Nguyễn Văn An", "cha.dan_toc": "Kinh",
                                         "cha.quoc_tich": "Việt Nam"}
    post(citizen, "birth_registration", fields)
    assert draft_of(sessions).data["cha"] == {"ho_ten": "Nguyễn Văn An", "dan_toc": "Kinh",
                                              "quoc_tich": "Việt Nam"}


def test_a_house_without_a_basement_is_declarable(citizen, sessions):
    form = citizen.get("/thu-tuc/construction_permit/nop").get_data(as_text=True)
    # an unticked box sends nothing: the page sends an empty value beside it
    assert '<input type="hidden" name="cong_trinh.co_tang_ham" value="">' in form
    application = Scenario.load(SCENARIOS / "construction_permit.json").application
    fields = {k: v for k, v in form_fields(application).items() if k != "cong_trinh.co_tang_ham"}
    fields["cong_trinh.co_tang_ham"] = ""  # the box shown and left unticked
    r = post(citizen, "construction_permit", fields)
    page = r.get_data(as_text=True)
    assert 'href="#f-cong_trinh.co_tang_ham"' not in page
    assert 'href="#f-cong_trinh.so_tang_ham"' not in page
    assert draft_of(sessions).data["cong_trinh"]["co_tang_ham"] is False


def test_the_number_of_basements_shows_only_with_a_basement(citizen):
    page = citizen.get("/thu-tuc/construction_permit/nop").get_data(as_text=True)
    assert 'data-show-when="cong_trinh.co_tang_ham" data-show-values="true" data-field="cong_trinh.so_tang_ham"' in page
    page = citizen.get("/thu-tuc/marital_status/nop").get_data(as_text=True)
    assert 'data-show-when="muc_dich_su_dung" data-show-values="ket_hon"' in page
    assert 'data-show-when="hinh_thuc_nhan_ket_qua" data-show-values="email" data-field="email"' not in page
