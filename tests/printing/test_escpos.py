"""ESC/POS encoding with python-escpos's real Dummy printer (no mocks)."""

from __future__ import annotations

import unicodedata

import pytest
from PIL import Image, ImageDraw

from counter.domain.printed.form01 import slip_blocks
from counter.printing.escpos import (
    BAD_STRIP_MULTIPLE,
    MAX_STRIP_HEIGHT,
    PrinterProfile,
    image_job,
    strip_heights,
    text_job,
    to_cp1258,
)
from counter.printing.raster import WIDTH_58MM, WIDTH_80MM

from .conftest import LETTERS
from .gsv0 import decode


@pytest.mark.parametrize("max_height", [MAX_STRIP_HEIGHT, 200, 100, 50])
def test_strip_heights_are_safe_for_every_image_height(max_height):
    for total in range(1, 3001):
        heights = strip_heights(total, max_height)
        assert sum(heights) == total, total
        assert all(0 < h <= max_height for h in heights), (total, heights)
        assert all(h % BAD_STRIP_MULTIPLE for h in heights), (total, heights)


@pytest.mark.parametrize("max_height", [2, 48, 49, 97, 240])
def test_strip_heights_refuses_a_limit_it_cannot_keep(max_height):
    with pytest.raises(ValueError):
        strip_heights(100, max_height)


@pytest.mark.parametrize(
    ("total", "expected"),
    [(255, [255]), (96, [49, 47]), (255 + 96, [254, 97]), (510, [255, 255]), (300, [255, 45])],
)
def test_strip_heights_examples(total, expected):
    assert strip_heights(total) == expected


def test_python_escpos_alone_would_send_a_bad_strip():
    """Why we split ourselves: python-escpos leaves the remainder as the last fragment."""
    from escpos.printer import Dummy

    printer = Dummy()
    printer.profile.profile_data = {
        **printer.profile.profile_data,
        "media": {"width": {"pixels": 384}},
    }
    printer.image(Image.new("1", (384, 255 + 96), 1), impl="bitImageRaster", fragment_height=255)
    assert [s.height for s in decode(printer.output).strips] == [255, 96]


def patterned(width: int, height: int) -> Image.Image:
    """An image whose every row differs, so a lost, doubled or shifted row shows."""
    image = Image.new("1", (width, height), 1)
    draw = ImageDraw.Draw(image)
    for y in range(height):
        draw.line((y % width, y, (y * 7) % width, y), fill=0)
    return image


@pytest.mark.parametrize("width", [WIDTH_58MM, WIDTH_80MM])
@pytest.mark.parametrize("height", [1, 47, 48, 96, 240, 255, 256, 303, 351, 558, 1000])
def test_image_job_round_trips_in_safe_strips(width, height):
    image = patterned(width, height)
    decoded = decode(image_job(image, PrinterProfile(width=width)))
    heights = [s.height for s in decoded.strips]
    assert all(h <= 256 and h % 48 for h in heights), heights
    assert decoded.strips_are_contiguous()
    assert {s.width_bytes for s in decoded.strips} == {width // 8}
    assert decoded.image().tobytes() == image.tobytes()


def test_image_job_prints_nothing_on_stdout(capsys):
    """python-escpos's image() prints a warning unless the profile knows the paper width."""
    image_job(patterned(WIDTH_58MM, 10), PrinterProfile(width=WIDTH_58MM))
    assert capsys.readouterr().out == ""


def test_width_setting_does_not_leak_into_python_escpos_profiles():
    from escpos.capabilities import get_profile

    image_job(patterned(WIDTH_58MM, 10), PrinterProfile(width=WIDTH_58MM))
    assert get_profile().profile_data["media"]["width"]["pixels"] == "Unknown"


def test_image_wider_than_the_printer_is_refused():
    with pytest.raises(ValueError, match="wide"):
        image_job(patterned(WIDTH_80MM, 10), PrinterProfile(width=WIDTH_58MM))


def test_profile_validation():
    with pytest.raises(ValueError):
        PrinterProfile(width=500)
    with pytest.raises(ValueError, match="profile"):
        PrinterProfile(model="no-such-printer")
    assert PrinterProfile(width=WIDTH_58MM).columns == 32
    assert PrinterProfile(width=WIDTH_80MM).columns == 48


def test_every_vietnamese_letter_has_a_cp1258_form():
    for ch in LETTERS:
        encoded = to_cp1258(ch).encode("cp1258")
        assert unicodedata.normalize("NFC", encoded.decode("cp1258")) == ch


def test_text_mode_writes_vietnamese_in_cp1258(slip):
    job = text_job(slip_blocks(slip), PrinterProfile(width=WIDTH_80MM, text_mode=True))
    decoded = decode(job)
    assert b"\x1bt\x34" in decoded.commands  # ESC t 52: CP1258 in the default profile
    text = unicodedata.normalize("NFC", decoded.text("cp1258"))
    assert "?" not in text.replace(slip.lookup_url, "")
    for phrase in ("GIẤY TIẾP NHẬN HỒ SƠ", "Thời gian trả kết quả", slip.applicant_name):
        assert phrase in text
    assert set(LETTERS) <= set(text)
    assert "15 giờ 00 phút, ngày 30 tháng 11 năm 2026" in text
    assert len(decoded.strips) >= 1, "the QR code still goes as a picture"
    assert job.endswith(b"\x1dV\x01")


def test_text_mode_code_page_follows_the_printer_model(slip):
    job = text_job(
        slip_blocks(slip), PrinterProfile(width=WIDTH_58MM, text_mode=True, model="TM-T20II")
    )
    assert b"\x1bt\x34" in decode(job).commands
    with pytest.raises(ValueError, match="CP1258"):
        PrinterProfile(width=WIDTH_58MM, text_mode=True, model="TM-T88IV")


#: User data with printer commands in it, and what may reach the paper of each.
CONTROL_TRICKS = [
    ("\x1b@", "@"),  # ESC @: re-initialise mid-slip
    ("\x1dV\x00", "V"),  # GS V 0: cut here
    ("\x1bp\x00\x19\xfa", "pú"),  # ESC p: kick the cash drawer
    ("\x10\x04\x01", ""),  # DLE EOT: status request
    ("\x00\x07\x08\x0b\x0c\x0d\x1c\x1f\x7f", ""),  # NUL BEL BS VT FF CR FS US DEL
    ("\x85\x9b\x9f", ""),  # C1: NEL, CSI, APC
    ("a\tb", "a b"),  # a tab is a space
]


@pytest.mark.parametrize(("dirty", "shown"), CONTROL_TRICKS)
def test_text_mode_never_sends_control_bytes_from_user_data(dirty, shown):
    """Every field a citizen or officer typed prints as its visible characters only."""
    from .conftest import make_slip

    def slip_with(part: str):
        return make_slip(
            centre_name=f"UBND{part}xã",
            applicant_name=f"Lò Văn{part}Bình",
            procedure_name=f"Chứng thực{part}bản sao",
            documents=[(f"Tờ{part}khai", "bản chính", 1)],
            note=f"Ghi{part}chú\nDòng hai",
            officer_name=f"Cầm{part}Thị Dung",
        )

    profile = PrinterProfile(width=WIDTH_58MM, text_mode=True)
    job = text_job(slip_blocks(slip_with(dirty)), profile)
    assert job == text_job(slip_blocks(slip_with(shown)), profile)
    text = unicodedata.normalize("NFC", decode(job).text("cp1258"))  # a strict reader
    assert f"Lò Văn{shown}Bình" in text and "Dòng hai" in text  # newlines are kept
