"""Print jobs: from a printout's data to a picture (for previews) or ESC/POS bytes.

The bytes are built before anything is sent, so a job can be retried or sent to
another printer without rebuilding it.
"""

from __future__ import annotations

from collections.abc import Sequence

from PIL import Image

from counter.domain.printed.blocks import (
    Align,
    Block,
    QRBlock,
    SeparatorBlock,
    Size,
    SpacerBlock,
    TextBlock,
)
from counter.domain.printed.form01 import SlipData, slip_blocks
from counter.domain.printed.form02_03 import SupplementData, supplement_blocks
from counter.domain.printed.ticket import TicketData, ticket_blocks
from counter.printing.escpos import PrinterProfile, image_job, text_job
from counter.printing.raster import render_blocks, ruler_image, stack

#: Every Vietnamese vowel without a tone, then with huyền, sắc, hỏi, ngã, nặng.
VIETNAMESE_VOWELS = (
    "aàáảãạ",
    "ăằắẳẵặ",
    "âầấẩẫậ",
    "eèéẻẽẹ",
    "êềếểễệ",
    "iìíỉĩị",
    "oòóỏõọ",
    "ôồốổỗộ",
    "ơờớởỡợ",
    "uùúủũụ",
    "ưừứửữự",
    "yỳýỷỹỵ",
)


def _encode(blocks: Sequence[Block], width: int, cut: bool, text_mode: bool) -> bytes:
    profile = PrinterProfile(width=width, cut=cut, text_mode=text_mode)
    if text_mode:
        return text_job(blocks, profile)
    return image_job(render_blocks(blocks, width), profile)


def render_slip(slip: SlipData, width: int) -> Image.Image:
    """The receipt-and-appointment slip (form 01) as printed, for a preview or a test."""
    return render_blocks(slip_blocks(slip), width)


def render_ticket(ticket: TicketData, width: int) -> Image.Image:
    """The queue ticket as printed."""
    return render_blocks(ticket_blocks(ticket), width)


def render_supplement(data: SupplementData, width: int) -> Image.Image:
    """The supplement request (form 02) as printed."""
    return render_blocks(supplement_blocks(data), width)


def slip_bytes(slip: SlipData, width: int, *, cut: bool = True, text_mode: bool = False) -> bytes:
    """ESC/POS job for the receipt-and-appointment slip (form 01)."""
    return _encode(slip_blocks(slip), width, cut, text_mode)


def ticket_bytes(
    ticket: TicketData, width: int, *, cut: bool = True, text_mode: bool = False
) -> bytes:
    """ESC/POS job for a queue ticket."""
    return _encode(ticket_blocks(ticket), width, cut, text_mode)


def supplement_bytes(
    data: SupplementData, width: int, *, cut: bool = True, text_mode: bool = False
) -> bytes:
    """ESC/POS job for the supplement request (form 02)."""
    return _encode(supplement_blocks(data), width, cut, text_mode)


def test_page_blocks(width: int, office_name: str) -> list[Block]:
    """What an admin checks on a new printer: every toned vowel, type sizes, a QR."""
    mm = 58 if width < 512 else 80
    blocks: list[Block] = [
        TextBlock("IN THỬ MÁY IN", Align.CENTER, Size.LARGE, bold=True),
        TextBlock(office_name, Align.CENTER),
        TextBlock(f"Khổ giấy {mm} mm, {width} điểm", Align.CENTER),
        SeparatorBlock(),
        TextBlock("Nguyên âm và dấu thanh:", bold=True),
    ]
    blocks += [TextBlock(f"{' '.join(v)}   {' '.join(v.upper())}") for v in VIETNAMESE_VOWELS]
    blocks += [
        TextBlock("đ Đ  –  Quý Khách Hưởng Ưu Đãi Đặc Biệt"),
        SeparatorBlock(dashed=True),
        TextBlock("Chữ thường, chữ đậm:"),
        TextBlock("Tiếng Việt có dấu", bold=True),
        TextBlock("Chữ lớn", size=Size.LARGE, bold=True),
        TextBlock("A012", Align.CENTER, Size.XLARGE, bold=True),
        SeparatorBlock(dashed=True),
        QRBlock(f"IN THỬ {office_name} {width}"),
        TextBlock("Mã QR phải quét được bằng điện thoại", Align.CENTER),
        SpacerBlock(0.5),
        TextBlock("Thước: mỗi vạch 1 mm; hai mép phải in đủ", Align.CENTER),
    ]
    return blocks


def render_test_page(width: int, office_name: str) -> Image.Image:
    """The test page as printed: the blocks, then a ruler across the full head width."""
    return stack([render_blocks(test_page_blocks(width, office_name), width), ruler_image(width)])


def test_page_bytes(width: int, office_name: str, *, cut: bool = True) -> bytes:
    """ESC/POS job for the admin's test print (always raster: that is what it tests)."""
    return image_job(render_test_page(width, office_name), PrinterProfile(width=width, cut=cut))


# Names start with "test_": keep pytest from collecting them where a test module imports them.
test_page_blocks.__test__ = False  # type: ignore[attr-defined]
test_page_bytes.__test__ = False  # type: ignore[attr-defined]
