"""The queue ticket (phiếu số thứ tự): its data and its roll layout."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from counter.domain import clock
from counter.domain.printed.blocks import (
    Align,
    Block,
    QRBlock,
    SeparatorBlock,
    Size,
    SpacerBlock,
    TextBlock,
    break_after_commas,
)


@dataclass(frozen=True, slots=True)
class TicketData:
    """Queue ticket (phiếu số thứ tự) from the kiosk or the counter."""

    office_name: str
    service_name: str
    number: str
    issued_at: datetime
    waiting_ahead: int
    lookup_url: str | None = None
    #: About how long until the call, from today's service times (None: not printed).
    estimated_minutes: int | None = None
    #: The priority line, "Ưu tiên: Người cao tuổi", when the law serves the citizen first.
    priority: str = ""


def format_vn_datetime(moment: datetime) -> str:
    """The ticket's short wording: '10 giờ 05 phút, ngày 27/11/2026'."""
    t = clock.as_local(moment)
    return f"{t.hour:02d} giờ {t.minute:02d} phút, ngày {t.day:02d}/{t.month:02d}/{t.year}"


def ticket_blocks(ticket: TicketData) -> list[Block]:
    """Lay out a queue ticket: the number is the only thing read from afar."""
    issued = break_after_commas(format_vn_datetime(ticket.issued_at))
    blocks: list[Block] = [
        TextBlock(ticket.office_name.upper(), Align.CENTER, bold=True),
        SeparatorBlock(),
        TextBlock(ticket.service_name, Align.CENTER, Size.LARGE),
        SpacerBlock(0.3),
        TextBlock("SỐ THỨ TỰ", Align.CENTER),
        TextBlock(ticket.number, Align.CENTER, Size.XLARGE, bold=True),
    ]
    if ticket.priority:
        blocks.append(TextBlock(ticket.priority, Align.CENTER, bold=True))
    blocks += [
        SpacerBlock(0.3),
        TextBlock(f"Số người đang chờ trước bạn: {ticket.waiting_ahead}", Align.CENTER),
    ]
    if ticket.estimated_minutes is not None and ticket.waiting_ahead:
        blocks.append(
            TextBlock(
                f"Thời gian chờ dự kiến: khoảng {ticket.estimated_minutes} phút", Align.CENTER
            )
        )
    blocks += [
        TextBlock(f"Lấy số lúc {issued}", Align.CENTER),
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
