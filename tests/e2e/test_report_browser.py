"""A leader opens this month's report in Chromium, downloads the XLSX and prints the report.

The XLSX is read back with openpyxl and compared with the table on screen; the
printout is A4 landscape, its table within the page, every page headed.
Set REPORT_ARTIFACTS=DIR to keep the PDF and screenshots for a person to look at.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.e2e.conftest import LiveServer, log_in

pytestmark = pytest.mark.e2e

A4_LANDSCAPE = (842, 595)


def _keep(name: str, data: bytes) -> None:
    folder = os.environ.get("REPORT_ARTIFACTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / name).write_bytes(data)


def _numbers(texts: list[str]) -> list[Any]:
    """The total row's cells as the spreadsheet holds them: counts, then the rate (or None)."""
    counts = [int(t.strip().replace(".", "")) for t in texts[:-1]]
    rate = texts[-1].strip()
    return [*counts, None if rate == "–" else float(rate.replace(",", "."))]  # 83,33


def test_the_leader_reads_exports_and_prints_this_months_report(
    live_server: LiveServer, page: Any, tmp_path: Path
) -> None:
    log_in(page, live_server, "lanhdao", "lanhdao123")
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.click("nav a:has-text('Báo cáo')")
    assert page.locator("svg.chart-svg").count() == 2
    assert page.locator("#queue-stats").count() == 1
    _keep("dashboard.png", page.screenshot(full_page=True))
    page.click("a:has-text('Báo cáo theo kỳ')")
    assert page.locator("table.report-table").first.is_visible()
    total_row = page.locator("table.report-table").first.locator("tr.line-total td")
    on_screen = _numbers(total_row.all_inner_texts()[3:])
    assert on_screen[0] > 0, "the demo's dossiers are this month's"

    with page.expect_download() as download:
        page.click("a:has-text('Tải Excel (XLSX)')")
    target = tmp_path / download.value.suggested_filename
    download.value.save_as(target)
    sheet = load_workbook(target)["Báo cáo"]
    in_file = [sheet.cell(sheet.max_row, c).value for c in range(4, 4 + len(on_screen))]
    assert in_file == on_screen

    page.click("a:has-text('Bản in (A4 ngang)')")
    page.wait_for_load_state()
    table = page.locator("table.report-table").first
    sheet_box = page.locator("article.sheet").bounding_box()
    assert table.bounding_box()["width"] <= sheet_box["width"]
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    _keep("report.pdf", pdf)
    reader = PdfReader(io.BytesIO(pdf))
    sizes = {
        (round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages
    }
    assert sizes == {A4_LANDSCAPE}
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    for words in ("BÁO CÁO TÌNH HÌNH", "Kỳ trước chuyển sang", "Tổng cộng", "THỦ TRƯỞNG ĐƠN VỊ"):
        assert words in text, words


def test_the_counter_tablet_shows_nobody_and_needs_no_script(
    live_server: LiveServer, chromium: Any
) -> None:
    tablet = chromium.new_page(viewport={"width": 1024, "height": 700})
    tablet.goto(live_server("/man-hinh/danh-gia/?quay=1"))
    assert tablet.locator("h1").inner_text() == "Quầy số 1"
    assert tablet.locator("script").count() == 0
    _keep("tablet.png", tablet.screenshot())
    tablet.context.close()


def test_the_queue_statistics_print_from_their_button(live_server: LiveServer, page: Any) -> None:
    page.add_init_script("window.__printed = 0; window.print = () => { window.__printed += 1; };")
    log_in(page, live_server, "lanhdao", "lanhdao123")
    page.goto(live_server("/quay/thong-ke?tu=01/11/2026&den=30/11/2026"))
    button = page.get_by_role("button", name="In trang này")
    assert button.is_visible()
    button.click()
    assert page.evaluate("window.__printed") == 1  # once: one handler
