"""The ledger (form 07) of a long period: page by page on screen, whole when printed, and
as a spreadsheet, with the same rows in the same order and the book's numbers throughout."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import insert

from counter.domain.errors import ValidationError
from counter.domain.printed.ledger import LedgerData, months_of, page_count, page_links
from counter.domain.printed.parts import Letterhead
from counter.extensions import db
from counter.models import Dossier
from counter.services import report_files
from counter.services.printforms.ledger import PAGE_SIZE
from tests.web.test_printforms import procedure, text_of, user, vn

NOVEMBER = "from=01/11/2030&to=30/11/2030"
BOTH = "from=01/11/2030&to=31/12/2030"


def many_dossiers(
    count: int, first: datetime, overrides: dict[int, dict[str, Any]] | None = None
) -> list[str]:
    """``count`` received dossiers a minute apart from ``first``, numbered 1… in the book."""
    proc = procedure()
    clerk = user("tiepnhan")
    rows = []
    for n in range(count):
        at = first + timedelta(minutes=n)
        rows.append(
            {
                "code": f"000.20.18.H18-{at:%y%m%d}-{20000 + n}",
                "lookup_key": f"K{n:05d}",
                "procedure_id": proc.id,
                "status": "received",
                "applicant_name": f"Người Nộp Số {n + 1}",
                "phone": "0912345678",
                "address": "Bản Co Luống",
                "ledger_book": "2030",
                "ledger_seq": n + 1,
                "received_at": at,
                "due_at": at + timedelta(days=3),
                "original_due_at": at + timedelta(days=3),
                "received_by_id": clerk.id,
                **(overrides or {}).get(n, {}),
            }
        )
    db.session.execute(insert(Dossier.__table__), rows)
    db.session.commit()
    return [r["code"] for r in rows]


def ledger_rows(resp: Any) -> list[tuple[int, str]]:
    """The (STT, code) of every row of the ledger page, in order."""
    body = resp.get_data(as_text=True)
    found = re.findall(r'<td class="n">(\d+)</td>\s*<td class="code">(.*?)</td>', body)
    return [(int(n), re.sub(r"<wbr>", "", code)) for n, code in found]


def test_a_long_period_is_shown_page_by_page_with_the_books_numbers(login_as: Any) -> None:
    november = many_dossiers(PAGE_SIZE + 20, vn(2030, 11, 3, 7, 30))
    b = login_as("tiepnhan")

    first = b.get(f"/in/so-theo-doi?{NOVEMBER}")
    assert first.status_code == 200
    rows = ledger_rows(first)
    assert rows == [(n + 1, code) for n, code in enumerate(november[:PAGE_SIZE])]
    text = text_of(first)
    assert f"Hồ sơ thứ 1 đến {PAGE_SIZE} trong tổng số {PAGE_SIZE + 20} hồ sơ của kỳ." in text
    assert f"Tổng số: {PAGE_SIZE + 20} hồ sơ." in text
    assert f"Trang 1/2 — {PAGE_SIZE + 20} hồ sơ" in text
    assert "/in/so-theo-doi?page=2&amp;from=01/11/2030" in first.get_data(as_text=True)

    second = b.get(f"/in/so-theo-doi?{NOVEMBER}&page=2")
    assert ledger_rows(second) == [
        (PAGE_SIZE + n + 1, code) for n, code in enumerate(november[PAGE_SIZE:])
    ]
    assert f"Hồ sơ thứ {PAGE_SIZE + 1} đến {PAGE_SIZE + 20} trong tổng số" in text_of(second)
    # A page past the end shows the last; a page that is not a number, the first.
    assert ledger_rows(b.get(f"/in/so-theo-doi?{NOVEMBER}&page=99")) == ledger_rows(second)
    assert ledger_rows(b.get(f"/in/so-theo-doi?{NOVEMBER}&page=hai")) == rows


def test_the_whole_period_on_one_page_to_print_it_at_once(login_as: Any) -> None:
    november = many_dossiers(PAGE_SIZE + 20, vn(2030, 11, 3, 7, 30))
    b = login_as("tiepnhan")
    page = b.get(f"/in/so-theo-doi?{NOVEMBER}").get_data(as_text=True)
    assert "/in/so-theo-doi?page=all&amp;from=01/11/2030&amp;to=30/11/2030" in page

    whole = b.get(f"/in/so-theo-doi?page=all&{NOVEMBER}")
    assert whole.status_code == 200 and whole.mimetype == "text/html"
    assert ledger_rows(whole) == [(n + 1, code) for n, code in enumerate(november)]
    text = text_of(whole)
    assert f"Tổng số: {PAGE_SIZE + 20} hồ sơ." in text and "Hồ sơ thứ" not in text
    assert "Trang sau" not in text and "Trang 0/" not in text  # no pages: it is all here
    assert "SỔ THEO DÕI HỒ SƠ" in text and text.count("SỔ THEO DÕI HỒ SƠ") == 1


def test_a_dossier_without_a_book_number_takes_its_place_in_the_period(login_as: Any) -> None:
    """Dossiers entered before numbering: their place, counted across the pages."""
    last = PAGE_SIZE + 4
    codes = many_dossiers(last + 1, vn(2030, 11, 3, 7, 30), {last: {"ledger_seq": None}})
    rows = ledger_rows(login_as("tiepnhan").get(f"/in/so-theo-doi?{NOVEMBER}&page=2"))
    assert rows[-1] == (last + 1, codes[-1])


def test_each_month_of_a_long_period_is_a_link(login_as: Any) -> None:
    many_dossiers(3, vn(2030, 11, 29, 9, 0))
    many_dossiers(2, vn(2030, 12, 2, 9, 0), {0: {"code": "X-1"}, 1: {"code": "X-2"}})
    b = login_as("lanhdao")
    page = b.get(f"/in/so-theo-doi?{BOTH}&status=received").get_data(as_text=True)
    december = "/in/so-theo-doi?from=01/12/2030&amp;to=31/12/2030&amp;field=&amp;status=received"
    assert "/in/so-theo-doi?from=01/11/2030&amp;to=30/11/2030" in page and december in page
    assert [code for _, code in ledger_rows(b.get(december.replace("&amp;", "&")))] == [
        "X-1",
        "X-2",
    ]


def test_the_spreadsheet_of_a_long_period_has_every_row_in_order(login_as: Any) -> None:
    tricky = {
        7: {"applicant_name": "Công ty <Hoa & Lúa>"},
        8: {"applicant_name": "  Lò\x07 Văn Chuông  "},  # a bell typed in, spaces around
    }
    codes = many_dossiers(PAGE_SIZE + 20, vn(2030, 11, 3, 7, 30), tricky)
    resp = login_as("lanhdao").get(f"/in/so-theo-doi/tai-ve.xlsx?{NOVEMBER}")
    assert resp.status_code == 200
    sheet = load_workbook(io.BytesIO(resp.data)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    body = [r for r in rows[6:] if r[1]]
    assert [(r[0], r[1]) for r in body] == [(n + 1, c) for n, c in enumerate(codes)]
    assert body[7][3] == "Công ty <Hoa & Lúa>"
    assert body[8][3] == "  Lò Văn Chuông  "
    assert body[0][6] == datetime(2030, 11, 3, 7, 30)
    assert f"Tổng số: {PAGE_SIZE + 20} hồ sơ." in [r[0] for r in rows]
    cell = sheet.cell(7, 2)
    assert cell.border.left.style == "thin" and cell.alignment.wrap_text
    assert sheet.cell(7, 7).number_format == "dd/mm/yyyy hh:mm"
    assert sheet.page_setup.orientation == "landscape"


def test_a_period_longer_than_a_spreadsheet_holds_is_refused_in_vietnamese() -> None:
    data = LedgerData(
        head=Letterhead("UBND XÃ MƯỜNG PHĂNG", "Bộ phận Một cửa"),
        start=date(2020, 1, 1),
        end=date(2030, 12, 31),
        field_name="",
        status_label="",
        rows=[],
        printed="",
        total=report_files.LEDGER_XLSX_MAX_ROWS + 1,
    )
    with pytest.raises(ValidationError) as err:
        report_files.check_ledger_rows(data)
    assert err.value.translated() == (
        "Kỳ này có 1.048.568 hồ sơ, nhiều hơn một tệp Excel chứa được (1.048.567 dòng); "
        "hãy chọn một kỳ ngắn hơn."
    )


def test_pages_and_months_of_a_period() -> None:
    assert page_count(0, 500) == 1 and page_count(500, 500) == 1 and page_count(501, 500) == 2
    assert page_links(1, 1) == [1]
    assert page_links(1, 200) == [1, 2, 3, None, 200]
    assert page_links(100, 200) == [1, None, 98, 99, 100, 101, 102, None, 200]
    assert page_links(4, 6) == [1, 2, 3, 4, 5, 6]
    assert months_of(date(2025, 12, 3), date(2026, 2, 10)) == [
        (date(2025, 12, 3), date(2025, 12, 31)),
        (date(2026, 1, 1), date(2026, 1, 31)),
        (date(2026, 2, 1), date(2026, 2, 10)),
    ]
    assert months_of(date(2028, 2, 1), date(2028, 2, 29)) == [(date(2028, 2, 1), date(2028, 2, 29))]
