"""In Chromium: a cookie copied before «Đăng xuất» opens nothing afterwards, and the
admin lifts a sign-in wait with «Mở khóa» on the users page.

Screenshots of the login refusal and of the users page are written to
``COUNTER_E2E_SHOTS`` (a folder) when it is set.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import LiveServer, log_in
from tests.e2e.test_calendar_browser import admin_ready


@pytest.fixture
def second_page(chromium: Any) -> Iterator[Any]:
    """Another browser context: its own cookies, as on another PC."""
    context = chromium.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        yield page
    finally:
        context.close()


def _shot(page: Any, tmp_path: Path, name: str) -> None:
    folder = Path(os.environ.get("COUNTER_E2E_SHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / name), full_page=True)


def test_a_cookie_copied_before_logout_opens_nothing_after(
    live_server: LiveServer, page: Any, second_page: Any
) -> None:
    log_in(page, live_server, "lanhdao", "lanhdao123")
    second_page.context.add_cookies(page.context.cookies())
    second_page.goto(live_server("/"))
    assert "/dang-nhap" not in second_page.url  # the copy works while the session is open

    page.click("text=Đăng xuất")
    page.wait_for_load_state()
    assert "/dang-nhap" in page.url

    second_page.goto(live_server("/"))
    assert "/dang-nhap" in second_page.url


def test_the_admin_unlocks_an_account_from_the_users_page(
    live_server: LiveServer, page: Any, second_page: Any, tmp_path: Path
) -> None:
    config = live_server.app.config
    first_delay = config["LOGIN_FIRST_DELAY_SECONDS"]
    config["LOGIN_FIRST_DELAY_SECONDS"] = 60  # the wait outlasts this test
    try:
        for _ in range(5):
            second_page.goto(live_server("/dang-nhap"))
            second_page.fill("input[name=username]", "chuyenvien")
            second_page.fill("input[name=password]", "doan-bua-thoi")
            second_page.click("main form button[type=submit]")
        second_page.fill("input[name=password]", "chuyenvien123")
        second_page.click("main form button[type=submit]")
        second_page.wait_for_load_state()
        assert "Vui lòng thử lại sau" in second_page.inner_text("main")
        _shot(second_page, tmp_path, "login-wait.png")

        admin_ready(live_server)
        log_in(page, live_server, "admin", "admin")
        page.goto(live_server("/quan-tri/tai-khoan"))
        row = page.locator("tr", has_text="chuyenvien")
        assert "Đang chặn đăng nhập" in row.inner_text()
        _shot(page, tmp_path, "users-throttled.png")
        row.locator("button", has_text="Mở khóa").click()
        page.wait_for_load_state()
        assert "Đã mở khóa đăng nhập cho chuyenvien" in page.inner_text("main")
        assert "Đang chặn đăng nhập" not in page.locator("tr", has_text="chuyenvien").inner_text()
        _shot(page, tmp_path, "users-unlocked.png")

        log_in(second_page, live_server, "chuyenvien", "chuyenvien123")
    finally:
        config["LOGIN_FIRST_DELAY_SECONDS"] = first_delay
