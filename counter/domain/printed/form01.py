"""Form 01, Giấy tiếp nhận hồ sơ và hẹn trả kết quả: its model and its thermal roll layout.

The A4/A5/80 mm sheet (templates/printforms/form01.html) and the roll
(:func:`slip_blocks`) print the same model in the same words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from counter.domain.printed import roll
from counter.domain.printed import wording as w
from counter.domain.printed.blocks import (
    Align,
    Block,
    KeyValueBlock,
    QRBlock,
    SeparatorBlock,
    Size,
    SpacerBlock,
    TextBlock,
    break_after_commas,
    keep_together,
)
from counter.domain.printed.parts import Letterhead, Party, ReceivedDocument


@dataclass(frozen=True, slots=True)
class SlipData:
    """Receipt-and-appointment slip, form 01 (Giấy tiếp nhận hồ sơ và hẹn trả kết quả).

    The fields after ``lookup_key`` have defaults, so a slip can be laid out from the
    essentials alone; the service fills every one.
    """

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
    place_name: str = ""
    number: str = ""  # the number line, Số: …/TTPVHCC
    id_number: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""
    filer: Party | None = None  # who filed on the applicant's behalf
    time_limit: str = ""  # worded: '03 ngày làm việc'
    ledger_book: str = ""
    ledger_seq: str = ""

    @property
    def head(self) -> Letterhead:
        """The letterhead this slip is issued under."""
        return Letterhead(self.governing_body, self.centre_name, self.place_name)

    @property
    def applicant(self) -> Party:
        """The applicant with their particulars."""
        return Party(self.applicant_name, self.id_number, self.address, self.phone, self.email)

    @property
    def dated(self) -> str:
        """The dated line: the day of receipt."""
        return self.head.dated(self.received_at)

    @property
    def received(self) -> str:
        """When the dossier was received, in words."""
        return w.format_vn_moment(self.received_at)

    @property
    def due(self) -> str:
        """When the result is due, in words."""
        return w.format_vn_moment(self.due_at)

    @property
    def sets_text(self) -> str:
        """'01 (bộ)'."""
        return w.format_sets(self.sets)

    @property
    def delivery_label(self) -> tuple[str, str]:
        """'Đăng ký nhận kết quả tại' and where, or 'Đăng ký nhận kết quả' and how."""
        return w.delivery_line(self.delivery, self.centre_name)

    @property
    def submitted_by(self) -> str:
        """Who signs as NGƯỜI NỘP HỒ SƠ: the proxy if there is one."""
        return self.filer.name if self.filer else self.applicant_name


def _filer_lines(filer: Party) -> list[Block]:
    known = ((w.PERSONAL_ID, filer.id_number), (w.ADDRESS, filer.address), (w.PHONE, filer.phone))
    return [
        TextBlock(w.BY_PROXY),
        KeyValueBlock(w.PROXY, filer.name, bold_value=True),
        *(KeyValueBlock(label, value) for label, value in known if value),
    ]


def slip_blocks(slip: SlipData) -> list[Block]:
    """Lay out form 01 for a thermal roll; the due date stands out in large bold type."""
    blocks = roll.header(slip.head, slip.number, slip.received_at)
    blocks += [
        TextBlock(w.FORM01_TITLE, Align.CENTER, Size.LARGE, bold=True),
        SpacerBlock(0.3),
        KeyValueBlock(w.DOSSIER_CODE, slip.dossier_code, bold_value=True),
        SeparatorBlock(dashed=True),
        KeyValueBlock(w.RECEIVED_FROM, slip.applicant_name, bold_value=True),
        *roll.party_lines(slip.applicant),
        *(_filer_lines(slip.filer) if slip.filer else []),
        KeyValueBlock(w.REQUEST, slip.procedure_name),
    ]
    if slip.documents:
        blocks.append(TextBlock(w.DOCUMENTS))
        blocks += [
            TextBlock(f"{i}. {name} {keep_together(f'({kind}): {count}')}")
            for i, (name, kind, count) in enumerate(slip.documents, start=1)
        ]
    blocks += [KeyValueBlock(w.SETS, slip.sets_text), SeparatorBlock(dashed=True)]
    if slip.time_limit:
        blocks.append(KeyValueBlock(w.TIME_LIMIT, slip.time_limit))
    blocks += [
        TextBlock(f"{w.RECEIVED_AT}:"),
        TextBlock(break_after_commas(slip.received), Align.CENTER),
        TextBlock(f"{w.DUE_AT}:"),
        TextBlock(break_after_commas(slip.due), Align.CENTER, Size.LARGE, bold=True),
        KeyValueBlock(*slip.delivery_label),
    ]
    if slip.ledger_book or slip.ledger_seq:
        entry = w.ledger_entry(slip.ledger_book, slip.ledger_seq)
        blocks.append(TextBlock(break_after_commas(entry)))
    blocks += [
        SeparatorBlock(dashed=True),
        QRBlock(slip.lookup_url),
        TextBlock(w.SCAN_TO_LOOK_UP, Align.CENTER),
    ]
    if slip.lookup_key:
        # Typed with the code on the look-up page when the QR cannot be scanned.
        blocks.append(KeyValueBlock(w.LOOKUP_KEY, slip.lookup_key, bold_value=True))
    blocks += [
        SeparatorBlock(dashed=True),
        *roll.signature(w.APPLICANT_SIGNS, slip.submitted_by),
        SpacerBlock(0.3),
        *roll.signature(w.RECEIVER_SIGNS, slip.officer_name),
    ]
    if slip.office_phone:
        blocks.append(KeyValueBlock(w.OFFICE_PHONE, slip.office_phone))
    if slip.note:
        blocks.append(KeyValueBlock(w.NOTE, slip.note))
    blocks += [SpacerBlock(0.5), TextBlock(w.BRING_THIS, Align.CENTER)]
    return blocks
