"""An admin reads the year calendar and adds then removes a day off, in Chromium."""

from __future__ import annotations

from typing import Any

import pytest

from counter.extensions import db
from counter.models import User
from tests.e2e.conftest import LiveServer, log_in

pytestmark = pytest.mark.e2e

RED = "rgb(179, 38, 30)"  # --bad


def admin_ready(server: LiveServer) -> None:
    """The demo admin past the first-login password change (as login_as does)."""
    with server.app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == "admin"))
        user.must_change_password = False
        db.session.commit()
        db.session.remove()


def test_year_grid_reads_like_a_calendar(page: Any, live_server: LiveServer) -> None:
    admin_ready(live_server)
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, live_server, "admin", "admin")
    page.goto(live_server("/quan-tri/lich-nghi/nam/2026"))

    assert page.locator("table.cal-month").count() == 12
    assert page.locator("table.cal-month caption").first.inner_text() == "Tháng 1"
    tet = page.locator('td[data-date="2026-02-16"]')
    assert tet.get_attribute("title") == "16/02/2026: Tết Nguyên Đán"
    assert tet.evaluate("e => getComputedStyle(e).backgroundColor") == RED
    culture = page.locator('td[data-date="2026-11-24"]')
    assert culture.get_attribute("title") == "24/11/2026: Ngày Văn hóa Việt Nam"
    assert culture.evaluate("e => getComputedStyle(e).backgroundColor") == RED
    row = page.locator("table.cal-entries tr", has_text="Ngày Văn hóa Việt Nam")
    assert row.locator("td").nth(0).inner_text() == "24/11/2026"
    saturday = page.locator('td[data-date="2026-08-22"]')
    assert saturday.get_attribute("title") == "22/08/2026: Làm bù"
    assert saturday.evaluate("e => getComputedStyle(e).backgroundColor") != RED
    weekend = page.locator('td[data-date="2026-03-01"]')
    working = page.locator('td[data-date="2026-03-02"]')
    assert weekend.evaluate("e => getComputedStyle(e).backgroundColor") != working.evaluate(
        "e => getComputedStyle(e).backgroundColor"
    )
    # Monday first: 1/1/2026 is a Thursday, in the fourth column.
    first = page.locator('td[data-date="2026-01-01"]')
    assert first.evaluate("e => e.cellIndex") == 3
    # No sideways scrolling at 1366×768.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(live_server.app.instance_path) + "/calendar-2026.png", full_page=True)

    page.click("a[rel=next]")
    assert page.url.endswith("/quan-tri/lich-nghi/nam/2027")
    assert "Chưa có lịch nghỉ công bố cho năm 2027" in page.inner_text("main")


def test_add_and_delete_a_day_off(page: Any, live_server: LiveServer) -> None:
    admin_ready(live_server)
    log_in(page, live_server, "admin", "admin")
    page.goto(live_server("/quan-tri/lich-nghi/nam/2026"))
    page.click("text=Thêm ngày nghỉ / làm bù")
    page.fill("input[name=first_date]", "2026-11-26")
    page.select_option("select[name=kind]", "day_off")
    page.fill("input[name=label]", "Nghỉ đột xuất")
    page.fill("input[name=source]", "Thử nghiệm")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert page.url.endswith("/nam/2026")
    assert "Đã thêm “Nghỉ đột xuất”." in page.inner_text("main")
    cell = page.locator('td[data-date="2026-11-26"]')
    assert cell.get_attribute("data-status") == "day_off"

    page.once("dialog", lambda dialog: dialog.accept())
    row = page.locator("table.cal-entries tr", has_text="Nghỉ đột xuất")
    row.locator("button", has_text="Xóa").click()
    page.wait_for_load_state()
    assert "Đã xóa “Nghỉ đột xuất”." in page.inner_text("main")
    assert page.locator('td[data-date="2026-11-26"]').get_attribute("data-status") == "working"
