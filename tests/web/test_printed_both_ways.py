"""Forms 01 and 02 say the same on the sheet and on the thermal roll, word for word.

The sheet is the page the browser prints; the roll is the layout the thermal printer
draws, from the same model. Every line the roll prints is on the sheet (but the few
the roll alone carries), and every label and value both print reads the same.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask

from counter.domain.printed.blocks import NBSP, Block, KeyValueBlock, TextBlock
from counter.domain.printed.form01 import slip_blocks
from counter.domain.printed.form02_03 import supplement_blocks
from counter.services import printing
from counter.services.printforms import form02_03
from tests.web.test_printforms import _notice, lookup_url_for, make_dossier, text_of

#: What the roll alone prints: the office's phone and a reminder to the citizen.
ROLL_ONLY = {"Điện thoại: 0215 3826 888", "Xin mang theo giấy này khi nhận kết quả."}
#: A numbered line of the roll; the sheet numbers the same things in a table or a list.
NUMBERED = re.compile(r"^\d+\. ")


def roll_lines(blocks: list[Block]) -> list[str]:
    """The roll's text as printed, one entry per block, spaces as a reader sees them."""
    lines = []
    for block in blocks:
        if isinstance(block, TextBlock):
            lines.append(block.text)
        elif isinstance(block, KeyValueBlock):
            lines.append(f"{block.key}: {block.value}")
    return [" ".join(line.replace(NBSP, " ").split()) for line in lines]


def assert_the_roll_is_on_the_sheet(roll: list[str], sheet: str) -> None:
    # The letterhead is upper-case on both: the roll writes it so, the sheet's CSS shows it so.
    for line in roll:
        if line not in ROLL_ONLY and not NUMBERED.match(line):
            assert line.casefold() in sheet.casefold(), line


def test_form01_says_the_same_on_the_sheet_and_the_roll(app: Flask, login_as: Any) -> None:
    dossier = make_dossier(
        filer_name="Quàng Thị Mai",
        filer_id_number="011190005678",
        filer_address="Bản Phăng, xã Mường Phăng",
        filer_phone="0987654321",
        notes="Nhận kết quả tại quầy số 2",
    )
    sheet = text_of(login_as("tiepnhan").get(f"/in/ho-so/{dossier.id}/mau-01"))
    url = lookup_url_for(app, dossier.code, dossier.lookup_key)
    roll = roll_lines(slip_blocks(printing.slip_data(dossier, url)))
    assert_the_roll_is_on_the_sheet(roll, sheet)
    on_roll = " ".join(roll)
    seq = dossier.ledger_seq
    for shared in (
        f"Số: {seq}/TTPVHCC",
        "Mường Phăng, ngày 27 tháng 11 năm 2026",
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        f"Mã hồ sơ: {dossier.code}",
        "Tiếp nhận hồ sơ của Ông (Bà)/Tổ chức: Lò Văn Phượng",
        "Số định danh cá nhân/tổ chức: 011090001234",
        "Địa chỉ: Bản Co Luống, xã Mường Phăng, tỉnh Điện Biên",
        "Số điện thoại: 0912345678",
        "Email: phuong.lv@example.vn",
        "Trường hợp nộp hồ sơ theo ủy quyền:",
        "Người được ủy quyền nộp hồ sơ: Quàng Thị Mai",
        "Số định danh cá nhân: 011190005678",
        "Nội dung yêu cầu giải quyết: Xác nhận tình trạng hôn nhân",
        "Thành phần hồ sơ nộp gồm:",
        "Số lượng hồ sơ: 01 (bộ)",
        "Thời gian giải quyết hồ sơ theo quy định: 03 ngày làm việc",
        "Thời gian nhận hồ sơ: 10 giờ 05 phút, ngày 27 tháng 11 năm 2026",
        "Thời gian trả kết quả giải quyết hồ sơ: 10 giờ 05 phút, ngày 02 tháng 12 năm 2026",
        "Đăng ký nhận kết quả tại: Trung tâm Phục vụ hành chính công xã Mường Phăng",
        f"Vào Sổ theo dõi hồ sơ, Quyển số: 2026, Số thứ tự: {seq}",
        "Ghi chú: Nhận kết quả tại quầy số 2",
        "Quét mã để tra cứu tình trạng hồ sơ",
        f"Mã tra cứu: {dossier.lookup_key}",
        "NGƯỜI NỘP HỒ SƠ",
        "Quàng Thị Mai",
        "NGƯỜI TIẾP NHẬN HỒ SƠ",
        "Lò Thị Hoa",
    ):
        assert shared in on_roll, shared
        assert shared in sheet, shared
    # The documents: a table on the sheet, numbered lines on the roll; the same words.
    for n, name, kind, count in (
        (1, "Tờ khai cấp Giấy xác nhận tình trạng hôn nhân", "Bản chính", 1),
        (2, "Bản sao Giấy chứng nhận kết hôn", "Bản sao", 2),
    ):
        assert f"{n}. {name} ({kind}): {count}" in roll
        assert f"{n} {name} {kind} {count}" in sheet


def test_form02_at_the_counter_says_the_same_on_the_sheet_and_the_roll(
    login_as: Any,
) -> None:
    notice = _notice(
        "incomplete",
        items=["Giấy xác nhận cư trú", "Bản sao CCCD còn hạn"],
        reason="Thiếu giấy tờ",
    )
    sheet = text_of(login_as("tiepnhan").get(f"/in/phieu/{notice.id}"))
    roll = roll_lines(supplement_blocks(form02_03.counter_notice(notice.id)))  # as print_notice
    assert_the_roll_is_on_the_sheet(roll, sheet)
    on_roll = " ".join(roll)
    for shared in (
        "Số: 02-261127-0004/TTPVHCC",
        "Mường Phăng, ngày 27 tháng 11 năm 2026",
        "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
        "Hồ sơ của: Cà Thị Én",
        "Nội dung yêu cầu giải quyết: Xác nhận tình trạng hôn nhân",
        "Địa chỉ: Bản Khá, xã Mường Phăng",
        "Số điện thoại: 0977000111",
        "Email: en.ct@example.vn",
        "Yêu cầu hoàn thiện hồ sơ gồm những nội dung sau:",
        "Lý do: Thiếu giấy tờ",
        "Trong quá trình hoàn thiện hồ sơ, nếu có vướng mắc, Ông (Bà)/Tổ chức liên hệ "
        "Lò Thị Hoa, Trung tâm Phục vụ hành chính công xã Mường Phăng, điện thoại 0215 3826 888 "
        "để được hướng dẫn.",
        "NGƯỜI HƯỚNG DẪN",
        "Lò Thị Hoa",
    ):
        assert shared in on_roll, shared
        assert shared in sheet, shared
    assert [line for line in roll if NUMBERED.match(line)] == [
        "1. Giấy xác nhận cư trú",
        "2. Bản sao CCCD còn hạn",
    ]
    assert "Giấy xác nhận cư trú Bản sao CCCD còn hạn" in sheet
