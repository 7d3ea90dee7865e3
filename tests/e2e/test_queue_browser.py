"""The queue in three browser windows: a citizen takes a number at the kiosk, the board
shows it waiting, the officer calls it, and the board shows it at the counter within 2 s.

The server has a database of its own: the test opens the office all day (hours and
calendar), which the other browser tests must not see.
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

#: Run in the board's page before its scripts: remembers each call the board announces.
_RECORD_CALLS = """
window.__calls = [];
document.addEventListener("queue:call", function (e) { window.__calls.push(e.detail.code); });
"""


@pytest.fixture(scope="module")
def queue_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serve_demo(tmp_path_factory.mktemp("queue-live")) as server:
        with server.app.app_context():
            open_all_day_today()
            db.session.remove()
        yield server


def _window(chromium: Any) -> Any:
    context = chromium.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


def _board_text(board: Any, selector: str) -> str:
    return str(board.locator(selector).inner_text())


def test_kiosk_counter_and_board_in_three_windows(
    chromium: Any, queue_server: LiveServer, tmp_path: Path
) -> None:
    shots = tmp_path / "shots"  # screenshots, for a person to look at after a failure
    shots.mkdir()
    board = _window(chromium)
    board.context.add_init_script(_RECORD_CALLS)
    board.set_viewport_size({"width": 1600, "height": 900})
    board.goto(queue_server("/man-hinh/"))
    board.wait_for_function("() => document.getElementById('display-clock').textContent.length > 0")

    kiosk = _window(chromium)
    kiosk.set_viewport_size({"width": 1280, "height": 800})
    kiosk.goto(queue_server("/lay-so/"))
    kiosk.screenshot(path=str(shots / "kiosk.png"))
    kiosk.locator("button.kiosk-button", has_text="Hộ tịch").click()
    kiosk.wait_for_load_state()
    assert kiosk.locator(".kiosk-number").inner_text() == "A001"
    kiosk.screenshot(path=str(shots / "kiosk-ticket.png"))

    board.wait_for_function(
        "() => document.getElementById('display-waiting').textContent.includes('Hộ tịch: 1')",
        timeout=2_000,
    )

    officer = _window(chromium)
    log_in(officer, queue_server, "tiepnhan", "tiepnhan123")
    officer.goto(queue_server("/quay/"))
    officer.locator("form", has_text="Mở quầy").first.locator("button").click()
    officer.wait_for_load_state()
    officer.locator("button.queue-next").click()
    officer.wait_for_load_state()
    assert "Mời số A001." in officer.content()
    officer.screenshot(path=str(shots / "counter.png"), full_page=True)

    started = time.monotonic()
    board.wait_for_function(
        "() => document.getElementById('display-counters').textContent.includes('A001')",
        timeout=2_000,
    )
    assert time.monotonic() - started < 2.0
    assert "Hộ tịch: 0" in _board_text(board, "#display-waiting")
    assert "A001" in _board_text(board, "#display-calls")
    board.wait_for_function("() => window.__calls.length === 1")
    assert board.evaluate("() => window.__calls") == ["A001"]
    board.screenshot(path=str(shots / "board.png"))


def test_the_board_shows_the_offices_time_on_a_tv_set_to_another_zone_and_a_wrong_clock(
    chromium: Any, queue_server: LiveServer
) -> None:
    # A TV's browser is often left on UTC, and its clock drifts or resets after a power
    # cut: the board shows the office's own time (Vietnam, from the server's answers).
    from datetime import timedelta

    from counter.domain import clock

    context = chromium.new_context(locale="vi-VN", timezone_id="UTC")
    context.clock.install(time=time.time() - 3 * 3600)  # the TV's clock is 3 hours late
    board = context.new_page()
    board.set_default_timeout(10_000)
    board.goto(queue_server("/man-hinh/"))
    vietnam_now = clock.local_naive(clock.now())
    expected = {f"{vietnam_now + timedelta(minutes=m):%H:%M}" for m in (-1, 0, 1)}
    board.wait_for_function(
        "(want) => want.some((hm) => document.getElementById('display-clock')"
        ".textContent.startsWith(hm))",
        arg=sorted(expected),
    )
    shown = _board_text(board, "#display-clock")
    assert shown[:5] in expected, shown
    assert (
        f"{vietnam_now:%d/%m/%Y}" in shown
        or f"{vietnam_now - timedelta(minutes=1):%d/%m/%Y}" in shown
    )
    context.close()
