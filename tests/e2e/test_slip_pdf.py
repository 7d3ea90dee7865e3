"""A counter officer receives a dossier and prints its slip (form 01) from Chromium to PDF."""

from __future__ import annotations

import io
import re
import unicodedata
from typing import Any

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from tests.e2e.conftest import LiveServer, log_in

pytestmark = pytest.mark.e2e

APPLICANT = "Lò Thị Hương Giang"
A4 = (595, 842)
A5 = (420, 595)
ROLL_80MM_WIDTH = 227  # 80 mm in points


NAME_BOXES_JS = "els => els.map(e => e.getBoundingClientRect().toJSON())"


def pdf_of(page: Any) -> PdfReader:
    return PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True, print_background=True)))


def sizes(reader: PdfReader) -> list[tuple[int, int]]:
    return [(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages]


def text_of(reader: PdfReader) -> str:
    """The PDF's text, composed (NFC) and with runs of white space folded."""
    text = " ".join(p.extract_text() or "" for p in reader.pages)
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text))


def receive_at_the_counter(page: Any, server: LiveServer) -> tuple[int, str]:
    """Receive a birth registration on the reception screen; it opens the slip page."""
    page.goto(server("/tiep-nhan/"))
    page.select_option("#procedure_id", label="1.001193 — Đăng ký khai sinh")
    page.wait_for_function(
        "() => document.getElementById('rx-due').textContent.indexOf('Hẹn trả') === 0"
    )
    page.fill("#applicant_name", APPLICANT)
    page.fill("#id_number", "011190004321")
    page.fill("#address", "Bản Phăng, xã Mường Phăng, tỉnh Điện Biên")
    page.fill("#phone", "0912000111")
    with page.expect_navigation():
        page.click("#rx-submit")
    match = re.search(r"/in/ho-so/(\d+)/mau-01", page.url)
    assert match, page.url
    code = page.inner_text(".dossier-code >> nth=0")
    return int(match.group(1)), code


def test_slip_prints_to_pdf_with_its_vietnamese_text_and_qr(
    live_server: LiveServer, page: Any
) -> None:
    log_in(page, live_server, "tiepnhan", "tiepnhan123")
    dossier_id, code = receive_at_the_counter(page, live_server)
    assert re.fullmatch(r"000\.20\.18\.H18-\d{6}-\d{4}", code)

    assert page.locator("h1.form-title").first.inner_text() == (
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"
    )
    # The QR code as the browser draws it reads back as the look-up address of this dossier.
    shot = page.locator(".qr-code svg").first.screenshot()
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(shot)))
    assert len(found) == 1 and code in found[0].text
    assert found[0].text.startswith("http")

    # The slip as it stands (reception may have opened it with the print dialog already up).
    page.goto(live_server(f"/in/ho-so/{dossier_id}/mau-01"))
    reader = pdf_of(page)
    assert sizes(reader) == [A4, A4]  # liên 1 and liên 2, one page each
    text = text_of(reader)
    for expected in (
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        f"Mã hồ sơ: {code}",
        APPLICANT,
        "Nội dung yêu cầu giải quyết: Đăng ký khai sinh",
        "Thời gian giải quyết hồ sơ theo quy định: Trong ngày",
        "Thời gian trả kết quả giải quyết hồ sơ:",
        "NGƯỜI TIẾP NHẬN HỒ SƠ",
        "Lò Thị Hoa",
        "Liên 1: lưu",
        "Liên 2: giao người nộp",
    ):
        assert expected in text, expected
    assert "Khổ giấy" not in text  # the toolbar stays on screen

    page.goto(live_server(f"/in/ho-so/{dossier_id}/mau-01?size=a5"))
    assert sizes(pdf_of(page)) == [A5, A5]
    page.goto(live_server(f"/in/ho-so/{dossier_id}/mau-01?size=80mm"))
    # On the narrow roll "NGƯỜI TIẾP NHẬN HỒ SƠ" takes two lines: the names still align.
    tops = [round(box["y"]) for box in page.locator(".sign-name").evaluate_all(NAME_BOXES_JS)]
    assert len(tops) == 2 and tops[0] == tops[1], tops
    roll = pdf_of(page)
    assert [w for w, _ in sizes(roll)] == [ROLL_80MM_WIDTH]
    assert code in text_of(roll) and APPLICANT in text_of(roll)
