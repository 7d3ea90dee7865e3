"""The counter officer's flow in a real browser: keyboard only, a scanner that types, Ctrl+Enter."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from counter.extensions import db
from counter.models import Dossier
from tests.e2e.conftest import LiveServer, log_in

pytestmark = pytest.mark.e2e

QR = "011094009876|040512345|Quàng Thị Mai|05091994|Nữ|Bản Phăng, xã Mường Phăng, tỉnh Điện Biên|01072021"


def test_an_officer_receives_a_dossier_with_the_keyboard_and_a_scanner(
    page: Any, live_server: LiveServer
) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, live_server, "tiepnhan", "tiepnhan123")
    page.goto(live_server("/tiep-nhan/"))
    # The search box has the focus: type without diacritics, arrow down, Enter.
    assert page.evaluate("document.activeElement.id") == "rx-q"
    page.keyboard.type("chung thuc ban sao")
    page.wait_for_selector("#rx-results li[role=option]")
    first = page.inner_text("#rx-results li[aria-selected=true]")
    assert "2.000815" in first
    page.keyboard.press("Enter")
    # The checklist, the fee and the due date come in place; the cursor goes to the scan box.
    page.wait_for_function("document.activeElement && document.activeElement.id === 'scan'")
    assert re.search(r"Hẹn trả: \d\d:\d\d ngày \d\d/\d\d/\d{4}", page.inner_text("#rx-due"))
    assert "Bản sao cần chứng thực" in page.inner_text("#rx-checklist")
    assert page.input_value("#fee_amount") == "2000"
    # A USB scanner types the QR payload and Enter: the applicant is filled, nothing is sent.
    page.keyboard.type(QR)
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('applicant_name').value !== ''")
    assert page.input_value("#applicant_name") == "Quàng Thị Mai"
    assert page.input_value("#id_number") == "011094009876"
    assert page.input_value("#date_of_birth") == "05/09/1994"
    assert "/tiep-nhan/" in page.url
    assert page.evaluate("document.activeElement.id") == "phone"
    page.keyboard.type("0912 888 777")
    page.keyboard.press("Enter")  # moves on, does not submit
    assert page.evaluate("document.activeElement.id") == "email"
    # Ctrl+Enter receives and opens the slip.
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    assert "/mau-01" in page.url or "/ho-so/" in page.url
    with live_server.app.app_context():
        dossier = db.session.scalar(db.select(Dossier).where(Dossier.id_number == "011094009876"))
        assert dossier is not None
        assert dossier.status == "received"
        assert dossier.phone == "0912888777"
        assert len(dossier.documents) == 2
        code = dossier.code
    assert code in page.content()


def test_the_checklist_can_be_edited_and_a_wrong_phone_comes_back_with_everything_typed(
    page: Any, live_server: LiveServer
) -> None:
    log_in(page, live_server, "tiepnhan", "tiepnhan123")
    page.goto(live_server("/tiep-nhan/"))
    page.select_option("#procedure_id", label="2.000884 — Chứng thực chữ ký")
    page.wait_for_function("document.getElementById('rx-due').textContent.indexOf('Hẹn trả') === 0")
    page.fill("#applicant_name", "Lò Văn Tùng")
    page.fill("#id_number", "011088007777")
    page.fill("#address", "Bản Khá")
    page.fill("#phone", "12345")
    page.uncheck("#documents-0-received")
    page.click("#rx-add-line")
    other = page.locator("tr.rx-other input[name$='-name']").last
    other.fill("Giấy ủy quyền")
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    assert page.locator("text=Số điện thoại '12345' không hợp lệ").count() == 1
    assert page.input_value("#applicant_name") == "Lò Văn Tùng"
    assert not page.is_checked("#documents-0-received")
    assert page.locator("tr.rx-other input[value='Giấy ủy quyền']").count() == 1


SCREENSHOTS = Path(os.environ.get("COUNTER_SCREENSHOTS", "/tmp/counter-screens"))


def _fill_signature(page: Any, server: LiveServer, id_number: str) -> None:
    """The reception screen with «Chứng thực chữ ký» and one applicant, ready to receive."""
    page.goto(server("/tiep-nhan/"))
    page.select_option("#procedure_id", label="2.000884 — Chứng thực chữ ký")
    page.wait_for_function("document.getElementById('rx-due').textContent.indexOf('Hẹn trả') === 0")
    page.fill("#applicant_name", "Cà Văn Pâng")
    page.fill("#id_number", id_number)
    page.fill("#address", "Bản Tâu, xã Mường Phăng")
    page.focus("#phone")


def _count(server: LiveServer, id_number: str) -> int:
    with server.app.app_context():
        return len(
            db.session.scalars(db.select(Dossier).where(Dossier.id_number == id_number)).all()
        )


def test_the_duplicate_warning_is_answered_from_the_keyboard(
    page: Any, live_server: LiveServer
) -> None:
    id_number = "011093004321"
    page.add_init_script("window.print = function () { window.__printed = true; };")
    log_in(page, live_server, "tiepnhan", "tiepnhan123")
    _fill_signature(page, live_server, id_number)
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    assert _count(live_server, id_number) == 1
    # The same person, the same procedure: the warning takes the focus.
    _fill_signature(page, live_server, id_number)
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    assert page.locator("#rx-duplicate").is_visible()
    assert page.evaluate("document.activeElement.id") == "rx-confirm"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "duplicate-warning.png"), full_page=False)
    # Esc: back to editing, nothing saved.
    page.keyboard.press("Escape")
    assert not page.locator("#rx-duplicate").is_visible()
    assert page.evaluate("document.activeElement.id") == "id_number"
    assert _count(live_server, id_number) == 1
    # Ctrl+Enter warns again; Enter confirms and the slip opens.
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    assert page.evaluate("document.activeElement.id") == "rx-confirm"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/mau-01" in page.url
    assert _count(live_server, id_number) == 2
