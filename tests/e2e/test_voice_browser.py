"""The board speaks in Chromium: after the «Bật âm thanh» tap, each call fetches its clips
from this server, in the order they are said, and plays them one after another.

Headless Chromium has no speakers; what the test checks is what a person would hear
through them: which clips were asked for, in which order, and that no two overlap.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from counter.extensions import db
from tests.conftest import Browser, IsolatedClient
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, LiveServer, serve_demo
from tests.web.test_queue_pages import counter, open_all_day_today, press, take, tickets

#: Run before the board's scripts: remembers when each sound starts and how long it lasts.
_RECORD_PLAYING = """
window.__played = [];
(function () {
  var start = AudioBufferSourceNode.prototype.start;
  AudioBufferSourceNode.prototype.start = function (when) {
    window.__played.push([when, this.buffer ? this.buffer.duration : 0]);
    return start.apply(this, arguments);
  };
})();
"""
CLIP_PATH = "/man-hinh/am-thanh/"


@pytest.fixture(scope="module")
def voice_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serve_demo(tmp_path_factory.mktemp("voice-live")) as server:
        with server.app.app_context():
            open_all_day_today()
            db.session.remove()
        yield server


def _clips_asked(requests: list[str]) -> list[str]:
    return [url.split(CLIP_PATH, 1)[1].split("?", 1)[0] for url in requests if CLIP_PATH in url]


def test_the_board_speaks_each_call_after_the_sound_button(
    chromium: Any, voice_server: LiveServer
) -> None:
    context = chromium.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    context.add_init_script(_RECORD_PLAYING)
    board = context.new_page()
    board.set_default_timeout(10_000)
    requests: list[str] = []
    board.on("request", lambda request: requests.append(request.url))
    board.goto(voice_server("/man-hinh/"))
    button = board.get_by_role("button", name="Bật âm thanh")
    assert button.is_visible()
    button.click()
    board.get_by_role("button", name="Bật âm thanh").wait_for(state="hidden")  # gone
    assert board.evaluate("() => localStorage.getItem('counter.voice')") == "on"
    board.wait_for_timeout(1500)  # the board has polled: later calls are new ones
    assert _clips_asked(requests) == []  # nothing fetched before a call

    app = voice_server.app
    with app.app_context():
        # requests through the app itself, each in its own context as a browser's would be
        citizen = Browser(IsolatedClient(app, app.response_class, use_cookies=True))
        take(citizen.client, "A")
        take(citizen.client, "A")
        officer = Browser(IsolatedClient(app, app.response_class, use_cookies=True))
        assert officer.login("tiepnhan").status_code == 302
        c1 = counter(1).id
        press(officer, f"/quay/{c1}/mo")
        press(officer, f"/quay/{c1}/goi")  # A001 to counter 1
        board.wait_for_function("() => window.__played.length === 6", timeout=5_000)
        # «Mời số A một đến quầy số một»: «một» is fetched once and played twice
        assert _clips_asked(requests) == ["chime", "moi_so", "chu_a", "mot", "den_quay_so"]
        press(officer, f"/quay/so/{tickets()[0].id}/bat-dau")
        press(officer, f"/quay/{c1}/goi")  # A002 to counter 1
        db.session.remove()
    board.wait_for_function("() => window.__played.length === 12", timeout=8_000)
    # the second call fetches only the clip it adds: «hai»
    assert _clips_asked(requests) == ["chime", "moi_so", "chu_a", "mot", "den_quay_so", "hai"]
    played = board.evaluate("() => window.__played")
    for (start, length), (next_start, _length) in itertools.pairwise(played):
        assert next_start >= start + length, played  # one sound after another, never two
    context.close()


def test_after_a_reload_the_sound_button_comes_back_when_the_browser_blocks_sound(
    chromium: Any, voice_server: LiveServer
) -> None:
    # A TV's Chromium as installed: sound only after a tap on the page (the policy the
    # README's --autoplay-policy flag lifts). Another browser of the same Playwright.
    strict = chromium.browser_type.launch(
        executable_path=str(CHROMIUM),
        args=[*CHROMIUM_ARGS, "--autoplay-policy=document-user-activation-required"],
    )
    try:
        context = strict.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
        # The board was tapped once before (the choice is remembered), then the TV
        # restarted: with no tap since, the browser keeps the sound off.
        context.add_init_script("window.localStorage.setItem('counter.voice', 'on');")
        board = context.new_page()
        board.set_default_timeout(10_000)
        board.goto(voice_server("/man-hinh/"))
        button = board.get_by_role("button", name="Bật âm thanh")
        button.wait_for(state="visible")  # the board asks again instead of staying silent
        button.click()
        button.wait_for(state="hidden")
        assert board.evaluate("() => localStorage.getItem('counter.voice')") == "on"
    finally:
        strict.close()


def _overlap(one: dict[str, float], two: dict[str, float]) -> bool:
    return not (
        one["x"] + one["width"] <= two["x"]
        or two["x"] + two["width"] <= one["x"]
        or one["y"] + one["height"] <= two["y"]
        or two["y"] + two["height"] <= one["y"]
    )


def test_the_sound_button_covers_no_line_of_a_full_board_on_a_small_tv(
    chromium: Any, voice_server: LiveServer
) -> None:
    app = voice_server.app
    with app.app_context():
        from counter.services import Actor
        from counter.services import queue as q

        admin = Actor.system("admin")  # a fourth service, as many offices have
        fourth = q.save_service(admin, None, name="Người có công", letter="D")
        one = counter(1)
        q.save_counter(
            admin, one.id, number=1, service_ids=[s.id for s in one.services] + [fourth.id]
        )
        for number in (3, 4, 5, 6):  # and six counters: the tiles get small
            q.save_counter(admin, None, number=number, service_ids=[fourth.id])
        citizen = Browser(IsolatedClient(app, app.response_class, use_cookies=True))
        for letter in "ACACACBB":
            take(citizen.client, letter)
        officer = Browser(IsolatedClient(app, app.response_class, use_cookies=True))
        assert officer.login("tiepnhan").status_code == 302
        c1 = counter(1).id
        press(officer, f"/quay/{c1}/mo")
        for _ in range(6):  # a busy morning: «Vừa gọi» fills up
            current = [t for t in tickets() if t.status == "called" and t.counter_id == c1]
            if current:
                press(officer, f"/quay/so/{current[0].id}/bat-dau")
            press(officer, f"/quay/{c1}/goi")
        db.session.remove()
    context = chromium.new_context(
        locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", viewport={"width": 1366, "height": 768}
    )
    board = context.new_page()
    board.goto(voice_server("/man-hinh/"))
    button = board.get_by_role("button", name="Bật âm thanh")
    button.wait_for(state="visible")
    board.wait_for_function("() => document.querySelectorAll('#display-calls li').length >= 5")
    shown = button.bounding_box()
    assert shown is not None
    for line in board.locator(".display-side li, #display-counters li > span").all():
        box = line.bounding_box()
        assert box is not None and not _overlap(box, shown), line.inner_text()
    # and the board still fits the screen: nothing pushed below its bottom edge
    assert board.evaluate("() => document.documentElement.scrollHeight <= innerHeight")
    # A closed counter's «Đóng» is small beside a number called: not read as one.
    sizes = board.evaluate(
        """() => ['open', 'closed'].map(state => parseFloat(getComputedStyle(
            document.querySelector('#display-counters li.' + state + ' .display-code')).fontSize))"""
    )
    assert sizes[1] <= sizes[0] / 2, sizes
    shots = Path(os.environ.get("COUNTER_SCREENSHOTS", "/tmp/counter-screens"))
    shots.mkdir(parents=True, exist_ok=True)
    board.screenshot(path=str(shots / "board-1366x768.png"))
    context.close()
