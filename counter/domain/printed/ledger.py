"""Form 07, the ledger (Sổ theo dõi hồ sơ) of a period: model, its pages and months."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from counter.domain.printed.parts import Letterhead


@dataclass(frozen=True, slots=True)
class LedgerRow:
    """One dossier in the ledger."""

    number: int
    code: str
    procedure_name: str
    applicant_name: str
    address_phone: str
    agency: str
    received_at: datetime
    due_at: datetime
    returned_at: datetime | None
    collected_by: str
    delivery: str
    status: str


@dataclass(frozen=True, slots=True)
class LedgerData:
    """Sổ theo dõi hồ sơ for a period: one page of it, or all of it read as it is written.

    ``rows`` is a list for a page; for the whole period (``page`` 0) it is an iterator
    that reads the database as the page or the file is sent, so a year of a large ward
    never sits in memory. ``total`` counts the period's dossiers, ``offset`` those
    before the first row shown.
    """

    head: Letterhead
    start: date
    end: date
    field_name: str
    status_label: str
    rows: Iterable[LedgerRow]
    printed: str
    total: int = 0
    offset: int = 0
    page: int = 0
    pages: int = 1

    @property
    def first_number(self) -> int:
        """The position in the period of the first row shown (1 on the first page)."""
        return self.offset + 1

    @property
    def last_number(self) -> int:
        """The position in the period of the last row shown."""
        if self.page == 0:
            return self.total
        return min(self.total, self.offset + len(self.rows))  # type: ignore[arg-type]

    @property
    def partial(self) -> bool:
        """Whether only part of the period is shown (one page of several)."""
        return self.page != 0 and self.pages > 1


def page_count(total: int, size: int) -> int:
    """How many pages of ``size`` rows ``total`` rows fill (one, even when empty)."""
    return max(1, -(-total // size))


def page_links(page: int, pages: int, around: int = 2) -> list[int | None]:
    """The page numbers a pager shows: first, last, and ``around`` either side of ``page``.

    ``None`` stands for the pages left out between two shown (an ellipsis).
    """
    shown = sorted({1, pages, *range(max(1, page - around), min(pages, page + around) + 1)})
    out: list[int | None] = []
    for number in shown:
        if out and number - (out[-1] or 0) > 1:
            out.append(None)
        out.append(number)
    return out


def months_of(start: date, end: date) -> list[tuple[date, date]]:
    """The calendar months the period touches, each cut to the period: (first, last) days."""
    out = []
    first = start
    while first <= end:
        following = (first.replace(day=1) + timedelta(days=32)).replace(day=1)
        out.append((first, min(end, following - timedelta(days=1))))
        first = following
    return out
