"""The queue's statistics page for leaders: who may see it, the range, the tables, the chart."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from tests.services.test_queue import counters
from tests.services.test_queue_stats import two_days

__all__ = ["counters", "two_days"]  # the fixtures, imported for the tests below

PAGE = "/quay/thong-ke"


def cells(html: str, label: str) -> list[str]:
    """The cells of the table row whose first cell is ``label``."""
    row = re.search(r"<tr><td>" + re.escape(label) + r"</td>(.*?)</tr>", html, re.S)
    assert row, label
    return re.findall(r"<td[^>]*>(.*?)</td>", row.group(1))


def test_leaders_and_admins_see_it_others_do_not(login_as: Any, client: Any) -> None:
    assert client.get(PAGE).status_code == 302  # to the sign-in page
    assert login_as("tiepnhan").get(PAGE).status_code == 403
    assert login_as("chuyenvien").get(PAGE).status_code == 403
    leader = login_as("lanhdao")
    home = leader.get("/").get_data(as_text=True)
    assert f'href="{PAGE}"' in home  # in the leader's menu
    page = leader.get(PAGE)
    assert page.status_code == 200
    assert "Không có số liệu trong khoảng thời gian này." in page.get_data(as_text=True)
    assert login_as("admin").get(PAGE).status_code == 200


def test_the_tables_and_the_busiest_hours_of_two_days(login_as: Any, two_days: None) -> None:
    html = login_as("lanhdao").get(f"{PAGE}?tu=01/12/2026&den=02/12/2026").get_data(as_text=True)
    # issued, called, served, no-show, not finished; wait median, p90; service median, p90
    # (minutes:seconds)
    assert cells(html, "A — Hộ tịch") == ["3", "4", "3", "1", "0", "9:30", "15:00", "6:00", "9:00"]
    assert cells(html, "1 — Tư pháp - Hộ tịch") == [
        "—",
        "4",
        "3",
        "1",
        "—",
        "9:30",
        "15:00",
        "6:00",
        "9:00",
    ]
    assert cells(html, "02/12/2026") == ["1", "1", "1", "0", "0", "1:00", "1:00", "—", "—"]
    # taken, called (B001 once, though called again after its transfer), served, absent, open
    total = re.search(r"<th>Tổng cộng</th>((?:<td[^>]*>[^<]*</td>){5})", html)
    assert total and re.findall(r">([^<]*)</td>", total.group(1)) == ["5", "5", "4", "1", "0"]
    # the chart: a bar for 8 h (4 tickets, the tallest) and 9 h (1)
    assert "<title>8 giờ: 4 số</title>" in html and "<title>9 giờ: 1 số</title>" in html
    assert 'class="bar bar-top"' in html


def test_the_tables_download_as_a_spreadsheet_file_and_the_page_prints(
    login_as: Any, two_days: None
) -> None:
    leader = login_as("lanhdao")
    html = leader.get(f"{PAGE}?tu=01/12/2026&den=02/12/2026").get_data(as_text=True)
    link = f'href="{PAGE}.csv?tu=01/12/2026&amp;den=02/12/2026"'
    assert link in html and "data-print" in html
    got = leader.get(f"{PAGE}.csv?tu=01/12/2026&den=02/12/2026")
    assert got.status_code == 200 and got.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "thong-ke-hang-doi-20261201-20261202.csv" in got.headers["Content-Disposition"]
    assert got.data.startswith(b"\xef\xbb\xbf")  # Excel then reads Vietnamese
    rows = list(csv.reader(io.StringIO(got.data.decode("utf-8-sig"))))
    # the same figures as the page, the same order; times as a spreadsheet reads them
    # (h:mm:ss: «9:30» alone would be nine and a half hours)
    assert [
        "A — Hộ tịch",
        "3",
        "4",
        "3",
        "1",
        "0",
        "0:09:30",
        "0:15:00",
        "0:06:00",
        "0:09:00",
    ] in rows
    assert ["02/12/2026", "1", "1", "1", "0", "0", "0:01:00", "0:01:00", "—", "—"] in rows
    assert rows[rows.index(["Theo dịch vụ"]) + 1][:2] == ["Dịch vụ", "Lấy số"]
    assert rows[rows.index(["Theo dịch vụ"]) + 5][:6] == ["Tổng cộng", "5", "5", "4", "1", "0"]
    # a bad range: the page says why, no file
    bad = leader.get(f"{PAGE}.csv?tu=02/12/2026&den=01/12/2026")
    assert bad.status_code == 422 and "Ngày cuối phải sau" in bad.get_data(as_text=True)
    assert login_as("tiepnhan").get(f"{PAGE}.csv").status_code == 403


def test_a_bad_range_says_what_is_wrong_in_vietnamese(login_as: Any) -> None:
    leader = login_as("lanhdao")
    bad = leader.get(f"{PAGE}?tu=31/02/2026&den=01/12/2026")
    assert bad.status_code == 422
    assert "Từ ngày 31/02/2026 không có trên lịch" in bad.get_data(as_text=True)
    backwards = leader.get(f"{PAGE}?tu=02/12/2026&den=01/12/2026")
    assert backwards.status_code == 422
    assert "Ngày cuối phải sau hoặc trùng ngày đầu." in backwards.get_data(as_text=True)
    assert 'value="02/12/2026"' in backwards.get_data(as_text=True)  # what was typed stays


def test_the_leaders_dashboard_shows_the_queue_of_its_window(two_days: None, login_as: Any) -> None:
    """The dashboard's queue box: Tuesday and Wednesday's tickets in «Tuần này», only
    Wednesday's in «Hôm nay»; the busiest hours drawn; a link to the full statistics."""
    from counter.domain import clock
    from tests.services.test_queue import at

    with clock.frozen(at(16, 0, day=2)):
        leader = login_as("lanhdao")
        week = leader.get("/bao-cao/tong-quan?window=week").get_data(as_text=True)
        today = leader.get("/bao-cao/tong-quan?window=today").get_data(as_text=True)

    def box(page: str) -> str:
        return page[page.index('id="queue-stats"') :]

    def first_row(page: str) -> list[str]:
        body = box(page).split("<tbody>")[1].split("</tbody>")[0]
        return [c.strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", body, re.S)]

    # 5 issued, 4 served (A003 absent), waits 4, 8, 15, 2, 11 and 1 min.
    assert first_row(week)[:3] == ["5", "4", "1"]
    assert first_row(today)[:3] == ["1", "1", "0"]
    assert 'class="queue-hours"' in box(week) and "08h" in box(week)
    assert "/quay/thong-ke?tu=30/11/2026&amp;den=02/12/2026" in box(week)
