"""A ward's ledger (form 07) in Chromium: page by page, six-digit numbers on one line in
their column, and a later page printed on A4 landscape with every text in its cell."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import insert, select

from counter.extensions import db
from counter.models import Dossier, Procedure, User
from counter.services.printforms.ledger import PAGE_SIZE
from tests.e2e.conftest import LiveServer, log_in, serve_demo
from tests.e2e.test_ledger_pdf import A4_LANDSCAPE, OVERFLOWING_CELLS_JS, overflowing, text_of

pytestmark = pytest.mark.e2e

FIRST_NUMBER = 100_000 - PAGE_SIZE + 1  # a ward's book passes 100000 on the second page
COUNT = PAGE_SIZE + 10


@pytest.fixture(scope="module")
def ward(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The demo with a page and ten dossiers received in June 2030, numbered up to 100010."""
    with serve_demo(tmp_path_factory.mktemp("ward")) as server, server.app.app_context():
        proc = db.session.scalars(select(Procedure).where(Procedure.active.is_(True))).first()
        clerk = db.session.scalar(select(User).where(User.username == "tiepnhan"))
        first = datetime(2030, 6, 3, 0, 30, tzinfo=UTC)
        rows = []
        for n in range(COUNT):
            at = first + timedelta(minutes=20 * n)
            rows.append(
                {
                    "code": f"000.20.18.H18-{at:%y%m%d}-{30000 + n}",
                    "lookup_key": f"W{n:05d}",
                    "procedure_id": proc.id,
                    "status": "received",
                    "applicant_name": "Nguyễn Thị Phường",
                    "phone": "0912345678",
                    "address": "Tổ dân phố 5, phường Him Lam",
                    "ledger_book": "2030",
                    "ledger_seq": FIRST_NUMBER + n,
                    "received_at": at,
                    "due_at": at + timedelta(days=3),
                    "original_due_at": at + timedelta(days=3),
                    "received_by_id": clerk.id,
                }
            )
        db.session.execute(insert(Dossier.__table__), rows)
        db.session.commit()
        db.session.remove()
        yield server


def test_a_wards_ledger_page_by_page_and_a_page_printed(
    ward: LiveServer, page: Any, tmp_path: Path
) -> None:
    log_in(page, ward, "lanhdao", "lanhdao123")
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(ward("/in/so-theo-doi?from=01/06/2030&to=30/06/2030"))
    numbers = page.locator("table.ledger-table td.n").all_inner_texts()
    assert numbers == [str(FIRST_NUMBER + n) for n in range(PAGE_SIZE)]
    assert page.evaluate(OVERFLOWING_CELLS_JS) == []  # 100000 fits its column on screen

    page.locator("nav.ledger-pager").first.get_by_role("link", name="Trang sau »").click()
    page.wait_for_load_state()
    numbers = page.locator("table.ledger-table td.n").all_inner_texts()
    assert numbers == [str(FIRST_NUMBER + n) for n in range(PAGE_SIZE, COUNT)]
    part = f"Hồ sơ thứ {PAGE_SIZE + 1} đến {COUNT} trong tổng số {COUNT} hồ sơ của kỳ."
    assert part in page.inner_text("body")

    reader = PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True, print_background=True)))
    sizes = {
        (round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages
    }
    assert sizes == {A4_LANDSCAPE}
    problems = [f"page {i}: {p}" for i, pg in enumerate(reader.pages, 1) for p in overflowing(pg)]
    assert problems == []
    printed = " ".join(text_of(p) for p in reader.pages)
    assert all(f" {FIRST_NUMBER + n} " in printed for n in range(PAGE_SIZE, COUNT)), printed[:400]
    assert f"Tổng số: {COUNT} hồ sơ." in printed
