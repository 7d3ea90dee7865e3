"""Pieces several printed forms share: the letterhead, a party, a dossier's sheet, a document."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

from counter.domain.printed.wording import dated_line


@dataclass(frozen=True, slots=True)
class Letterhead:
    """The top of every form: issuing body, centre, place and contact."""

    governing_body: str
    centre_name: str
    place_name: str = ""
    address: str = ""
    phone: str = ""

    def dated(self, moment: date | datetime | None) -> str:
        """'Mường Phăng, ngày 27 tháng 11 năm 2026'."""
        return dated_line(self.place_name, moment)


@dataclass(frozen=True, slots=True)
class Party:
    """An applicant (chủ hồ sơ) or the person filing on their behalf."""

    name: str
    id_number: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""


class ReceivedDocument(NamedTuple):
    """One line of 'Thành phần hồ sơ nộp gồm': name, original/copy label, count."""

    name: str
    kind: str
    count: int


@dataclass(frozen=True, slots=True)
class DossierSheet:
    """How every A4 form about one dossier opens: letterhead, number, date, whose and what."""

    head: Letterhead
    number: str
    dated: str
    dossier_code: str
    applicant: Party
    procedure_name: str
