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
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'scan'")
    assert re.search(r"Hẹn trả: \d\d:\d\d ngày \d\d/\d\d/\d{4}", page.inner_text("#rx-due"))
    assert "Bản sao cần chứng thực" in page.inner_text("#rx-checklist")
    assert page.input_value("#fee_amount") == "2000"
    # A USB scanner types the QR payload and Enter: the applicant is filled, nothing is sent.
    page.keyboard.type(QR)
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.getElementById('applicant_name').value !== ''")
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
    page.wait_for_function(
        "() => document.getElementById('rx-due').textContent.indexOf('Hẹn trả') === 0"
    )
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
    # The cursor is in the field to correct, not back in the scanner's box.
    assert page.evaluate("document.activeElement.id") == "phone"
    assert page.input_value("#applicant_name") == "Lò Văn Tùng"
    assert not page.is_checked("#documents-0-received")
    assert page.locator("tr.rx-other input[value='Giấy ủy quyền']").count() == 1


SCREENSHOTS = Path(os.environ.get("COUNTER_SCREENSHOTS", "/tmp/counter-screens"))


def _fill_signature(page: Any, server: LiveServer, id_number: str) -> None:
    """The reception screen with «Chứng thực chữ ký» and one applicant, ready to receive."""
    page.goto(server("/tiep-nhan/"))
    page.select_option("#procedure_id", label="2.000884 — Chứng thực chữ ký")
    page.wait_for_function(
        "() => document.getElementById('rx-due').textContent.indexOf('Hẹn trả') === 0"
    )
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


PRINT_STUB = "window.__printed = 0; window.print = function () { window.__printed += 1; };"


def test_a_refused_scan_puts_the_cursor_on_its_line(page: Any, live_server: LiveServer) -> None:
    log_in(page, live_server, "tiepnhan", "tiepnhan123")
    _fill_signature(page, live_server, "011093004999")
    fake = {"name": "x.pdf", "mimeType": "application/pdf", "buffer": b"just text"}
    page.set_input_files("#documents-0-files", files=[fake])
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    assert page.locator("text=không phải tệp PDF, JPEG hoặc PNG thật").count() == 1
    assert page.evaluate("document.activeElement.id") == "documents-0-files"
    assert _count(live_server, "011093004999") == 0


def test_receiving_opens_the_slip_and_the_print_dialog_at_once(
    page: Any, live_server: LiveServer
) -> None:
    page.add_init_script(PRINT_STUB)
    log_in(page, live_server, "tiepnhan", "tiepnhan123")
    _fill_signature(page, live_server, "011093004001")
    with page.expect_navigation() as opened:
        page.keyboard.press("Control+Enter")
    slip = opened.value.url
    assert re.search(r"/in/ho-so/\d+/mau-01\?size=a4&print=1$", slip), slip
    page.wait_for_function("() => window.__printed === 1")  # the browser's print dialog, once
    assert page.url == slip.removesuffix("&print=1")  # so a reload does not print again
    assert "Đã tiếp nhận hồ sơ" in page.inner_text("body")
    assert page.locator("#print-button").is_visible()  # print again, at hand
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "slip-after-receive.png"))


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_with_a_thermal_printer_receiving_prints_and_an_off_printer_offers_a_retry(
    page: Any, live_server: LiveServer
) -> None:
    from counter.models import Printer

    out = Path(live_server.app.instance_path) / "thermal.bin"  # file printers live there
    out.unlink(missing_ok=True)
    with live_server.app.app_context():
        printer = Printer(name="Quầy thử", uri=f"file:{out}", width=576, is_default=True)
        db.session.add(printer)
        db.session.commit()
        printer_id = printer.id
    try:
        page.add_init_script(PRINT_STUB)
        log_in(page, live_server, "tiepnhan", "tiepnhan123")
        _fill_signature(page, live_server, "011093004002")
        with page.expect_navigation():
            page.keyboard.press("Control+Enter")
        assert page.url.endswith("?size=80mm")
        assert "Đã in giấy tiếp nhận" in page.inner_text("body")
        assert out.read_bytes().startswith(b"\x1b@")
        assert page.evaluate("window.__printed") == 0  # no browser dialog on top of it
        # The printer is switched off: the dossier is saved, the retry is one key away.
        with live_server.app.app_context():
            db.session.get(Printer, printer_id).uri = f"tcp://127.0.0.1:{_free_port()}"
            db.session.commit()
        _fill_signature(page, live_server, "011093004003")
        with page.expect_navigation():
            page.keyboard.press("Control+Enter")
        body = page.inner_text("body")
        assert "Chưa in được giấy tiếp nhận" in body and "Hồ sơ đã được lưu" in body
        assert _count(live_server, "011093004003") == 1
        assert page.evaluate("document.activeElement.textContent.trim()") == "In lại"
        page.screenshot(path=str(SCREENSHOTS / "slip-printer-off.png"))
        with live_server.app.app_context():
            db.session.get(Printer, printer_id).uri = f"file:{out}"
            db.session.commit()
        out.unlink()
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "Đã in giấy tiếp nhận" in page.inner_text("body")
        assert out.read_bytes().startswith(b"\x1b@")
    finally:
        with live_server.app.app_context():
            db.session.delete(db.session.get(Printer, printer_id))
            db.session.commit()


def test_search_then_back_shows_the_results_again_without_resending(
    page: Any, live_server: LiveServer
) -> None:
    log_in(page, live_server, "tiepnhan", "tiepnhan123")
    _fill_signature(page, live_server, "011093004004")
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    page.goto(live_server("/ho-so/"))
    page.fill("#q", "011093004004")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "011093004004" not in page.url and "k=" in page.url
    assert "Tìm thấy 1 hồ sơ" in page.inner_text("main")
    results_url = page.url
    with page.expect_navigation():
        page.click("table.worklist a")
    assert "/ho-so/" in page.url and page.url != results_url
    page.go_back()
    page.wait_for_load_state()
    assert page.url == results_url
    assert "Tìm thấy 1 hồ sơ" in page.inner_text("main")
    # A partial code works the same way, and may stay in the address.
    with live_server.app.app_context():
        code = db.session.scalar(db.select(Dossier.code).where(Dossier.id_number == "011093004004"))
    page.fill("#q", code.split("-", 1)[1])
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "q=" in page.url
    assert code in page.inner_text("main")
    page.screenshot(path=str(SCREENSHOTS / "search-results.png"))


def test_the_citizen_sees_what_to_bring_during_a_supplement(
    page: Any, live_server: LiveServer
) -> None:
    from tests.web.test_public import awaiting_supplement

    with live_server.app.app_context():
        code = awaiting_supplement(
            "Lò Thị Xuân",
            "011093004005",
            ["Bản sao Giấy khai sinh", "Giấy xác nhận nơi cư trú"],
            "Thiếu giấy tờ chứng minh nơi cư trú",
        ).code
    page.set_viewport_size({"width": 390, "height": 844})  # a phone that scanned the QR
    page.goto(live_server(f"/tra-cuu/{code}"))
    text = page.inner_text("main")
    assert "Mời ông/bà mang đến Bộ phận Một cửa" in text
    assert "Giấy xác nhận nơi cư trú" in text and "0215 3826 999" in text
    assert "Lò Thị Xuân" not in page.content() and "011093004005" not in page.content()
    assert "Bản Che Căn" not in page.content()
    page.screenshot(path=str(SCREENSHOTS / "lookup-supplement.png"), full_page=True)
