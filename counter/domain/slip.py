"""Layout model of the thermal printouts: slip (form 01), queue ticket, supplement (form 02).

Pure Python: the same blocks feed the raster renderer (any ESC/POS printer) and,
later, an HTML preview, so the wording of a printout lives in one place and can be
tested without a printer, a font or a database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple
from zoneinfo import ZoneInfo

#: Printouts show Vietnam time whatever the server's clock zone (design.md, "Time").
VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

NATIONAL_NAME = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
NATIONAL_MOTTO = "Độc lập - Tự do - Hạnh phúc"
NBSP = "\u00a0"
#: The one-stop unit as Decree 118/2025 names it (the 2018 "Bộ phận tiếp nhận và trả kết quả").
ONE_STOP_UNIT = "Bộ phận Một cửa"
#: How the citizen collects the result (``Dossier.result_delivery``), as the forms word it.
DELIVERY_LABELS = {
    "counter": f"Tại {ONE_STOP_UNIT}",
    "post": "Qua dịch vụ bưu chính công ích",
    "online": "Trực tuyến",
}


class Align(StrEnum):
    """Horizontal alignment of a text block."""

    LEFT = "left"
    CENTER = "center"
    RIGHT = "right"


class Size(StrEnum):
    """Type size; the renderer maps each to a font size for the paper width."""

    NORMAL = "normal"
    LARGE = "large"
    XLARGE = "xlarge"


@dataclass(frozen=True, slots=True)
class TextBlock:
    """A paragraph, wrapped by words to the paper width."""

    text: str
    align: Align = Align.LEFT
    size: Size = Size.NORMAL
    bold: bool = False


@dataclass(frozen=True, slots=True)
class SeparatorBlock:
    """A horizontal rule between sections."""

    dashed: bool = False


@dataclass(frozen=True, slots=True)
class KeyValueBlock:
    """'Label: value' on one line when it fits, else the value wrapped under the label."""

    key: str
    value: str
    bold_value: bool = False


@dataclass(frozen=True, slots=True)
class QRBlock:
    """A QR code, centred, with its quiet zone."""

    data: str


@dataclass(frozen=True, slots=True)
class SpacerBlock:
    """Vertical white space, in normal text lines."""

    lines: float = 1.0


Block = TextBlock | SeparatorBlock | KeyValueBlock | QRBlock | SpacerBlock


class ReceivedDocument(NamedTuple):
    """One line of 'Thành phần hồ sơ': document name, original/copy label, count."""

    name: str
    kind: str
    count: int


@dataclass(frozen=True, slots=True)
class SlipData:
    """Receipt-and-appointment slip, form 01 (Giấy tiếp nhận hồ sơ và hẹn trả kết quả)."""

    centre_name: str
    governing_body: str
    dossier_code: str
    applicant_name: str
    procedure_name: str
    documents: Sequence[ReceivedDocument | tuple[str, str, int]]
    sets: int
    received_at: datetime
    due_at: datetime
    lookup_url: str
    officer_name: str
    office_phone: str
    note: str | None = None
    delivery: str = "counter"  # Dossier.result_delivery
    lookup_key: str = ""  # mã tra cứu, also in the QR code's address


@dataclass(frozen=True, slots=True)
class TicketData:
    """Queue ticket (phiếu số thứ tự) from the kiosk or the counter."""

    office_name: str
    service_name: str
    number: str
    issued_at: datetime
    waiting_ahead: int
    lookup_url: str | None = None


@dataclass(frozen=True, slots=True)
class SupplementData:
    """Supplement request, form 02 (Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ)."""

    centre_name: str
    governing_body: str
    applicant_name: str
    procedure_name: str
    items: Sequence[str]
    reason: str
    officer_name: str
    contact: str
    issued_at: datetime
    dossier_code: str | None = None


def to_vn_time(moment: datetime) -> datetime:
    """Aware datetimes (stored in UTC) are shown in Vietnam time; naive ones are taken as local."""
    return moment.astimezone(VN_TZ) if moment.tzinfo is not None else moment


def format_vn_datetime(moment: datetime) -> str:
    """The form 01 wording: '10 giờ 05 phút, ngày 27/11/2026'."""
    t = to_vn_time(moment)
    return f"{t.hour:02d} giờ {t.minute:02d} phút, ngày {t.day:02d}/{t.month:02d}/{t.year}"


def format_vn_date_line(moment: datetime) -> str:
    """The dated line of a form: 'ngày 27 tháng 11 năm 2026'."""
    t = to_vn_time(moment)
    return f"ngày {t.day:02d} tháng {t.month:02d} năm {t.year}"


def delivery_line(delivery: str, centre_name: str) -> tuple[str, str]:
    """Form 01's 'Đăng ký nhận kết quả tại: …' as (label, value): a place, or the way by post.

    At the counter the value is the centre itself; by post or online the label drops
    "tại", so the line never reads "tại: Tại …".
    """
    if delivery == "counter":
        return "Đăng ký nhận kết quả tại", centre_name or ONE_STOP_UNIT
    return "Đăng ký nhận kết quả", DELIVERY_LABELS.get(delivery, delivery)


def keep_together(text: str) -> str:
    """Bind words with no-break spaces so a printout never wraps inside them ('ngày 27/11/2026')."""
    return text.replace(" ", NBSP)


def _printed_datetime(moment: datetime) -> str:
    """The form 01 wording, breakable only after the comma."""
    time_part, date_part = format_vn_datetime(moment).split(", ")
    return f"{keep_together(time_part)}, {keep_together(date_part)}"


def _header(governing_body: str, centre_name: str) -> list[Block]:
    """Every form opens with the issuing body and the national name and motto."""
    return [
        TextBlock(governing_body.upper(), Align.CENTER),
        TextBlock(centre_name.upper(), Align.CENTER, bold=True),
        SpacerBlock(0.3),
        TextBlock(NATIONAL_NAME, Align.CENTER, bold=True),
        TextBlock(NATIONAL_MOTTO, Align.CENTER),
        SeparatorBlock(),
    ]


def slip_blocks(slip: SlipData) -> list[Block]:
    """Lay out form 01 for a thermal roll; the due date stands out in large bold type."""
    blocks: list[Block] = _header(slip.governing_body, slip.centre_name)
    blocks += [
        TextBlock("GIẤY TIẾP NHẬN HỒ SƠ\nVÀ HẸN TRẢ KẾT QUẢ", Align.CENTER, Size.LARGE, bold=True),
        SpacerBlock(0.3),
        KeyValueBlock("Mã hồ sơ", slip.dossier_code, bold_value=True),
        SeparatorBlock(dashed=True),
        KeyValueBlock("Tiếp nhận hồ sơ của", slip.applicant_name, bold_value=True),
        KeyValueBlock("Nội dung yêu cầu giải quyết", slip.procedure_name),
    ]
    if slip.documents:
        blocks.append(TextBlock("Thành phần hồ sơ nộp gồm:"))
        blocks += [
            TextBlock(f"{i}. {name} {keep_together(f'({kind}): {count}')}")
            for i, (name, kind, count) in enumerate(slip.documents, start=1)
        ]
    blocks += [
        KeyValueBlock("Số lượng hồ sơ", f"{slip.sets} bộ"),
        SeparatorBlock(dashed=True),
        TextBlock("Thời gian nhận hồ sơ:"),
        TextBlock(_printed_datetime(slip.received_at), Align.CENTER),
        TextBlock("Thời gian trả kết quả:"),
        TextBlock(_printed_datetime(slip.due_at), Align.CENTER, Size.LARGE, bold=True),
        KeyValueBlock(*delivery_line(slip.delivery, slip.centre_name)),
        SeparatorBlock(dashed=True),
        QRBlock(slip.lookup_url),
        TextBlock("Quét mã để tra cứu hồ sơ", Align.CENTER),
    ]
    if slip.lookup_key:
        # Typed with the code on the look-up page when the QR cannot be scanned.
        blocks.append(KeyValueBlock("Mã tra cứu", slip.lookup_key, bold_value=True))
    blocks += [
        SeparatorBlock(dashed=True),
        KeyValueBlock("Người tiếp nhận", slip.officer_name),
        KeyValueBlock("Điện thoại", slip.office_phone),
    ]
    if slip.note:
        blocks.append(KeyValueBlock("Ghi chú", slip.note))
    blocks += [
        SpacerBlock(0.5),
        TextBlock("Xin mang theo giấy này khi nhận kết quả.", Align.CENTER),
    ]
    return blocks


def ticket_blocks(ticket: TicketData) -> list[Block]:
    """Lay out a queue ticket: the number is the only thing read from afar."""
    blocks: list[Block] = [
        TextBlock(ticket.office_name.upper(), Align.CENTER, bold=True),
        SeparatorBlock(),
        TextBlock(ticket.service_name, Align.CENTER, Size.LARGE),
        SpacerBlock(0.3),
        TextBlock("SỐ THỨ TỰ", Align.CENTER),
        TextBlock(ticket.number, Align.CENTER, Size.XLARGE, bold=True),
        SpacerBlock(0.3),
        TextBlock(f"Số người đang chờ trước bạn: {ticket.waiting_ahead}", Align.CENTER),
        TextBlock(f"Lấy số lúc {_printed_datetime(ticket.issued_at)}", Align.CENTER),
    ]
    if ticket.lookup_url:
        blocks += [
            SeparatorBlock(dashed=True),
            QRBlock(ticket.lookup_url),
            TextBlock("Quét mã để theo dõi lượt gọi", Align.CENTER),
        ]
    blocks += [
        SeparatorBlock(dashed=True),
        TextBlock("Vui lòng chờ đến lượt và theo dõi màn hình.", Align.CENTER),
    ]
    return blocks


def supplement_blocks(data: SupplementData) -> list[Block]:
    """Lay out form 02: what is missing, why, and whom to ask."""
    blocks: list[Block] = _header(data.governing_body, data.centre_name)
    blocks += [
        TextBlock("PHIẾU YÊU CẦU BỔ SUNG,\nHOÀN THIỆN HỒ SƠ", Align.CENTER, Size.LARGE, bold=True),
        TextBlock(keep_together(format_vn_date_line(data.issued_at)), Align.CENTER),
        SpacerBlock(0.3),
    ]
    if data.dossier_code:
        blocks.append(KeyValueBlock("Mã hồ sơ", data.dossier_code, bold_value=True))
    blocks += [
        KeyValueBlock("Hồ sơ của", data.applicant_name, bold_value=True),
        KeyValueBlock("Nội dung yêu cầu giải quyết", data.procedure_name),
        SeparatorBlock(dashed=True),
        TextBlock("Yêu cầu hoàn thiện hồ sơ gồm những nội dung sau:", bold=True),
    ]
    blocks += [TextBlock(f"{i}. {item}") for i, item in enumerate(data.items, start=1)]
    blocks += [
        KeyValueBlock("Lý do", data.reason),
        SeparatorBlock(dashed=True),
        TextBlock(
            f"Trong quá trình hoàn thiện hồ sơ, nếu có vướng mắc, xin liên hệ {data.contact} "
            "để được hướng dẫn."
        ),
    ]
    blocks += [
        SpacerBlock(0.5),
        TextBlock("NGƯỜI HƯỚNG DẪN", Align.CENTER, bold=True),
        TextBlock(data.officer_name, Align.CENTER),
    ]
    return blocks
