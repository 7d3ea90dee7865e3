"""The picture itself: font coverage, wrapping, QR geometry, 1-bit output."""

from __future__ import annotations

import unicodedata

import pytest
import zxingcpp
from PIL import Image

from counter.domain.printed.blocks import (
    Align,
    QRBlock,
    SeparatorBlock,
    Size,
    SpacerBlock,
    TextBlock,
)
from counter.printing import raster
from counter.printing.raster import MARGIN, WIDTH_58MM, WIDTH_80MM, render_blocks

from .conftest import LETTERS

WIDTHS = [WIDTH_58MM, WIDTH_80MM]
NOT_IN_FONT = "\ue000"  # private use: Noto Sans has no glyph, so the .notdef box is drawn


def glyph(ch: str, bold: bool) -> tuple[tuple[int, int, int, int], bytes]:
    mask = raster.load_font(40, bold).getmask(ch)
    return mask.getbbox(), bytes(mask)


@pytest.mark.parametrize("bold", [False, True])
def test_font_has_a_glyph_for_every_vietnamese_letter(bold):
    notdef = glyph(NOT_IN_FONT, bold)
    assert notdef[0] is not None
    # The check can fail: a script the font lacks renders as the .notdef box.
    assert glyph("ก", bold) == notdef
    missing = [ch for ch in LETTERS if glyph(ch, bold)[0] is None or glyph(ch, bold) == notdef]
    assert missing == []


def test_decomposed_text_prints_like_precomposed():
    text = " ".join(LETTERS)
    nfd = unicodedata.normalize("NFD", text)
    assert nfd != text
    lines = raster.wrap(nfd, raster.load_font(22), 300)
    assert all(unicodedata.is_normalized("NFC", line) for line in lines)
    a = render_blocks([TextBlock(text)], WIDTH_58MM)
    b = render_blocks([TextBlock(nfd)], WIDTH_58MM)
    assert a.tobytes() == b.tobytes()


@pytest.mark.parametrize("size", list(Size))
@pytest.mark.parametrize("bold", [False, True])
def test_stacked_marks_and_descenders_stay_inside_the_line(size, bold):
    image = render_blocks([TextBlock("ẪỸỮ Ậgjpqyỵ", size=size, bold=bold)], WIDTH_58MM)
    grey = image.convert("L")
    ink = Image.eval(grey, lambda v: 255 - v).getbbox()
    assert ink is not None
    left, top, right, bottom = ink
    assert top > 0 and bottom < image.height, "a mark or descender touches the line box"
    assert left >= MARGIN and right <= image.width - MARGIN


@pytest.mark.parametrize("width", WIDTHS)
def test_a_word_wider_than_the_line_is_broken_not_clipped(width):
    word = "Đ" * 80
    image = render_blocks([TextBlock(word, size=Size.LARGE, bold=True)], width)
    one_line = render_blocks([TextBlock("Đ", size=Size.LARGE, bold=True)], width)
    assert image.height >= 3 * one_line.height
    ink = Image.eval(image.convert("L"), lambda v: 255 - v).getbbox()
    assert ink[0] >= MARGIN and ink[2] <= width - MARGIN


def test_wrap_keeps_every_word_in_order_and_within_the_width():
    font = raster.load_font(22)
    text = "Thay đổi, cải chính, bổ sung thông tin hộ tịch cho người từ đủ 14 tuổi trở lên " * 3
    lines = raster.wrap(text, font, 200)
    assert len(lines) > 5
    assert " ".join(lines).split() == text.split()
    assert all(font.getbbox(line, anchor="ls")[2] <= 200 for line in lines)


def test_no_break_space_binds_and_newline_breaks():
    font = raster.load_font(22)
    date = "ngày\u00a027/11/2026"
    avail = font.getbbox(date, anchor="ls")[2] + 5
    assert raster.wrap(f"Hẹn trả: {date}", font, avail) == ["Hẹn trả:", date]
    assert raster.wrap("Hẹn trả: ngày 27/11/2026", font, avail) == ["Hẹn trả: ngày", "27/11/2026"]
    assert raster.wrap("GIẤY TIẾP NHẬN\nVÀ HẸN TRẢ", font, 1000) == ["GIẤY TIẾP NHẬN", "VÀ HẸN TRẢ"]


@pytest.mark.parametrize("width", WIDTHS)
def test_qr_has_integer_scale_quiet_zone_and_is_centred(width):
    data = "https://dichvucong.dienbien.gov.vn/tra-cuu?ma=000.20.18.H18-261127-0001"
    code = raster.qr_image(data, width)
    import segno

    modules = segno.make(data, error="m", micro=False).symbol_size(scale=1, border=4)[0]
    scale, rest = divmod(code.width, modules)
    assert rest == 0 and scale >= 2 and code.height == code.width
    quiet = 4 * scale
    inner = code.crop((quiet, quiet, code.width - quiet, code.height - quiet))
    assert inner.getextrema() == (0, 255)
    frame = code.copy()
    frame.paste(255, (quiet, quiet, code.width - quiet, code.height - quiet))
    assert frame.getextrema() == (255, 255), "the quiet zone must be white"

    image = render_blocks([QRBlock(data)], width)
    ink = Image.eval(image.convert("L"), lambda v: 255 - v).getbbox()
    assert abs(ink[0] - (width - ink[2])) <= 1
    assert [r.text for r in zxingcpp.read_barcodes(image.convert("L"))] == [data]


def test_qr_too_long_for_the_paper_is_refused():
    with pytest.raises(ValueError, match="QR"):
        raster.qr_image("x" * 2000, WIDTH_58MM)


def test_output_is_one_bit_and_crisp():
    blocks = [
        TextBlock("Tiếng Việt", Align.CENTER, Size.XLARGE, bold=True),
        SeparatorBlock(dashed=True),
        SpacerBlock(),
    ]
    image = render_blocks(blocks, WIDTH_80MM)
    assert image.mode == "1" and image.width == WIDTH_80MM
    # Anti-aliased grey is thresholded, not dithered: no isolated black dots.
    grey = image.convert("L")
    px = grey.load()
    lone = [
        (x, y)
        for y in range(1, grey.height - 1)
        for x in range(1, grey.width - 1)
        if px[x, y] == 0
        and all(px[x + dx, y + dy] == 255 for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1)))
    ]
    assert lone == []


@pytest.mark.parametrize("width", [100, 383, 1024])
def test_odd_widths_are_refused(width):
    with pytest.raises(ValueError, match="width"):
        render_blocks([TextBlock("a")], width)
