"""Forms 02 and 03: the supplement request (also on the roll) and the refusal.

Both are given at the counter without receiving the dossier; form 02 is also made
during processing. The sheet (templates/printforms/form02.html) and the roll
(:func:`supplement_blocks`) print the same :class:`SupplementData` in the same words.
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
    SeparatorBlock,
    Size,
    SpacerBlock,
    TextBlock,
)
from counter.domain.printed.parts import DossierSheet, Letterhead, Party


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
    contact: str  # whom to ask: officer, centre, phone
    issued_at: datetime
    dossier_code: str | None = None
    place_name: str = ""
    number: str = ""  # a notice's number; a request during processing has none
    address: str = ""
    phone: str = ""
    email: str = ""

    @property
    def head(self) -> Letterhead:
        """The letterhead this request is issued under."""
        return Letterhead(self.governing_body, self.centre_name, self.place_name)

    @property
    def applicant(self) -> Party:
        """The applicant with their particulars."""
        return Party(self.applicant_name, address=self.address, phone=self.phone, email=self.email)

    @property
    def dated(self) -> str:
        """The dated line: the day of the request."""
        return self.head.dated(self.issued_at)

    @property
    def guidance(self) -> str:
        """The closing sentence: whom to ask."""
        return w.guidance(self.contact)


@dataclass(frozen=True, slots=True)
class RefusalData(DossierSheet):
    """Refusal, form 03 (Phiếu từ chối tiếp nhận giải quyết hồ sơ)."""

    reason: str
    officer_name: str


def supplement_blocks(data: SupplementData) -> list[Block]:
    """Lay out form 02 for a thermal roll: what is missing, why, and whom to ask."""
    blocks = roll.header(data.head, data.number, data.issued_at)
    blocks += [
        TextBlock(w.FORM02_TITLE, Align.CENTER, Size.LARGE, bold=True),
        SpacerBlock(0.3),
    ]
    if data.dossier_code:
        blocks.append(KeyValueBlock(w.DOSSIER_CODE, data.dossier_code, bold_value=True))
    blocks += [
        KeyValueBlock(w.DOSSIER_OF, data.applicant_name, bold_value=True),
        KeyValueBlock(w.REQUEST, data.procedure_name),
        *roll.party_lines(data.applicant),
        SeparatorBlock(dashed=True),
        TextBlock(w.TO_COMPLETE, bold=True),
    ]
    blocks += [TextBlock(f"{i}. {item}") for i, item in enumerate(data.items, start=1)]
    blocks += [
        KeyValueBlock(w.REASON, data.reason),
        SeparatorBlock(dashed=True),
        TextBlock(data.guidance),
        SpacerBlock(0.5),
        *roll.signature(w.GUIDE_SIGNS, data.officer_name),
    ]
    return blocks
