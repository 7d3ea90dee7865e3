"""End to end: printout data → ESC/POS bytes → what the printer would put on paper."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import zxingcpp
from PIL import Image, ImageChops

from counter.domain.printed.form02_03 import SupplementData
from counter.domain.printed.ticket import TicketData
from counter.printing import jobs
from counter.printing.escpos import BAD_STRIP_MULTIPLE
from counter.printing.raster import MARGIN, WIDTH_58MM, WIDTH_80MM

from .conftest import LETTERS, LOOKUP_URL, make_slip
from .gsv0 import Decoded, decode

WIDTHS = [WIDTH_58MM, WIDTH_80MM]


def same_pixels(a: Image.Image, b: Image.Image) -> bool:
    return (
        a.size == b.size and ImageChops.difference(a.convert("L"), b.convert("L")).getbbox() is None
    )


def qr_texts(image: Image.Image) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(image.convert("L"))]


def assert_safe_strips(decoded: Decoded) -> None:
    heights = [s.height for s in decoded.strips]
    assert heights, "the job holds no raster image"
    assert all(0 < h <= 256 for h in heights), heights
    assert not [h for h in heights if h % BAD_STRIP_MULTIPLE == 0], heights
    assert decoded.strips_are_contiguous()


def margins_white(image: Image.Image, margin: int = MARGIN) -> bool:
    grey = image.convert("L")
    left = grey.crop((0, 0, margin, grey.height))
    right = grey.crop((grey.width - margin, 0, grey.width, grey.height))
    return left.getextrema() == (255, 255) and right.getextrema() == (255, 255)


@pytest.mark.parametrize("width", WIDTHS)
def test_slip_bytes_print_exactly_the_rendered_slip(slip, width):
    """Every Vietnamese letter goes to paper as drawn: the bytes decode to the same pixels."""
    assert {c for c in LETTERS} <= set(
        slip.procedure_name + "".join(d.name for d in slip.documents) + slip.applicant_name
    )
    rendered = jobs.render_slip(slip, width)
    decoded = decode(jobs.slip_bytes(slip, width))

    assert rendered.mode == "1"
    assert rendered.width == width
    assert_safe_strips(decoded)
    assert same_pixels(decoded.image(), rendered)


@pytest.mark.parametrize("width", WIDTHS)
def test_slip_qr_scans_to_the_lookup_url(slip, width):
    printed = decode(jobs.slip_bytes(slip, width)).image()
    assert qr_texts(printed) == [LOOKUP_URL]


@pytest.mark.parametrize("width", WIDTHS)
def test_slip_job_starts_with_init_and_ends_with_partial_cut(slip, width):
    job = jobs.slip_bytes(slip, width)
    assert job.startswith(b"\x1b@")
    assert job.endswith(b"\x1dV\x01")
    uncut = jobs.slip_bytes(slip, width, cut=False)
    assert b"\x1dV" not in uncut[-16:]
    assert decode(uncut).image().size == decode(job).image().size


@pytest.mark.parametrize("width", WIDTHS)
def test_long_procedure_name_wraps_and_nothing_is_cut(width):
    short = jobs.render_slip(make_slip(procedure_name="Đăng ký khai sinh"), width)
    long_name = "Thay đổi, cải chính, bổ sung thông tin hộ tịch, xác định lại dân tộc " * 4
    unbreakable = "Mã-thủ-tục-" + "1.004859.000.00.00.H18" * 4
    tall = jobs.render_slip(make_slip(procedure_name=long_name + unbreakable), width)

    assert tall.width == width
    assert tall.height > short.height + 4 * 20
    assert margins_white(tall)
    assert margins_white(short)


@pytest.mark.parametrize("width", WIDTHS)
def test_ticket_bytes(width):
    ticket = TicketData(
        office_name="Trung tâm PVHCC xã Mường Phăng",
        service_name="Hộ tịch – Chứng thực",
        number="A012",
        issued_at=datetime(2026, 11, 27, 3, 5, tzinfo=UTC),
        waiting_ahead=3,
        lookup_url="https://dichvucong.dienbien.gov.vn/hang-doi/A012",
    )
    decoded = decode(jobs.ticket_bytes(ticket, width))
    assert_safe_strips(decoded)
    assert same_pixels(decoded.image(), jobs.render_ticket(ticket, width))
    assert qr_texts(decoded.image()) == [ticket.lookup_url]


@pytest.mark.parametrize("width", WIDTHS)
def test_supplement_bytes(width):
    data = SupplementData(
        centre_name="Trung tâm Phục vụ hành chính công xã Mường Phăng",
        governing_body="UBND xã Mường Phăng",
        applicant_name="Trần Văn Bảy",
        procedure_name="Chứng thực hợp đồng, giao dịch",
        items=["Bản sao Giấy chứng nhận quyền sử dụng đất", "Chữ ký còn thiếu ở trang 2"],
        reason="Hồ sơ chưa đủ thành phần theo quy định",
        officer_name="Lò Văn Đức",
        contact="quầy số 2, điện thoại 0215 3825 999",
        issued_at=datetime(2026, 11, 27, 3, 5, tzinfo=UTC),
    )
    decoded = decode(jobs.supplement_bytes(data, width))
    assert_safe_strips(decoded)
    assert same_pixels(decoded.image(), jobs.render_supplement(data, width))
    assert qr_texts(decoded.image()) == []


@pytest.mark.parametrize("width", WIDTHS)
def test_test_page_has_a_scannable_qr_and_a_full_width_ruler(width):
    decoded = decode(jobs.test_page_bytes(width, "Xã Mường Phăng"))
    printed = decoded.image()
    assert_safe_strips(decoded)
    assert printed.width == width
    assert qr_texts(printed) == [f"IN THỬ Xã Mường Phăng {width}"]
    # The ruler's frame reaches both edges of the head, unlike the text.
    bottom = printed.convert("L").crop((0, printed.height - 40, width, printed.height))
    assert bottom.getpixel((0, 20)) == 0
    assert bottom.getpixel((width - 1, 20)) == 0


def test_test_page_lists_every_toned_vowel():
    shown = "".join(jobs.VIETNAMESE_VOWELS)
    assert {c for c in LETTERS if c.islower() and c != "đ"} == set(shown)
