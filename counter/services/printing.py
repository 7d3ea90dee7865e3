"""Thermal printing: choose the printer, build the job, deliver it, log the outcome.

Printing always happens after the dossier is committed; a failed print is logged,
reported in Vietnamese, and can be repeated. Nothing here touches the dossier.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime
from types import ModuleType

from counter import settings
from counter.domain import clock
from counter.domain.errors import NotAllowed, NotFound, ValidationError
from counter.domain.i18n import N_
from counter.domain.printed.form01 import SlipData
from counter.domain.printed.form02_03 import SupplementData
from counter.domain.printed.ticket import TicketData
from counter.extensions import db
from counter.models import CounterNotice, Dossier, Printer, PrintLog
from counter.printing import backends
from counter.printing.backends import PrinterError
from counter.services import Actor, audit, transaction
from counter.services.office import get_office
from counter.services.printforms import form01, form02_03

log = logging.getLogger(__name__)
WIDTHS = (384, 576)


def _jobs() -> ModuleType:
    """The job builders, imported by the first print: they bring python-escpos, Pillow
    and segno (about a second to import), which no start of the program should pay."""
    from counter.printing import jobs

    return jobs


KIND_LABELS = {
    "slip": N_("Giấy tiếp nhận"),
    "ticket": N_("Phiếu số thứ tự"),
    "notice": N_("Phiếu yêu cầu bổ sung"),
    "test": N_("Trang in thử"),
}


@dataclass(frozen=True)
class Target:
    """Where a job goes and how it is laid out."""

    printer_id: int | None
    label: str
    uri: str
    width: int = 576
    cut: bool = True
    text_mode: bool = False


def list_printers(active_only: bool = False) -> list[Printer]:
    """The office's printers, default first."""
    query = db.select(Printer).order_by(Printer.is_default.desc(), Printer.name)
    if active_only:
        query = query.where(Printer.active.is_(True))
    return list(db.session.scalars(query))


def get_printer(printer_id: int) -> Printer:
    """One printer, or NotFound."""
    printer = db.session.get(Printer, printer_id)
    if printer is None:
        raise NotFound(N_("Không tìm thấy máy in."))
    return printer


def save_printer(
    actor: Actor,
    printer_id: int | None,
    *,
    name: str,
    uri: str,
    width: int,
    cut: bool = True,
    text_mode: bool = False,
    is_default: bool = False,
    active: bool = True,
) -> Printer:
    """An admin adds or edits a printer; the address is checked before saving.

    A ``file:`` address must name a printer device or a file in the instance folder.
    """
    if not actor.is_admin:
        raise NotAllowed(N_("Chỉ quản trị viên được cấu hình máy in."))
    name, uri = name.strip(), uri.strip()
    if not name:
        raise ValidationError(N_("Vui lòng đặt tên máy in, ví dụ “Quầy 1”."), field="name")
    if width not in WIDTHS:
        raise ValidationError(
            N_("Khổ giấy phải là 58 mm (384 điểm) hoặc 80 mm (576 điểm)."), field="width"
        )
    try:
        backends.check_printer_uri(uri, settings.current().instance_path)
    except PrinterError as err:
        raise ValidationError(err.message, field="uri") from err
    clash = db.session.scalar(db.select(Printer).where(Printer.name == name))
    if clash is not None and clash.id != printer_id:
        raise ValidationError(N_("Đã có máy in mang tên này."), field="name")
    printer = get_printer(printer_id) if printer_id else Printer()
    with transaction():
        if is_default:
            db.session.execute(
                db.update(Printer).where(Printer.id != printer_id).values(is_default=False)
            )
        printer.name, printer.uri, printer.width = name, uri, width
        printer.cut, printer.text_mode = cut, text_mode
        printer.is_default, printer.active = is_default, active
        db.session.add(printer)
        db.session.flush()
        audit.record(actor, "printer_saved", name, uri)
    return printer


def delete_printer(actor: Actor, printer_id: int) -> None:
    """Remove a printer; its print log keeps the address it used."""
    if not actor.is_admin:
        raise NotAllowed(N_("Chỉ quản trị viên được cấu hình máy in."))
    printer = get_printer(printer_id)
    with transaction():
        audit.record(actor, "printer_deleted", printer.name, printer.uri)
        db.session.delete(printer)


def resolve_target(printer_id: int | None = None, uri: str | None = None) -> Target:
    """The chosen printer, else the default one, else the COUNTER_PRINTER setting."""
    if uri:
        return Target(None, uri, uri)
    if printer_id:
        p = get_printer(printer_id)
        return Target(p.id, p.name, p.uri, p.width, p.cut, p.text_mode)
    default = db.session.scalar(
        db.select(Printer)
        .where(Printer.active.is_(True))
        .order_by(Printer.is_default.desc(), Printer.id)
    )
    if default is not None:
        return Target(
            default.id, default.name, default.uri, default.width, default.cut, default.text_mode
        )
    configured = settings.current().printer
    if configured:
        return Target(None, configured, configured)
    raise PrinterError(
        N_(
            "Chưa cấu hình máy in nhiệt. Quản trị viên thêm máy in ở trang Quản trị › Máy in nhiệt, "
            "hoặc đặt biến COUNTER_PRINTER."
        )
    )


def slip_data(dossier: Dossier, lookup_url: str) -> SlipData:
    """The slip of a committed dossier, as form 01 prints it; ``lookup_url`` carries its key."""
    return form01.slip(dossier.id, lambda _code, _key: lookup_url)


def find_dossier(code_or_id: str | int) -> Dossier:
    """A dossier by id or by its code."""
    if isinstance(code_or_id, int):
        dossier = db.session.get(Dossier, code_or_id)
    else:
        dossier = db.session.scalar(
            db.select(Dossier).where(Dossier.code == code_or_id.strip().upper())
        )
    if dossier is None:
        raise NotFound(N_("Không tìm thấy hồ sơ."))
    return dossier


def print_slip(
    actor: Actor,
    dossier: Dossier,
    lookup_url: str,
    *,
    printer_id: int | None = None,
    uri: str | None = None,
) -> PrintLog:
    """Print the receipt-and-appointment slip of a saved dossier."""
    target = resolve_target(printer_id, uri)
    job = _jobs().slip_bytes(
        slip_data(dossier, lookup_url), target.width, cut=target.cut, text_mode=target.text_mode
    )
    return _deliver(actor, target, "slip", dossier.code, job)


def print_ticket(
    actor: Actor,
    number: str,
    *,
    service_name: str = "",
    waiting_ahead: int = 0,
    issued_at: datetime | None = None,
    estimated_minutes: int | None = None,
    priority: str = "",
    printer_id: int | None = None,
    uri: str | None = None,
) -> PrintLog:
    """Print a queue ticket."""
    number = number.strip().upper()
    if not number or len(number) > 10:
        raise ValidationError(N_("Số thứ tự không hợp lệ."), field="number")
    target = resolve_target(printer_id, uri)
    ticket = TicketData(
        office_name=get_office().name,
        service_name=service_name or "Tiếp nhận hồ sơ",
        number=number,
        issued_at=issued_at or clock.now(),
        waiting_ahead=waiting_ahead,
        estimated_minutes=estimated_minutes,
        priority=priority,
    )
    job = _jobs().ticket_bytes(ticket, target.width, cut=target.cut, text_mode=target.text_mode)
    return _deliver(actor, target, "ticket", number, job)


def print_notice(actor: Actor, notice: CounterNotice, *, printer_id: int | None = None) -> PrintLog:
    """Print form 02 (what is missing) for a dossier turned back at the counter."""
    data = form02_03.counter_notice(notice.id)
    if not isinstance(data, SupplementData):
        raise ValidationError(
            N_(
                "Phiếu từ chối tiếp nhận (mẫu 03) không in trên máy in nhiệt; "
                "hãy in phiếu trên giấy A4 hoặc A5."
            )
        )
    target = resolve_target(printer_id)
    job = _jobs().supplement_bytes(data, target.width, cut=target.cut, text_mode=target.text_mode)
    return _deliver(actor, target, "notice", notice.number, job)


def print_test_page(
    actor: Actor, printer_id: int | None = None, uri: str | None = None
) -> PrintLog:
    """The admin's test print: every Vietnamese vowel with every tone, a QR, a ruler."""
    target = resolve_target(printer_id, uri)
    job = _jobs().test_page_bytes(target.width, get_office().name, cut=target.cut)
    return _deliver(actor, target, "test", target.label, job)


def recent_log(limit: int = 50) -> list[PrintLog]:
    """The latest print attempts, newest first."""
    return list(db.session.scalars(db.select(PrintLog).order_by(PrintLog.id.desc()).limit(limit)))


def _deliver(actor: Actor, target: Target, kind: str, ref: str, job: bytes) -> PrintLog:
    """Send within the time limit; log success or failure in a transaction of its own."""
    config = settings.current()
    started = time.monotonic()
    error: PrinterError | None = None
    try:
        backends.send(
            job,
            target.uri,
            timeout=config.print_timeout,
            file_root=config.instance_path,  # checked again: the row may predate the rule
        )
    except PrinterError as err:
        error = err
    entry = PrintLog(
        user_id=actor.user_id,
        username=actor.username,
        printer_id=target.printer_id,
        printer_label=f"{target.label} ({target.uri})"
        if target.label != target.uri
        else target.uri,
        kind=kind,
        ref=ref,
        ok=error is None,
        error=error.message if error else "",
        size=len(job),
        duration_ms=int((time.monotonic() - started) * 1000),
    )
    with transaction():
        db.session.add(entry)
    if error is not None:
        log.warning("print %s %s on %s failed: %s", kind, ref, target.uri, error.message)
        raise PrintFailed(error.message, entry)
    log.info("printed %s %s on %s (%d bytes)", kind, ref, target.uri, len(job))
    return entry


class PrintFailed(PrinterError):
    """Delivery failed; the failure is already logged (``log_entry``)."""

    def __init__(self, message: str, log_entry: PrintLog) -> None:
        super().__init__(message)
        self.log_entry = log_entry
