"""On a phone (390 × 844), a citizen opens their document store, then in a new
application picks a result issued to them instead of uploading it again; the dossier
holds that same file, checked as issued. Screenshots in artifacts/screenshots/."""

from __future__ import annotations

from sqlalchemy import select

from engine.db import transaction
from engine.dossiers import drafts, runner
from engine.models import Attachment, Dossier, Draft

from ..conftest import ROOT, Screens
from ..helpers import issued_result
from .test_phone_layout import citizen_page, misfits
from .test_web_citizen import PDF, PNG, SCENARIO, deployed  # noqa: F401  (fixture)


def test_a_citizen_reuses_an_issued_result_on_a_phone(
        app, people, deployed, sessions, live_server, browser):  # noqa: F811
    screens = Screens(ROOT / "artifacts" / "screenshots" / "document_store")
    with transaction(sessions) as s:
        earlier = runner.submit(s, "marital_status", SCENARIO.application, actor="congdan",
                                applicant_user="congdan", channel="online").code
        issued = issued_result(s, "congdan", dossier_code=earlier)
        draft = drafts.save_draft(s, "congdan", "marital_status", SCENARIO.application)
        for code, name, media, data in (("to_khai", "to-khai.pdf", "application/pdf", PDF),
                                        ("giay_to_nhan_than", "cccd.png", "image/png", PNG)):
            drafts.add_attachment(s, uploaded_by="congdan", document_code=code, filename=name,
                                  media_type=media, data=data, draft_id=draft.id)
    page = citizen_page(browser, app, live_server)
    wrong: list[str] = []

    page.goto(f"{live_server}/kho-du-lieu")
    row = page.locator(f'tr[data-item="{issued.id}"]')
    assert "Kết quả do cơ quan cấp" in row.inner_text() and earlier in row.inner_text()
    wrong += misfits(page, f'tr[data-item="{issued.id}"] a.button')
    screens.shot(page, "store")

    page.goto(f"{live_server}/thu-tuc/marital_status/nop?nhap={draft.id}")
    pick = page.locator(f'input[name="kho__giay_xac_nhan_da_cap"][value="{issued.id}"]')
    pick.scroll_into_view_if_needed()
    wrong += misfits(page, "fieldset.store-pick")
    screens.shot(page, "apply-offered")
    pick.check()
    page.click("button:has-text('Tiếp tục')")
    page.wait_for_url("**/xem-lai")
    assert issued.name in page.inner_text("main")
    wrong += misfits(page, "button:has-text('Nộp hồ sơ')")
    screens.shot(page, "review")
    page.click("button:has-text('Nộp hồ sơ')")
    page.wait_for_url("**/bien-nhan**")
    wrong += misfits(page)
    screens.shot(page, "receipt")
    assert not wrong, wrong

    with transaction(sessions) as s:
        dossier = s.get(Dossier, s.get(Draft, draft.id).dossier_id)
        reused = s.scalar(select(Attachment).where(Attachment.dossier_id == dossier.id,
                                                   Attachment.document_code == "giay_xac_nhan_da_cap"))
        assert reused.sha256 == issued.sha256 and reused.reused["origin"] == "issued"
        assert reused.reused["verified_at"] and reused.reused["dossier"] == earlier
