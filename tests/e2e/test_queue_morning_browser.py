"""A short morning in one browser with three pages: the kiosk, a counter, the board.

The citizen takes numbers (one priority: an elderly person) at the kiosk; the officer
at counter 1 calls the priority ticket first, starts and finishes it, calls the next
one again twice and marks it absent, then calls, starts and transfers the third. The
counter page's waiting list follows the kiosk by itself (what the officer was choosing
stays chosen); the board shows every call within 2 seconds and, after «Bật âm thanh»,
fetches the clips of every call from this server. Then the leader reads the morning in
the statistics.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from counter.extensions import db
from tests.e2e.conftest import LiveServer, log_in, serve_demo
from tests.web.test_queue_pages import open_all_day_today

#: Run in the board before its scripts: each call announced, with its clips, and each sound.
_RECORD = """
window.__calls = [];
window.__played = 0;
document.addEventListener("queue:call", function (e) {
  window.__calls.push({ code: e.detail.code, clips: e.detail.clips });
});
(function () {
  var start = AudioBufferSourceNode.prototype.start;
  AudioBufferSourceNode.prototype.start = function () {
    window.__played += 1;
    return start.apply(this, arguments);
  };
})();
"""
CLIP_PATH = "/man-hinh/am-thanh/"


@pytest.fixture(scope="module")
def morning_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serve_demo(tmp_path_factory.mktemp("morning-live")) as server:
        with server.app.app_context():
            open_all_day_today()
            db.session.remove()
        yield server


def _page(chromium: Any, width: int, height: int) -> Any:
    context = chromium.new_context(
        locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", viewport={"width": width, "height": height}
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


def _take(kiosk: Any, server: LiveServer, service: str, who: str = "") -> str:
    """Press a service's button (and, for priority, who the citizen is): the number shown."""
    kiosk.goto(server("/lay-so/"))
    if who:
        kiosk.locator("a.kiosk-priority", has_text=service).click()
        kiosk.locator("button.kiosk-kind", has_text=who).click()
    else:
        kiosk.locator("button.kiosk-button", has_text=service).click()
    kiosk.wait_for_load_state()
    return str(kiosk.locator(".kiosk-number").inner_text())


def _press(officer: Any, name: str) -> None:
    officer.get_by_role("button", name=name, exact=True).click()
    officer.wait_for_load_state()


def _on_board_within_2s(board: Any, code: str, calls: int) -> None:
    """The board shows ``code`` at counter 1 and has announced ``calls`` calls, within 2 s."""
    started = time.monotonic()
    board.wait_for_function(
        "([code, n]) => document.getElementById('display-counters').textContent.includes(code)"
        " && window.__calls.length >= n",
        arg=[code, calls],
        timeout=2_000,
    )
    assert time.monotonic() - started < 2.0


def test_a_short_morning_in_three_pages(
    chromium: Any, morning_server: LiveServer, tmp_path: Path
) -> None:
    server = morning_server
    board = _page(chromium, 1600, 900)
    board.context.add_init_script(_RECORD)
    fetched: list[str] = []
    board.on(
        "request",
        lambda r: (
            fetched.append(r.url.split(CLIP_PATH, 1)[1].split("?")[0])
            if CLIP_PATH in r.url
            else None
        ),
    )
    board.goto(server("/man-hinh/"))
    board.get_by_role("button", name="Bật âm thanh").click()
    board.get_by_role("button", name="Bật âm thanh").wait_for(state="hidden")  # gone

    officer = _page(chromium, 1366, 900)
    log_in(officer, server, "tiepnhan", "tiepnhan123")
    officer.goto(server("/quay/"))
    officer.locator(".queue-counter-tile", has_text="Quầy số 1").get_by_role(
        "button", name="Mở quầy"
    ).click()
    officer.wait_for_load_state()
    assert "Không có số nào đang ở quầy." in officer.content()

    kiosk = _page(chromium, 1280, 800)
    assert _take(kiosk, server, "Hộ tịch") == "A001"
    assert _take(kiosk, server, "Đất đai") == "C001"
    assert _take(kiosk, server, "Hộ tịch", who="Người cao tuổi") == "A002"
    assert "Ưu tiên: Người cao tuổi" in kiosk.content()

    # The counter page was not reloaded: its list follows the kiosk by itself.
    waiting = officer.locator("#queue-lists table").first
    waiting.locator("td", has_text="A002").wait_for(timeout=5_000)
    assert "Người cao tuổi" in waiting.inner_text()

    _press(officer, "Gọi số tiếp theo")  # the elderly citizen first
    assert officer.locator(".queue-code").inner_text() == "A002"
    assert "Người cao tuổi" in officer.locator(".queue-current").inner_text()
    _on_board_within_2s(board, "A002", 1)
    _press(officer, "Bắt đầu phục vụ")
    _press(officer, "Xong")

    _press(officer, "Gọi số tiếp theo")
    assert officer.locator(".queue-code").inner_text() == "A001"
    _on_board_within_2s(board, "A001", 2)
    _press(officer, "Gọi lại")
    _on_board_within_2s(board, "A001", 3)
    _press(officer, "Gọi lại")
    _on_board_within_2s(board, "A001", 4)
    _press(officer, "Vắng mặt")
    assert "Vắng mặt" in officer.locator("#queue-lists").inner_text()

    _press(officer, "Gọi số tiếp theo")
    assert officer.locator(".queue-code").inner_text() == "C001"
    _on_board_within_2s(board, "C001", 5)
    _press(officer, "Bắt đầu phục vụ")
    # The officer chooses where to send C001; meanwhile a citizen takes a number.
    officer.select_option("select[name=target]", label="Dịch vụ B: Chứng thực")
    assert _take(kiosk, server, "Hộ tịch") == "A003"
    officer.locator("#queue-lists td", has_text="A003").wait_for(timeout=5_000)
    assert officer.eval_on_selector("select[name=target]", "s => s.selectedOptions[0].text") == (
        "Dịch vụ B: Chứng thực"
    )
    officer.screenshot(path=str(tmp_path / "counter.png"), full_page=True)
    _press(officer, "Chuyển")
    assert "Đã chuyển số C001." in officer.content()
    board.wait_for_function(
        "() => document.getElementById('display-waiting').textContent.includes('Chứng thực: 1')",
        timeout=2_000,
    )

    calls = board.evaluate("() => window.__calls")
    assert [c["code"] for c in calls] == ["A002", "A001", "A001", "A001", "C001"]
    # each call is said in full, one after another: every clip of every call was played…
    sounds = sum(len(c["clips"]) for c in calls)
    board.wait_for_function("(n) => window.__played >= n", arg=sounds, timeout=15_000)
    for call in calls:  # …and came from this server
        assert call["clips"] and set(call["clips"]) <= set(fetched), (call, fetched)
    board.screenshot(path=str(tmp_path / "board.png"))
    for page in (board, officer, kiosk):
        page.context.close()

    # The leader sees the morning in the statistics (today by default).
    leader = _page(chromium, 1366, 900)
    log_in(leader, server, "lanhdao", "lanhdao123")
    leader.get_by_role("link", name="Thống kê quầy").first.click()  # in the menu
    leader.wait_for_load_state()
    tiles = leader.locator(".queue-stats-tiles").inner_text().split()
    # 4 numbers taken, 1 served (A002; C001 was transferred), 1 absent (A001)
    assert " ".join(tiles).startswith("Số đã lấy 4 Đã phục vụ 1 Vắng mặt 1 "), tiles
    assert leader.locator("svg.queue-hours rect.bar").count() >= 1
    leader.screenshot(path=str(tmp_path / "stats.png"), full_page=True)
    leader.context.close()
