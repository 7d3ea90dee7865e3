"""The reception's scan budget in a real browser (issue 9).

Scans chosen past the total are refused on the spot, before anything is sent;
a body past the server's limit opens a page that says nothing was saved, and
«Quay lại» brings back the form with what was typed. Screenshots go to
``COUNTER_E2E_SHOTS`` (a folder), or to the test's temporary folder.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import LiveServer, log_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("COUNTER_E2E_SHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _scans(folder: Path, count: int, mb: int) -> list[str]:
    """PDF files of ``mb`` MB each (sparse: the browser reads only their size)."""
    paths = []
    for n in range(count):
        path = folder / f"ban-quet-{n + 1}.pdf"
        with open(path, "wb") as out:
            out.write(b"%PDF-1.4\n")
            out.truncate(mb * 1024 * 1024)
        paths.append(str(path))
    return paths


def test_scans_past_the_total_are_refused_before_sending(
    page: Any, live_server: LiveServer, tmp_path: Path, shots: Path
) -> None:
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, live_server, "tiepnhan", "tiepnhan123")
    page.goto(live_server("/tiep-nhan/"))
    page.set_input_files("#attachments", _scans(tmp_path, 6, 18))  # 108 MB, each under 20
    error = page.wait_for_selector(".rx-file-error")
    assert "tối đa 100 MB" in error.inner_text()
    assert page.evaluate("document.getElementById('attachments').files.length") == 0
    error.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "upload-budget-refused-in-the-page.png"))


def test_a_body_past_the_server_limit_says_so_and_back_keeps_the_form(
    page: Any, live_server: LiveServer, tmp_path: Path, shots: Path
) -> None:
    page.set_viewport_size({"width": 1366, "height": 900})
    config = live_server.app.config
    limit = config["MAX_CONTENT_LENGTH"]
    config["MAX_CONTENT_LENGTH"] = 1024 * 1024  # an office's server below the page's budget
    try:
        log_in(page, live_server, "tiepnhan", "tiepnhan123")
        page.goto(live_server("/tiep-nhan/"))
        page.fill("#applicant_name", "Quàng Văn Tới")
        page.fill("#phone", "0912 555 666")
        page.set_input_files("#attachments", _scans(tmp_path, 1, 2))
        with page.expect_navigation():
            page.click("#reception-form button[value=receive]")
        text = page.inner_text("main")
        assert "Dữ liệu gửi lên quá lớn" in text and "Chưa có gì được lưu" in text
        page.screenshot(path=str(shots / "upload-budget-413-page.png"))
        with page.expect_navigation():
            page.click("main a[data-back]")
        assert page.url.endswith("/tiep-nhan/")
        assert page.input_value("#applicant_name") == "Quàng Văn Tới"
        assert page.input_value("#phone") == "0912 555 666"
    finally:
        config["MAX_CONTENT_LENGTH"] = limit


def test_scans_past_the_servers_total_come_back_with_the_form_filled(
    page: Any, live_server: LiveServer, tmp_path: Path, shots: Path
) -> None:
    page.set_viewport_size({"width": 1366, "height": 1000})
    config = live_server.app.config
    log_in(page, live_server, "tiepnhan", "tiepnhan123")
    page.goto(live_server("/tiep-nhan/?q=chung+thuc"))
    page.goto(live_server(page.get_attribute("#rx-matches a", "href")))  # the first found
    page.fill("#applicant_name", "Quàng Văn Tới")
    page.fill("#id_number", "011094001111")
    page.fill("#date_of_birth", "05/09/1994")
    page.fill("#address", "Bản Phăng, xã Mường Phăng")
    page.fill("#phone", "0912 555 666")
    page.set_input_files("#attachments", _scans(tmp_path, 2, 2))
    total = config["UPLOAD_TOTAL_MB"]
    config["UPLOAD_TOTAL_MB"] = 3  # the office lowered it while the page was open
    try:
        with page.expect_navigation():
            page.click("#rx-submit")
    finally:
        config["UPLOAD_TOTAL_MB"] = total
    text = page.inner_text("main")
    assert "ban-quet-2.pdf" in text and "tối đa 3 MB" in text
    assert page.input_value("#applicant_name") == "Quàng Văn Tới"
    assert page.input_value("#id_number") == "011094001111"
    assert page.input_value("#address") == "Bản Phăng, xã Mường Phăng"
    page.locator(".error", has_text="ban-quet-2.pdf").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "upload-budget-form-kept.png"))
