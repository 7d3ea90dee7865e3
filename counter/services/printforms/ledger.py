"""Form 07, the ledger (sổ theo dõi hồ sơ): the dossiers received in a period.

Read by pages for the screen, or streamed whole for a printout or a spreadsheet: a
large ward's year (100,000 dossiers) is never held in memory at once.

Reports over a period (issue 14) sit beside it and share its day bounds.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from counter.domain import clock, dates
from counter.domain.errors import ValidationError
from counter.domain.i18n import N_
from counter.domain.lifecycle import Status
from counter.domain.printed.ledger import LedgerData, LedgerRow, page_count
from counter.domain.printed.parts import Letterhead
from counter.domain.printed.wording import DELIVERY_LABELS
from counter.extensions import db
from counter.models import Dossier, Procedure
from counter.services.printforms.common import NOT_IN_LEDGER, agency_name, letterhead


def parse_day(text: str, field_name: str) -> date:
    """A day typed as dd/mm/yyyy or yyyy-mm-dd (required)."""
    try:
        day = dates.parse_day(text)
    except dates.DayOutOfRange:
        raise dates.out_of_range(text, field_name) from None
    except dates.NotADay:
        raise ValidationError(
            N_("Ngày không có thật trên lịch; hãy kiểm tra lại ngày và tháng."), field=field_name
        ) from None
    except ValueError:
        day = None
    if day is None:
        raise ValidationError(
            N_("Ngày không hợp lệ; hãy nhập theo dạng ngày/tháng/năm, ví dụ 27/11/2026."),
            field=field_name,
        )
    return day


def month_bounds(today: date) -> tuple[date, date]:
    """The first and last day of ``today``'s month."""
    first = today.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def choices() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The procedure fields (lĩnh vực) and statuses to filter the ledger by."""
    fields = db.session.execute(
        db.select(Procedure.field_code, Procedure.field_name)
        .where(Procedure.field_code != "")
        .distinct()
        .order_by(Procedure.field_name, Procedure.field_code)
    ).all()
    statuses = [(s.value, s.label) for s in Status if s.value not in NOT_IN_LEDGER]
    return [(code, name or code) for code, name in fields], statuses


#: Rows on a page of the on-screen ledger (printed page by page: about 16 A4 sheets).
PAGE_SIZE = 200
#: Rows read from the database at a time when the whole period is streamed.
STREAM_BATCH = 1000


@dataclass(frozen=True)
class LedgerQuery:
    """A checked period and filters of the ledger: what its header says, what it selects."""

    start: date
    end: date
    field_name: str
    status_label: str
    where: tuple[Any, ...]
    procedures: dict[int, tuple[str, str]]  # id → name, implementing body


def query(start: date, end: date, field_code: str = "", status: str = "") -> LedgerQuery:
    """The ledger's dossiers received from ``start`` to ``end`` (Vietnam days, inclusive)."""
    if end < start:
        raise ValidationError(N_("Ngày kết thúc phải sau hoặc bằng ngày bắt đầu."), field="to")
    if status and status not in {s.value for s in Status}:
        raise ValidationError(N_("Trạng thái không hợp lệ."), field="status")
    where: list[Any] = [
        Dossier.received_at >= clock.start_of_day(start),
        Dossier.received_at < clock.start_of_day(end + timedelta(days=1)),
    ]
    if status:
        where.append(Dossier.status == status)
    else:
        where.append(Dossier.status.not_in(NOT_IN_LEDGER))
    # The catalog is small: read once, the rows need no join (nor the deep pages' OFFSET).
    catalog = db.session.execute(
        select(
            Procedure.id,
            Procedure.name,
            Procedure.implementing_body,
            Procedure.field_code,
            Procedure.field_name,
        )
    ).all()
    field_name = ""
    if field_code:
        in_field = [p.id for p in catalog if p.field_code == field_code]
        where.append(Dossier.procedure_id.in_(in_field))
        field_name = next((p.field_name for p in catalog if p.field_code == field_code), "")
        field_name = field_name or field_code
    return LedgerQuery(
        start=start,
        end=end,
        field_name=field_name,
        status_label=Status(status).label if status else "",
        where=tuple(where),
        procedures={p.id: (p.name, p.implementing_body or "") for p in catalog},
    )


def count(ledger: LedgerQuery) -> int:
    """How many dossiers the ledger's period holds."""
    return db.session.scalar(select(func.count()).select_from(Dossier).where(*ledger.where)) or 0


_COLUMNS = (
    Dossier.ledger_seq,
    Dossier.code,
    Dossier.procedure_id,
    Dossier.applicant_name,
    Dossier.address,
    Dossier.phone,
    Dossier.processing_unit,
    Dossier.received_at,
    Dossier.due_at,
    Dossier.returned_at,
    Dossier.collected_by,
    Dossier.result_delivery,
    Dossier.status,
)


def rows(
    ledger: LedgerQuery, head: Letterhead, *, offset: int = 0, limit: int | None = None
) -> Iterator[LedgerRow]:
    """The ledger's rows in receipt order from ``offset``: plain rows, never ORM objects.

    Without ``limit`` the rows come from a server-side cursor in batches (``yield_per``),
    read only as the caller iterates: memory stays the same for a day or for ten years.
    """
    statement = (
        select(*_COLUMNS)
        .where(*ledger.where)
        .order_by(Dossier.received_at, Dossier.id)
        .offset(offset or None)
        .limit(limit)
    )
    if limit is None:
        statement = statement.execution_options(yield_per=STREAM_BATCH)
    statuses = {s.value: str(s.label) for s in Status}
    agencies: dict[tuple[str, str], str] = {}  # a few bodies, each folded once
    position = offset
    for (
        seq,
        code,
        procedure_id,
        applicant,
        address,
        phone,
        unit,
        received_at,
        due_at,
        returned_at,
        collected_by,
        delivery,
        status,
    ) in db.session.execute(statement):
        position += 1
        name, body = ledger.procedures.get(procedure_id, ("", ""))
        key = (unit or "", body)
        agency = agencies.get(key)
        if agency is None:
            agency = agencies[key] = agency_name(*key, head)
        yield LedgerRow(
            # Numbers are the book's (continuous across pages); a dossier without one
            # (received before numbering) takes its place in the period.
            number=seq or position,
            code=code,
            procedure_name=name,
            applicant_name=applicant,
            address_phone=f"{address} / {phone}" if address and phone else address or phone,
            agency=agency,
            received_at=received_at,
            due_at=due_at,
            returned_at=returned_at,
            collected_by=collected_by or "",
            delivery=DELIVERY_LABELS.get(delivery, delivery),
            status=statuses.get(status, status),
        )


def for_period(
    start: date,
    end: date,
    field_code: str = "",
    status: str = "",
    *,
    page: int | None = 1,
    page_size: int = PAGE_SIZE,
) -> LedgerData:
    """The ledger of a period: page ``page`` (past the last: the last), or all if ``None``.

    The whole period's rows are an iterator read while the page or file is sent.
    """
    ledger = query(start, end, field_code, status)
    head = letterhead()
    total = count(ledger)
    pages = page_count(total, page_size)
    if page is None:
        shown: Iterable[LedgerRow] = rows(ledger, head)
        number, offset = 0, 0
    else:
        number = min(max(1, page), pages)
        offset = (number - 1) * page_size
        shown = list(rows(ledger, head, offset=offset, limit=page_size))
    return LedgerData(
        head=head,
        start=start,
        end=end,
        field_name=ledger.field_name,
        status_label=ledger.status_label,
        rows=shown,
        printed=head.dated(clock.now()),
        total=total,
        offset=offset,
        page=number,
        pages=pages,
    )
