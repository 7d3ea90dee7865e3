"""The report pages: leaders only; every dashboard number is what its worklist link lists;
the files download; a bad period is refused in Vietnamese."""

from __future__ import annotations

import html as htmllib
import io
import re
from typing import Any

import pytest
from openpyxl import load_workbook

from counter.domain import clock
from tests.services.test_reports import AFTER, known  # noqa: F401
from tests.web.test_home import _listed

# The known set's dashboard on Tuesday 1/12/2026 15:00: L resolved at dawn, E still late.
MOMENT = AFTER


def _numbers(page: str) -> list[tuple[int, str]]:
    """Every (number, worklist link) pair of the page."""
    found = re.findall(r'<a href="(/ho-so/\?[^"]+)"(?: class="zero")?>(\d+)</a>', page)
    found += [
        (url, n)
        for url, n in re.findall(
            r'<a class="due-box [^"]*" href="(/ho-so/\?[^"]+)"><strong>(\d+)</strong>', page
        )
    ]
    return [(int(n), htmllib.unescape(url)) for url, n in found]


@pytest.mark.usefixtures("known")
@pytest.mark.parametrize("window", ["today", "week", "month"])
def test_every_dashboard_number_is_what_its_link_lists(login_as: Any, window: str) -> None:
    with clock.frozen(MOMENT):  # signed in at that moment too (the session's idle clock)
        leader = login_as("lanhdao")
        resp = leader.get(f"/bao-cao/tong-quan?window={window}")
        assert resp.status_code == 200
        page = resp.get_data(as_text=True)
        numbers = _numbers(page)
        assert len(numbers) > 40
        assert any(n > 0 for n, _url in numbers)
        for count, url in numbers:
            assert _listed(leader, url) == count, url


@pytest.mark.usefixtures("known")
def test_the_week_counts_what_happened_since_monday(login_as: Any) -> None:
    with clock.frozen(MOMENT):
        page = login_as("lanhdao").get("/bao-cao/tong-quan?window=week").get_data(as_text=True)
    row = re.search(r'<tr class="window-week">(.*?)</tr>', page, re.S).group(1)
    cells = dict(
        re.findall(r'<td class="cell-(\w+)"><a href="[^"]+"(?: class="zero")?>(\d+)</a>', row)
    )
    # Monday 30/11 – Thursday 3/12: L received; L (early) and E (late) resolved.
    assert cells == {
        "received": "1",
        "resolved": "2",
        "in_time": "1",
        "late": "1",
        "supplement": "0",
        "refused": "0",
        "ended": "0",
    }
    # Charts drawn on the server: SVG in the page, no script but the layout's own.
    assert page.count("<svg") == 2 and page.count("<script") == 1
    assert 'id="queue-stats"' in page


@pytest.mark.usefixtures("known")
def test_the_report_page_and_its_files(login_as: Any) -> None:
    with clock.frozen(MOMENT):
        leader = login_as("lanhdao")
        page = leader.get("/bao-cao/?ky=2026-11")
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert "Tháng 11/2026" in text and "Kỳ trước chuyển sang" in text
        # Rates are written the Vietnamese way, with a decimal comma.
        rates = re.findall(r">(\d+[.,]\d\d)%?<", text)
        assert rates and all("," in rate for rate in rates), rates
        xlsx = leader.get("/bao-cao/tai-ve.xlsx?from=2026-11-01&to=2026-11-30")
        csv = leader.get("/bao-cao/tai-ve.csv?from=2026-11-01&to=2026-11-30")
        printed = leader.get("/bao-cao/in?ky=2026-11")
    assert (
        xlsx.status_code == 200
        and "bao-cao-20261101-20261130.xlsx" in xlsx.headers["Content-Disposition"]
    )
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet.cell(sheet.max_row, 4).value == 10
    assert csv.data.startswith(b"\xef\xbb\xbf")
    assert csv.headers["Content-Type"] == "text/csv; charset=utf-8"  # said once
    assert printed.status_code == 200 and "sheet-ledger" in printed.get_data(as_text=True)


def test_a_period_without_ratings_says_so_rather_than_a_table_of_zeros(login_as: Any) -> None:
    leader = login_as("lanhdao")
    for url in ("/bao-cao/?ky=2025-01", "/bao-cao/in?ky=2025-01"):
        page = leader.get(url).get_data(as_text=True)
        assert "Chưa có đánh giá nào trong kỳ này." in page, url
        assert "satisfaction-table" not in page, url


def test_a_bad_period_is_refused_in_vietnamese(login_as: Any) -> None:
    leader = login_as("lanhdao")
    resp = leader.get("/bao-cao/?from=30/11/2026&to=01/11/2026")
    assert resp.status_code == 422
    assert "Ngày kết thúc phải từ ngày bắt đầu trở đi." in resp.get_data(as_text=True)
    assert leader.get("/bao-cao/tai-ve.xlsx?ky=2026-13").status_code == 422
    assert leader.get("/bao-cao/?from=31/02/2026").status_code == 422


def test_only_leaders_and_admins(login_as: Any) -> None:
    for user in ("tiepnhan", "chuyenvien"):
        b = login_as(user)
        assert b.get("/bao-cao/tong-quan").status_code == 403
        assert b.get("/bao-cao/tai-ve.csv").status_code == 403
    assert login_as("admin").get("/bao-cao/").status_code == 200
