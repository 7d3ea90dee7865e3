"""A dossier's whole life in a real browser: received at the counter, handed over,
resolved by the specialist, returned to the citizen, looked up by the public.

Which worklist tab the new dossier belongs in depends on when the test runs: a
same-day procedure received before the afternoon cutoff on a working day is due
today at closing time, otherwise on the next working day. So the test reads the
due date the dossier page shows and expects the dossier under "Đến hạn hôm nay"
when that date is today (Vietnam time), under "Đến hạn trong 2 ngày làm việc"
otherwise, and never under "Quá hạn". The worklist's own date arithmetic is
checked by the service tests; here we check that what a person sees agrees.
"""

from __future__ import annotations

import re
import time
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from counter.domain.due import Timeliness
from counter.domain.lifecycle import Status
from tests.e2e.conftest import LiveServer, log_in

pytestmark = pytest.mark.e2e

VN = ZoneInfo("Asia/Ho_Chi_Minh")
ID_NUMBER = "011190012345"
NAME = "Hà Thị Thu Trang"
QR = f"{ID_NUMBER}||{NAME}|12031990|Nữ|Bản Phăng, xã Mường Phăng, Điện Biên|01012022"
PROCEDURE = "Chứng thực bản sao từ bản chính"
TAB_NAMES = {
    "today": "Đến hạn hôm nay",
    "soon": "Đến hạn trong 2 ngày làm việc",
    "overdue": "Quá hạn",
    "ready": "Chờ trả kết quả",
    "open": "Chưa hoàn thành",
    "all": "Tất cả",
}
SPECIALIST = "Quàng Văn Minh"


def new_page(chromium: Any) -> Any:
    context = chromium.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.set_viewport_size({"width": 1366, "height": 768})
    return page


def tab_holding(page: Any, server: LiveServer, code: str) -> set[str]:
    """The worklist tabs listing this dossier, clicking each tab (and its pages) as a person would."""
    page.goto(server("/ho-so/"))
    found = set()
    for key, name in TAB_NAMES.items():
        link = page.locator(f"nav.tabs a.tab-{key}")
        assert name in link.inner_text()
        with page.expect_navigation():
            link.click()
        assert page.locator(f"nav.tabs a.tab-{key}[aria-current=page]").count() == 1
        while True:
            if page.locator("table.worklist code", has_text=code).count():
                found.add(key)
                break
            following = page.locator("nav.pager a[rel=next]")
            if not following.count():
                break
            with page.expect_navigation():
                following.click()
    return found


def open_from_worklist(page: Any, server: LiveServer, tab: str, code: str) -> None:
    page.goto(server(f"/ho-so/?tab={tab}"))
    with page.expect_navigation():
        page.locator("table.worklist a", has_text=code).click()
    assert code in page.inner_text("h1")


def take_action(page: Any, summary: str, fill: dict[str, str] | None = None) -> None:
    """Open an action's fold on the dossier page, fill it, press its button."""
    box = page.locator("details.action-form", has=page.locator("summary", has_text=summary))
    if box.get_attribute("open") is None:
        box.locator("summary").click()
    for selector, value in (fill or {}).items():
        box.locator(selector).fill(value)
    with page.expect_navigation():
        box.locator("button[type=submit]").click()
    assert page.locator(".flash", has_text="Đã cập nhật hồ sơ").count() == 1, page.content()[:800]


def status_label(page: Any) -> str:
    return page.inner_text(".pagehead h1 .tag")


def timeline(page: Any) -> str:
    return page.inner_text("#timeline")


def log_out(page: Any) -> None:
    with page.expect_navigation():
        page.click(".userbox button:has-text('Đăng xuất')")


def test_the_demo_data_shows_every_status(page: Any, live_server: LiveServer) -> None:
    # First in this file, before the journey below adds its own returned dossier.
    log_in(page, live_server, "tiepnhan", "tiepnhan123")
    page.goto(live_server("/ho-so/?tab=all"))
    seen: set[str] = set()
    while True:
        seen.update(page.locator("table.worklist span[class*=tag-status-]").all_inner_texts())
        following = page.locator("nav.pager a[rel=next]")
        if not following.count():
            break
        with page.expect_navigation():
            following.click()
    missing = [s.label for s in Status if s.label not in seen]
    assert not missing, f"statuses not shown by the demo data: {missing}"


def test_a_dossier_goes_from_the_counter_to_the_citizen_and_the_worklist_follows(
    page: Any, chromium: Any, live_server: LiveServer
) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, live_server, "tiepnhan", "tiepnhan123")

    # 1. Reception, keyboard only, timed from opening the screen to the slip on screen.
    started = time.monotonic()
    page.goto(live_server("/tiep-nhan/"))
    page.keyboard.type("chung thuc ban sao")
    page.wait_for_selector("#rx-results li[role=option]")
    assert PROCEDURE in page.inner_text("#rx-results li[aria-selected=true]")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'scan'")
    assert PROCEDURE in page.inner_text("#rx-proc-info")
    page.keyboard.type(QR)
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.getElementById('applicant_name').value !== ''")
    assert page.input_value("#applicant_name") == NAME
    assert page.input_value("#id_number") == ID_NUMBER
    boxes = page.locator("#rx-checklist tr.rx-catalog input[type=checkbox]")
    assert boxes.count() >= 1
    for i in range(boxes.count()):
        boxes.nth(i).check()
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    page.wait_for_selector("h1.form-title")
    elapsed = time.monotonic() - started
    print(f"\nreception, screen opened to slip shown: {elapsed:.2f} s")

    match = re.search(r"/in/ho-so/(\d+)/mau-01", page.url)
    assert match, page.url
    code = page.inner_text(".dossier-code >> nth=0")
    assert re.fullmatch(r"000\.20\.18\.H18-\d{6}-\d{4}", code)
    key = page.inner_text(".lookup-key >> nth=0")  # 'Mã tra cứu' under the QR code
    assert page.inner_text("h1.form-title >> nth=0") == "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"
    slip = page.inner_text("article.sheet >> nth=0")
    assert NAME in slip and PROCEDURE in slip
    due_words = page.inner_text("p.due >> nth=0")
    due_match = re.search(
        r"(\d\d) giờ (\d\d) phút, ngày (\d\d) tháng (\d\d) năm (\d{4})", due_words
    )
    assert due_match, due_words
    hh, mm, dd, mo, yyyy = due_match.groups()

    # 2. The worklist: the dossier page's due date says which tab it belongs in.
    open_from_worklist(page, live_server, "all", code)
    assert status_label(page) == "Được tiếp nhận"
    due_text = page.inner_text(".due-box strong >> nth=1")
    assert due_text == f"{dd}/{mo}/{yyyy} {hh}:{mm}", (due_text, due_words)
    due_day = datetime.strptime(due_text, "%d/%m/%Y %H:%M").date()
    expected_tab = "today" if due_day == datetime.now(VN).date() else "soon"
    assert tab_holding(page, live_server, code) == {expected_tab, "open", "all"}

    # 3. Reception hands it over to the specialist (form 06). Clearing the proposed receiving
    # unit brings the form back with a Vietnamese message and the note still typed.
    open_from_worklist(page, live_server, expected_tab, code)
    box = page.locator("details.action-hand_over")
    box.locator("summary").click()
    unit = box.locator("input[name$=to_unit]")
    assert unit.input_value(), "the resolving body is proposed as the receiving unit"
    unit.fill("")
    box.locator("textarea").fill("Chuyển chứng thực bản sao")
    with page.expect_navigation():
        box.locator("button[type=submit]").click()
    assert "Vui lòng ghi đơn vị nhận hồ sơ." in box.inner_text()
    assert box.locator("textarea").input_value() == "Chuyển chứng thực bản sao"
    assert status_label(page) == "Được tiếp nhận"
    choice = box.locator("select option", has_text=SPECIALIST).inner_text()
    box.locator("select").select_option(label=choice)
    take_action(page, "Chuyển xử lý", {"input[name$=to_unit]": "Công chức Tư pháp - Hộ tịch"})
    assert status_label(page) == "Đang xử lý"
    assert SPECIALIST in page.inner_text("dl.facts >> nth=0")
    assert tab_holding(page, live_server, code) == {expected_tab, "open", "all"}
    log_out(page)

    specialist = new_page(chromium)
    try:
        log_in(specialist, live_server, "chuyenvien", "chuyenvien123")
        open_from_worklist(specialist, live_server, expected_tab, code)
        take_action(specialist, "Hoàn thành xử lý")
        assert status_label(specialist) == "Đã xử lý xong"
        done = specialist.inner_text(".due-box")
        early_or_on_time = {Timeliness.EARLY.label, Timeliness.ON_TIME.label}
        assert any(word in done for word in early_or_on_time), done
        assert Timeliness.LATE.label not in done
        events = timeline(specialist)
        for step in ("Tiếp nhận", "Chuyển xử lý", "Hoàn thành xử lý"):
            assert step in events, events
        assert "Được tiếp nhận → Đang xử lý" in events
        assert f"giao cho {SPECIALIST}" in events
        assert "Đang xử lý → Đã xử lý xong" in events
        # Resolved but not yet returned: off the due-date tabs, waiting for the citizen.
        assert tab_holding(specialist, live_server, code) == {"ready", "open", "all"}
    finally:
        specialist.context.close()

    # The counter gives the result to the applicant.
    log_in(page, live_server, "tiepnhan", "tiepnhan123")
    open_from_worklist(page, live_server, "open", code)
    collected = page.locator("details.action-return_result input[name$=collected_by]")
    take_action(page, "Trả kết quả")
    assert status_label(page) == "Đã trả kết quả"
    assert NAME in page.inner_text(".due-box")
    events = timeline(page)
    assert "Trả kết quả" in events and f"Người nhận: {NAME}" in events
    assert collected.count() == 0  # nothing more to do at the counter
    assert tab_holding(page, live_server, code) == {"all"}

    # 4. The public look-up, no login: status and masked name, never the ID number.
    citizen = new_page(chromium)
    try:
        # The code alone (it can be guessed) tells the status, not whose or what it is.
        citizen.goto(live_server(f"/tra-cuu/{code}"))
        card = citizen.inner_text("section.public-status")
        assert "Đã trả kết quả" in card and PROCEDURE not in card and "Hà T**" not in card
        citizen.fill("#k", key)  # as printed on the slip
        with citizen.expect_navigation():
            citizen.click("form.public-key button[type=submit]")
        card = citizen.inner_text("section.public-status")
        assert code in card and PROCEDURE in card
        assert "Đã trả kết quả" in card
        assert "Hà T** T** T****" in card  # masked, yet recognisable to its owner
        assert NAME not in card
        assert ID_NUMBER not in citizen.content()
        assert "Đăng xuất" not in citizen.content()
    finally:
        citizen.context.close()
