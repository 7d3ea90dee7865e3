"""Form 07, the ledger (Sổ theo dõi hồ sơ) of a period: model."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

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
    """Sổ theo dõi hồ sơ for a period."""

    head: Letterhead
    start: date
    end: date
    field_name: str
    status_label: str
    rows: list[LedgerRow]
    printed: str
