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


def pdf_of(page: Any) -> PdfReader:
    return PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True, print_background=True)))


def sizes(reader: PdfReader) -> list[tuple[int, int]]:
    return [(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages]


def text_of(reader: PdfReader) -> str:
    """The PDF's text, composed (NFC) and with runs of white space folded."""
    text = " ".join(p.extract_text() or "" for p in reader.pages)
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text))


def receive_via_service(server: LiveServer) -> tuple[int, str]:
    """Receive a dossier with the reception service in the live server's database."""
    from counter.extensions import db
    from counter.models import Procedure, User
    from counter.services import Actor
    from counter.services.reception import DocumentLine, ReceptionInput, receive

    with server.app.app_context():
        clerk = db.session.scalar(db.select(User).where(User.username == "tiepnhan"))
        procedure = db.session.scalar(
            db.select(Procedure).where(Procedure.active.is_(True)).order_by(Procedure.id)
        )
        dossier = receive(
            Actor(clerk.id, clerk.username, clerk.role, "127.0.0.1"),
            ReceptionInput(
                procedure_id=procedure.id,
                applicant_name=APPLICANT,
                id_number="011190004321",
                phone="0912000111",
                address="Bản Phăng, xã Mường Phăng, tỉnh Điện Biên",
                documents=[DocumentLine(d.name, d.kind, d.count) for d in procedure.documents]
                or [DocumentLine("Tờ khai theo mẫu")],
            ),
        )
        result = (dossier.id, dossier.code)
        db.session.remove()
    return result


def test_slip_prints_to_pdf_with_its_vietnamese_text_and_qr(
    live_server: LiveServer, page: Any
) -> None:
    log_in(page, live_server, "tiepnhan", "tiepnhan123")
    dossier_id, code = receive_via_service(live_server)

    page.goto(live_server(f"/in/ho-so/{dossier_id}/mau-01"))
    assert page.locator("h1.form-title").first.inner_text() == (
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"
    )
    # The QR code as the browser draws it reads back as the look-up address of this dossier.
    shot = page.locator(".qr-code svg").first.screenshot()
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(shot)))
    assert len(found) == 1 and code in found[0].text
    assert found[0].text.startswith("http")

    reader = pdf_of(page)
    assert sizes(reader) == [A4, A4]  # liên 1 and liên 2, one page each
    text = text_of(reader)
    for expected in (
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        f"Mã hồ sơ: {code}",
        APPLICANT,
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
    roll = pdf_of(page)
    assert [w for w, _ in sizes(roll)] == [ROLL_80MM_WIDTH]
    assert code in text_of(roll) and APPLICANT in text_of(roll)
