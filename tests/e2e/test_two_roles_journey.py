"""One officer holding two roles (reception + specialist) takes a same-day chứng thực from the
counter to the citizen, in Chromium, watching the home page and the "Của tôi" tab follow, and
then prints the day's ledger (form 07) with the dossier's row in it.

At many communes the civil-status officer also sits at the one-stop counter and resolves a
chứng thực bản sao while the citizen waits. The demo account ``kiemnhiem`` holds both roles.

Whether the new dossier counts as "due today" or "due within 2 working days" depends on
when the test runs (a same-day procedure received after the cutoff is due the next working
day), so the test reads the due date the dossier page shows, as the journey test does.

Screenshots of the home page for each demo role are written to ``COUNTER_E2E_SHOTS`` (a
folder), or to the test's temporary folder.
"""

from __future__ import annotations

import io
import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from counter.domain.lifecycle import Status
from tests.e2e.conftest import LiveServer, log_in
from tests.e2e.test_calendar_browser import admin_ready
from tests.e2e.test_dossier_journey import log_out, status_label, take_action
from tests.e2e.test_ledger_pdf import A4_LANDSCAPE, OVERFLOWING_CELLS_JS, overflowing

pytestmark = pytest.mark.e2e

VN = ZoneInfo("Asia/Ho_Chi_Minh")
OFFICER, PASSWORD, FULL_NAME = "kiemnhiem", "kiemnhiem123", "Lường Văn Tâm"
ID_NUMBER = "011190054321"
NAME = "Lường Thị Mai"
QR = f"{ID_NUMBER}||{NAME}|05061988|Nữ|Bản Co Mận, xã Mường Phăng, Điện Biên|01012022"
PROCEDURE = "Chứng thực bản sao từ bản chính"
ACCOUNTS = {
    "tiepnhan": "tiepnhan123",
    "chuyenvien": "chuyenvien123",
    "lanhdao": "lanhdao123",
    "admin": "admin",
    OFFICER: PASSWORD,
}


def shots_dir(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("COUNTER_E2E_SHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def home_boxes(page: Any, server: LiveServer) -> dict[str, int]:
    """The numbers on the home page, by box."""
    page.goto(server("/"))
    boxes = {}
    for box in page.locator("a.due-box").all():
        key = re.search(r"box-(\w+)", box.get_attribute("class") or "").group(1)
        boxes[key] = int(box.locator("strong").inner_text())
    return boxes


def mine(page: Any, server: LiveServer) -> tuple[int, list[str]]:
    """The "Của tôi" tab: its count, and the codes it lists."""
    page.goto(server("/ho-so/"))
    with page.expect_navigation():
        page.locator("nav.tabs a.tab-mine").click()
    assert "Của tôi" in page.inner_text("nav.tabs a.tab-mine[aria-current=page]")
    count = int(page.inner_text("nav.tabs a.tab-mine .count"))
    return count, page.locator("table.worklist code").all_inner_texts()


def open_dossier(page: Any, server: LiveServer, dossier_id: str) -> None:
    page.goto(server(f"/ho-so/{dossier_id}"))


def test_one_officer_with_two_roles_does_a_same_day_certification(
    page: Any, live_server: LiveServer, tmp_path: Path
) -> None:
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, live_server, OFFICER, PASSWORD)
    header = page.inner_text(".userbox")
    assert FULL_NAME in header and "Cán bộ một cửa, Chuyên viên xử lý" in header
    menu = page.inner_text("nav.mainnav")
    assert "Tiếp nhận" in menu and "Quản trị" not in menu
    sections = page.locator("section.today h2").all_inner_texts()
    assert sections == ["Tại quầy một cửa", "Hồ sơ tôi đang xử lý"]
    before = home_boxes(page, live_server)
    mine_before, _ = mine(page, live_server)

    # 1. At the counter: receive the chứng thực.
    page.goto(live_server("/tiep-nhan/"))
    page.keyboard.type("chung thuc ban sao")
    page.wait_for_selector("#rx-results li[role=option]")
    assert PROCEDURE in page.inner_text("#rx-results li[aria-selected=true]")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'scan'")
    page.keyboard.type(QR)
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.getElementById('applicant_name').value !== ''")
    boxes = page.locator("#rx-checklist tr.rx-catalog input[type=checkbox]")
    for i in range(boxes.count()):
        boxes.nth(i).check()
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    page.wait_for_selector("h1.form-title")
    dossier_id = re.search(r"/in/ho-so/(\d+)/mau-01", page.url).group(1)
    code = page.inner_text(".dossier-code >> nth=0")

    # The slip page says, on screen only, that phones cannot open the QR yet.
    notice = page.locator("#qr-notice")
    assert notice.is_visible()
    assert "chỉ mở được trên chính máy tính này" in notice.inner_text()
    assert "báo quản trị viên" in notice.inner_text()
    page.emulate_media(media="print")
    assert not notice.is_visible()
    page.emulate_media(media="screen")

    # Still at the counter: the counter's box counts it, the specialist's boxes do not.
    now = home_boxes(page, live_server)
    assert now["to_hand_over"] == before["to_hand_over"] + 1
    for key in ("my_overdue", "my_today", "my_soon"):
        assert now[key] == before[key], key
    count, codes = mine(page, live_server)
    assert count == mine_before + 1 and code in codes

    # 2. Hand it over to the processing unit, assigned to themself (form 06).
    open_dossier(page, live_server, dossier_id)
    assert status_label(page) == Status.RECEIVED.label
    due_text = page.inner_text(".due-box strong >> nth=1")
    due_day = datetime.strptime(due_text, "%d/%m/%Y %H:%M").date()
    due_box = "my_today" if due_day == datetime.now(VN).date() else "my_soon"
    box = page.locator("details.action-hand_over")
    box.locator("summary").click()
    option = box.locator("select option", has_text=FULL_NAME).inner_text()
    box.locator("select").select_option(label=option)
    take_action(page, "Chuyển xử lý")
    assert status_label(page) == Status.IN_PROGRESS.label
    assert FULL_NAME in page.inner_text("dl.facts >> nth=0")

    now = home_boxes(page, live_server)
    assert now["to_hand_over"] == before["to_hand_over"]
    assert now[due_box] == before[due_box] + 1
    count, codes = mine(page, live_server)
    assert count == mine_before + 1 and code in codes
    # The "only mine" filter with the home page's link lists it too.
    page.goto(live_server(f"/ho-so/?tab={due_box[3:]}&status=in_progress&mine=1"))
    assert page.locator("table.worklist code", has_text=code).count() == 1
    assert page.locator("input[name=mine]").is_checked()

    # 3. Resolve it as the specialist, without signing in again.
    open_dossier(page, live_server, dossier_id)
    take_action(page, "Hoàn thành xử lý")
    assert status_label(page) == Status.RESOLVED.label
    now = home_boxes(page, live_server)
    assert now[due_box] == before[due_box]
    assert now["to_return"] == before["to_return"] + 1
    count, codes = mine(page, live_server)
    assert code in codes  # received here, waiting at this counter for the citizen

    # 4. Return the result at the counter.
    open_dossier(page, live_server, dossier_id)
    take_action(page, "Trả kết quả")
    assert status_label(page) == Status.RETURNED.label
    assert NAME in page.inner_text(".due-box")
    now = home_boxes(page, live_server)
    assert now == before
    count, codes = mine(page, live_server)
    assert count == mine_before and code not in codes

    # 5. The same officer prints today's ledger (form 07): the dossier's row, received and
    # returned today, every text inside its column on screen and in the PDF.
    today = datetime.now(VN).date()
    page.goto(live_server(f"/in/so-theo-doi?from={today:%d/%m/%Y}&to={today:%d/%m/%Y}"))
    row = page.locator("table.ledger-table tbody tr", has=page.locator("td.code", has_text=code))
    assert row.count() == 1
    cells = row.locator("td").all_inner_texts()
    assert NAME in cells[3] and PROCEDURE in cells[2]
    assert f"{today:%d/%m/%Y}" in cells[6] and f"{today:%d/%m/%Y}" in cells[8]  # received, returned
    assert page.evaluate(OVERFLOWING_CELLS_JS) == []
    page.emulate_media(
        media="null"
    )  # the slip's check above left "screen" on, which page.pdf keeps
    reader = PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True, print_background=True)))
    sizes = {
        (round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages
    }
    assert sizes == {A4_LANDSCAPE}
    assert [p for pg in reader.pages for p in overflowing(pg)] == []
    whole = "".join(pg.extract_text() or "" for pg in reader.pages)
    assert code in re.sub(r"\s+", "", whole)
    page.goto(live_server("/"))  # the printout stands alone, without the header's sign-out
    log_out(page)


def test_home_page_of_each_role(page: Any, live_server: LiveServer, tmp_path: Path) -> None:
    admin_ready(live_server)
    folder = shots_dir(tmp_path)
    page.set_viewport_size({"width": 1366, "height": 900})
    expected = {
        "tiepnhan": ["Tại quầy một cửa"],
        "chuyenvien": ["Hồ sơ tôi đang xử lý"],
        "lanhdao": ["Việc của lãnh đạo"],
        "admin": ["Cài đặt cần hoàn thiện"],
        OFFICER: ["Tại quầy một cửa", "Hồ sơ tôi đang xử lý"],
    }
    for username, password in ACCOUNTS.items():
        log_in(page, live_server, username, password)
        assert page.locator("section.today h2").all_inner_texts() == expected[username]
        notice = page.locator("#qr-notice")
        assert notice.is_visible()
        if username == "admin":
            assert notice.locator("a[href='/quan-tri/don-vi']").count() == 1
        else:
            assert "báo quản trị viên" in notice.inner_text()
        # Every number on the page opens the list it counts.
        for box in page.locator("a.due-box").all():
            assert box.get_attribute("href").startswith("/ho-so/?tab=")
        page.screenshot(path=str(folder / f"home-{username}.png"), full_page=True)
        log_out(page)
