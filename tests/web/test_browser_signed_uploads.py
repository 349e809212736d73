"""On a phone, a business uploads its signed scans and sees at once, beside each file,
who signed, whether the file is intact and the signer trusted, and why not."""

from __future__ import annotations

from ..conftest import ROOT
from ..signed_samples import BUSINESS, SIGNER
from .test_phone_layout import citizen_page, misfits
from .test_signed_uploads import deployed  # noqa: F401  (fixture)

SCREENSHOTS = ROOT / "artifacts" / "screenshots"


def test_a_citizen_sees_the_verdict_on_their_signed_files_on_a_phone(
        app, deployed, live_server, browser, signed_samples, tmp_path):  # noqa: F811
    folder = tmp_path / "files"
    folder.mkdir()
    for name in ("valid", "modified"):
        (folder / f"{name}.pdf").write_bytes(signed_samples[name])
    page = citizen_page(browser, app, live_server)
    page.goto(f"{live_server}/thu-tuc/marital_status/nop")
    page.set_input_files("#f-tep__to_khai", str(folder / "valid.pdf"))
    page.set_input_files("#f-tep__giay_to_nhan_than", str(folder / "modified.pdf"))
    page.click("button:has-text('Lưu nháp')")
    page.wait_for_url("**/nop?nhap=*")
    good = page.locator("[data-field='tep__to_khai'] .sigcheck")
    bad = page.locator("[data-field='tep__giay_to_nhan_than'] .sigcheck")
    assert "Chữ ký số hợp lệ" in good.inner_text()
    assert SIGNER in good.inner_text() and BUSINESS in good.inner_text()
    assert "Lý do: Tệp đã bị sửa sau khi ký" in bad.inner_text()
    assert misfits(page, ".sigcheck") == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    bad.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "signed-upload-verdict-phone.png"), full_page=True)
    page.context.close()
