"""The printout layout model (counter.domain.slip): wording, order, emphasis, Vietnam time."""

from __future__ import annotations

import ast
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from counter.domain.printed import blocks as slip_module
from counter.domain.printed.blocks import (
    NBSP,
    Align,
    KeyValueBlock,
    QRBlock,
    SeparatorBlock,
    Size,
    TextBlock,
)
from counter.domain.printed.form01 import SlipData, slip_blocks
from counter.domain.printed.form02_03 import SupplementData, supplement_blocks
from counter.domain.printed.parts import ReceivedDocument
from counter.domain.printed.ticket import TicketData, format_vn_datetime, ticket_blocks
from counter.domain.printed.wording import format_vn_date_line


def make_slip(**changes) -> SlipData:
    fields = dict(
        centre_name="Trung tâm Phục vụ hành chính công xã Mường Phăng",
        governing_body="UBND xã Mường Phăng",
        dossier_code="000.20.18.H18-261127-0001",
        applicant_name="Nguyễn Thị Hường",
        procedure_name="Đăng ký khai sinh",
        documents=[
            ReceivedDocument("Tờ khai đăng ký khai sinh", "bản chính", 1),
            ("Giấy chứng sinh", "bản chính", 1),
        ],
        sets=1,
        received_at=datetime(2026, 11, 27, 10, 5),
        due_at=datetime(2026, 11, 27, 15, 0),
        lookup_url="https://dichvucong.dienbien.gov.vn/tra-cuu?ma=000.20.18.H18-261127-0001",
        officer_name="Lò Văn Đức",
        office_phone="0215 3825 999",
    )
    fields.update(changes)
    return SlipData(**fields)


def plain(text: str) -> str:
    return text.replace(NBSP, " ")


def texts(blocks) -> list[str]:
    out = []
    for b in blocks:
        if isinstance(b, TextBlock):
            out.append(plain(b.text))
        elif isinstance(b, KeyValueBlock):
            out.append(f"{b.key}: {plain(b.value)}")
    return out


def test_vietnamese_date_wording():
    assert format_vn_datetime(datetime(2026, 11, 27, 10, 5)) == "10 giờ 05 phút, ngày 27/11/2026"
    assert format_vn_date_line(datetime(2026, 1, 2, 8, 0)) == "ngày 02 tháng 01 năm 2026"


def test_aware_times_are_shown_in_vietnam_time():
    utc = datetime(2026, 11, 27, 3, 5, tzinfo=UTC)
    assert format_vn_datetime(utc) == "10 giờ 05 phút, ngày 27/11/2026"
    late_evening_utc = datetime(2026, 12, 31, 17, 30, tzinfo=UTC)
    assert format_vn_datetime(late_evening_utc) == "00 giờ 30 phút, ngày 01/01/2027"
    other_zone = datetime(2026, 11, 27, 12, 5, tzinfo=timezone(timedelta(hours=9)))
    assert format_vn_datetime(other_zone) == "10 giờ 05 phút, ngày 27/11/2026"


def test_slip_has_the_form_01_content_in_order():
    lines = texts(slip_blocks(make_slip(note="Nhận tại quầy 2")))
    expected_in_order = [
        "UBND XÃ MƯỜNG PHĂNG",
        "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG XÃ MƯỜNG PHĂNG",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "GIẤY TIẾP NHẬN HỒ SƠ\nVÀ HẸN TRẢ KẾT QUẢ",
        "Mã hồ sơ: 000.20.18.H18-261127-0001",
        "Tiếp nhận hồ sơ của Ông (Bà)/Tổ chức: Nguyễn Thị Hường",
        "Nội dung yêu cầu giải quyết: Đăng ký khai sinh",
        "1. Tờ khai đăng ký khai sinh (bản chính): 1",
        "2. Giấy chứng sinh (bản chính): 1",
        "Số lượng hồ sơ: 01 (bộ)",
        "10 giờ 05 phút, ngày 27 tháng 11 năm 2026",
        "15 giờ 00 phút, ngày 27 tháng 11 năm 2026",
        "NGƯỜI TIẾP NHẬN HỒ SƠ",
        "Lò Văn Đức",
        "Điện thoại: 0215 3825 999",
        "Ghi chú: Nhận tại quầy 2",
    ]
    positions = [lines.index(line) for line in expected_in_order]
    assert positions == sorted(positions)


def test_slip_says_where_the_result_is_collected_in_the_2025_terms():
    at_counter = texts(slip_blocks(make_slip()))
    assert (
        "Đăng ký nhận kết quả tại: Trung tâm Phục vụ hành chính công xã Mường Phăng" in at_counter
    )
    assert at_counter.index("15 giờ 00 phút, ngày 27 tháng 11 năm 2026") < at_counter.index(
        "Đăng ký nhận kết quả tại: Trung tâm Phục vụ hành chính công xã Mường Phăng"
    )
    by_post = texts(slip_blocks(make_slip(delivery="post")))
    assert "Đăng ký nhận kết quả: Qua dịch vụ bưu chính công ích" in by_post
    unnamed = texts(slip_blocks(make_slip(centre_name="")))
    assert "Đăng ký nhận kết quả tại: Bộ phận Một cửa" in unnamed
    for lines in (at_counter, by_post, unnamed):
        assert not any("tại: Tại" in line or "tiếp nhận và trả kết quả" in line for line in lines)


def test_due_date_stands_out_and_wraps_only_after_the_comma():
    blocks = slip_blocks(make_slip())
    due = next(b for b in blocks if isinstance(b, TextBlock) and "15 giờ" in plain(b.text))
    assert due.size is Size.LARGE and due.bold and due.align is Align.CENTER
    assert due.text.count(" ") == 1 and due.text.index(" ") == due.text.index(",") + 1


def test_slip_qr_holds_the_lookup_url_and_note_is_optional():
    slip = make_slip()
    blocks = slip_blocks(slip)
    assert [b.data for b in blocks if isinstance(b, QRBlock)] == [slip.lookup_url]
    assert not any(line.startswith("Ghi chú") for line in texts(blocks))


def test_slip_gives_the_look_up_key_in_words_under_the_qr():
    """A citizen without a phone camera types the code and this key on the look-up page."""
    blocks = slip_blocks(make_slip(lookup_key="K7XQ2M"))
    keys = [b for b in blocks if isinstance(b, KeyValueBlock) and b.key == "Mã tra cứu"]
    assert [(k.value, k.bold_value) for k in keys] == [("K7XQ2M", True)]
    qr = next(i for i, b in enumerate(blocks) if isinstance(b, QRBlock))
    assert blocks.index(keys[0]) > qr
    assert not any(
        isinstance(b, KeyValueBlock) and b.key == "Mã tra cứu" for b in slip_blocks(make_slip())
    )


def test_ticket_number_is_the_biggest_thing():
    ticket = TicketData(
        office_name="Trung tâm PVHCC xã Mường Phăng",
        service_name="Hộ tịch",
        number="A012",
        issued_at=datetime(2026, 11, 27, 10, 5),
        waiting_ahead=4,
    )
    blocks = ticket_blocks(ticket)
    number = next(b for b in blocks if isinstance(b, TextBlock) and b.text == "A012")
    assert number.size is Size.XLARGE and number.bold
    assert [b for b in blocks if isinstance(b, TextBlock) and b.size is Size.XLARGE] == [number]
    assert "Số người đang chờ trước bạn: 4" in texts(blocks)
    assert "Lấy số lúc 10 giờ 05 phút, ngày 27/11/2026" in texts(blocks)
    assert not any(isinstance(b, QRBlock) for b in blocks)
    with_qr = ticket_blocks(replace(ticket, lookup_url="https://x.vn/q"))
    assert [b.data for b in with_qr if isinstance(b, QRBlock)] == ["https://x.vn/q"]


@pytest.mark.parametrize("code", ["000.20.18.H18-261127-0002", None])
def test_supplement_lists_what_is_missing(code):
    data = SupplementData(
        centre_name="Trung tâm PVHCC xã Mường Phăng",
        governing_body="UBND xã Mường Phăng",
        applicant_name="Trần Văn Bảy",
        procedure_name="Chứng thực hợp đồng, giao dịch",
        items=["Bản sao sổ đỏ", "Chữ ký trang 2"],
        reason="Thiếu thành phần hồ sơ",
        officer_name="Lò Văn Đức",
        contact="quầy số 2",
        issued_at=datetime(2026, 11, 27, 10, 5),
        dossier_code=code,
    )
    lines = texts(supplement_blocks(data))
    assert "PHIẾU YÊU CẦU BỔ SUNG,\nHOÀN THIỆN HỒ SƠ" in lines
    assert "ngày 27 tháng 11 năm 2026" in lines
    assert lines.index("1. Bản sao sổ đỏ") + 1 == lines.index("2. Chữ ký trang 2")
    assert "Lý do: Thiếu thành phần hồ sơ" in lines
    assert any("quầy số 2" in line for line in lines)
    assert ("Mã hồ sơ: 000.20.18.H18-261127-0002" in lines) is (code is not None)
    assert lines[-2:] == ["NGƯỜI HƯỚNG DẪN", "Lò Văn Đức"]


def test_forms_open_with_the_national_header():
    supplement = SupplementData(
        "Trung tâm", "UBND xã", "A", "B", ["C"], "D", "E", "F", datetime(2026, 1, 2)
    )
    for blocks in (slip_blocks(make_slip()), supplement_blocks(supplement)):
        assert isinstance(blocks[5], SeparatorBlock)
        assert texts(blocks)[2:4] == [
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Độc lập - Tự do - Hạnh phúc",
        ]


def test_layout_model_is_pure():
    """Domain code imports neither Flask, SQLAlchemy nor Pillow (design.md, layers)."""
    tree = ast.parse(Path(slip_module.__file__).read_text(encoding="utf-8"))
    imported = {
        (node.module or "").split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
    } | {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}
