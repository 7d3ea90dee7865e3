"""What the thermal roll layouts of forms 01 and 02 share: the header, a party, a signature.

The roll prints what the sheet prints, in the same words (:mod:`.wording`), but it
leaves out the blanks a sheet keeps for handwriting: nobody writes on a roll.
"""

from __future__ import annotations

from datetime import datetime

from counter.domain.printed import wording as w
from counter.domain.printed.blocks import (
    Align,
    Block,
    KeyValueBlock,
    SeparatorBlock,
    SpacerBlock,
    TextBlock,
    break_after_commas,
)
from counter.domain.printed.parts import Letterhead, Party


def header(head: Letterhead, number: str, moment: datetime) -> list[Block]:
    """Issuing body, national name and motto, then the number and the dated line."""
    blocks: list[Block] = [
        TextBlock(head.governing_body.upper(), Align.CENTER),
        TextBlock(head.centre_name.upper(), Align.CENTER, bold=True),
        SpacerBlock(0.3),
        TextBlock(w.NATIONAL_NAME, Align.CENTER, bold=True),
        TextBlock(w.NATIONAL_MOTTO, Align.CENTER),
        SeparatorBlock(),
    ]
    if number:
        blocks.append(TextBlock(w.number_line(number), Align.CENTER))
    dated = head.dated(moment) if head.place_name else w.format_vn_date_line(moment)
    blocks.append(TextBlock(break_after_commas(dated), Align.CENTER))
    return blocks


def party_lines(party: Party) -> list[Block]:
    """The applicant's particulars under their name, those that are known."""
    known = (
        (w.ID_NUMBER, party.id_number),
        (w.ADDRESS, party.address),
        (w.PHONE, party.phone),
        (w.EMAIL, party.email),
    )
    return [KeyValueBlock(label, value) for label, value in known if value]


def signature(title: str, name: str) -> list[Block]:
    """A signature title and the signer's name, centred."""
    return [TextBlock(title, Align.CENTER, bold=True), TextBlock(name, Align.CENTER)]
