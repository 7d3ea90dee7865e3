"""Form 07, the ledger (sổ theo dõi hồ sơ): the dossiers received in a period.

Reports over a period (issue 14) sit beside it and share its day bounds.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import selectinload

from counter.domain import clock, dates
from counter.domain.errors import ValidationError
from counter.domain.i18n import N_
from counter.domain.lifecycle import Status
from counter.domain.printed.ledger import LedgerData, LedgerRow
from counter.domain.printed.wording import DELIVERY_LABELS
from counter.extensions import db
from counter.models import Dossier, Procedure
from counter.services.printforms.common import NOT_IN_LEDGER, agency_of, letterhead


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


def _status_label(value: str) -> str:
    try:
        return Status(value).label
    except ValueError:
        return value


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


def for_period(start: date, end: date, field_code: str = "", status: str = "") -> LedgerData:
    """Dossiers received from ``start`` to ``end`` (Vietnam days, inclusive), in receipt order."""
    if end < start:
        raise ValidationError(N_("Ngày kết thúc phải sau hoặc bằng ngày bắt đầu."), field="to")
    if status and status not in {s.value for s in Status}:
        raise ValidationError(N_("Trạng thái không hợp lệ."), field="status")
    lower = clock.start_of_day(start)
    upper = clock.start_of_day(end + timedelta(days=1))
    query = (
        db.select(Dossier)
        .join(Dossier.procedure)
        .options(selectinload(Dossier.procedure))
        .where(Dossier.received_at >= lower, Dossier.received_at < upper)
        .order_by(Dossier.received_at, Dossier.id)
    )
    if status:
        query = query.where(Dossier.status == status)
    else:
        query = query.where(Dossier.status.not_in(NOT_IN_LEDGER))
    field_name = ""
    if field_code:
        query = query.where(Procedure.field_code == field_code)
        field_name = (
            db.session.scalar(
                db.select(Procedure.field_name).where(Procedure.field_code == field_code).limit(1)
            )
            or field_code
        )
    head = letterhead()
    rows = []
    for i, dossier in enumerate(db.session.scalars(query), start=1):
        rows.append(
            LedgerRow(
                number=dossier.ledger_seq or i,
                code=dossier.code,
                procedure_name=dossier.procedure.name,
                applicant_name=dossier.applicant_name,
                address_phone=" / ".join(p for p in (dossier.address, dossier.phone) if p),
                agency=agency_of(dossier, head),
                received_at=dossier.received_at,
                due_at=dossier.due_at,
                returned_at=dossier.returned_at,
                collected_by=dossier.collected_by or "",
                delivery=DELIVERY_LABELS.get(dossier.result_delivery, dossier.result_delivery),
                status=_status_label(dossier.status),
            )
        )
    return LedgerData(
        head=head,
        start=start,
        end=end,
        field_name=field_name,
        status_label=Status(status).label if status else "",
        rows=rows,
        printed=head.dated(clock.now()),
    )
