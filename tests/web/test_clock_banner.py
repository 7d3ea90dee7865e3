"""An implausible clock on the office PC is said on every staff page (sync-faults 14)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape
from typing import Any

from counter.domain import clock


def banner_text(response: Any) -> str:
    """The staff banners of a page, as the officer reads them."""
    html = response.get_data(as_text=True)
    found = re.findall(r'<div class="banner[^"]*" role="status">(.*?)</div>', html, re.S)
    return " ".join(re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", b))) for b in found)


def test_a_right_clock_shows_no_banner(login_as: Any) -> None:
    officer = login_as("tiepnhan")
    assert "Đồng hồ của máy tính" not in banner_text(officer.get("/"))


def test_a_clock_reset_to_2000_is_said_on_every_staff_page(login_as: Any) -> None:
    officer = login_as("tiepnhan")
    with clock.frozen(datetime(2000, 1, 1, 1, 0, tzinfo=UTC)):
        for page in ("/", "/ho-so/", "/tiep-nhan/"):
            text = banner_text(officer.get(page))
            assert "Đồng hồ của máy tính đang chỉ 01/01/2000 08:00" in text, page
            assert "không thể là ngày giờ đúng" in text
            assert "Hãy chỉnh lại ngày giờ của máy trước khi tiếp nhận hồ sơ" in text


def test_a_clock_set_back_behind_the_newest_record_is_said_with_that_record(
    login_as: Any,
) -> None:
    ahead = clock.now() + timedelta(days=3)
    with clock.frozen(ahead):
        login_as("lanhdao")  # a sign-in recorded at the later time
    officer = login_as("tiepnhan")
    text = banner_text(officer.get("/"))
    assert "sớm hơn lần ghi gần nhất" in text
    assert clock.to_local(ahead).strftime("%d/%m/%Y %H:%M") in text
    # A few minutes back (a small correction) is no reason for alarm.
    with clock.frozen(ahead - timedelta(minutes=5)):
        assert "Đồng hồ của máy tính" not in banner_text(officer.get("/"))


def test_the_public_pages_do_not_show_it(client: Any) -> None:
    with clock.frozen(datetime(2000, 1, 1, 1, 0, tzinfo=UTC)):
        assert "Đồng hồ của máy tính" not in client.get("/tra-cuu/").get_data(as_text=True)


def test_doubt_rules() -> None:
    newest = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    assert clock.doubt(datetime(1999, 12, 31, tzinfo=UTC), None) == clock.BEFORE_RELEASE
    assert clock.doubt(newest, None) == ""
    assert clock.doubt(newest - timedelta(minutes=9), newest) == ""
    assert clock.doubt(newest - timedelta(minutes=11), newest) == clock.BEHIND_RECORDS
    assert clock.doubt(newest + timedelta(days=400), newest) == ""
