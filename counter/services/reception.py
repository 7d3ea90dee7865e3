"""Reception at the counter (tiếp nhận hồ sơ): the typed form checked, a dossier received.

:func:`validate` checks what the officer typed, every field at once; :func:`receive`
is the use case, one transaction: a dossier in status ``received`` with its official
code and ledger number (:mod:`counter.services.numbering`), due date, documents and
scans (:mod:`counter.services.scans`), its first event (form 01) and an audit row.

The numbers are taken first, so that the sequence upsert is the transaction's first
write (see :mod:`counter.services.numbering`). Scans are written and synced before the
transaction and removed if it fails, so a crash never leaves a row without its file.

Forms 02 and 03 given at the counter are :mod:`counter.services.notices`; the public
look-up is :mod:`counter.services.lookup`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from counter.domain import applicant as applicant_rules
from counter.domain import clock
from counter.domain.dates import read_day
from counter.domain.errors import (
    Conflict,
    CounterError,
    InvalidInput,
    NotAllowed,
    NotFound,
    ValidationError,
)
from counter.domain.events import Received
from counter.domain.i18n import N_
from counter.domain.lifecycle import Action, Status, is_open, transition
from counter.domain.text import fold, too_long
from counter.extensions import db
from counter.models import Dossier, DossierDocument, Procedure
from counter.models.types import column_length
from counter.services import Actor, as_loaded, audit, numbering, queue, scans, transaction
from counter.services import calendar as calendar_service
from counter.services import catalog as catalog_service
from counter.services.events import first_event
from counter.services.office import agency_id

APPLICANT_KINDS = ("person", "organisation")
CHANNELS = ("counter", "post", "online")
RESULT_DELIVERIES = ("counter", "post")
DOCUMENT_KINDS = ("original", "copy", "original_or_copy")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CODE_ATTEMPTS = 3


# -- input -----------------------------------------------------------------------


@dataclass
class DocumentLine:
    """One line of the checklist as the officer left it."""

    name: str
    kind: str = "original"
    count: int | str = 1
    received: bool = True


@dataclass
class ReceptionInput:
    """What the officer typed on the reception screen (plain values, unchecked)."""

    procedure_id: int | str | None = None
    applicant_kind: str = "person"
    applicant_name: str = ""
    id_number: str = ""
    date_of_birth: date | str | None = None
    phone: str = ""
    address: str = ""
    email: str = ""
    on_behalf: bool = False
    filer_name: str = ""
    filer_id_number: str = ""
    filer_phone: str = ""
    filer_address: str = ""
    channel: str = "counter"
    result_delivery: str = "counter"
    documents: list[DocumentLine] = field(default_factory=list)
    sets_count: int | str = 1
    notes: str = ""
    fee_amount: int | str | None = None
    confirm_duplicate: bool = False
    #: The queue ticket the citizen was called with («Tiếp nhận hồ sơ» on the counter page).
    queue_ticket_id: int | None = None


class TicketNotHere(ValidationError):
    """The queue ticket the reception was opened for is no longer at this officer's counter
    (finished, transferred or taken in another tab): nothing is saved, the typed form comes
    back without the ticket, and saving again receives the dossier without it."""

    def __init__(self, refusal: CounterError) -> None:
        super().__init__(
            N_(
                "%(reason)s Hồ sơ chưa được lưu; bấm «Tiếp nhận và in giấy hẹn» lần nữa để "
                "lưu hồ sơ mà không gắn với số thứ tự."
            ),
            reason=refusal.message,
        )


class DuplicateSuspected(Conflict):
    """The same person already has an open dossier for this procedure; confirm to go on.

    A conflict with the dossiers already there: the form comes back (409) with them.
    """

    def __init__(self, dossiers: list[Dossier]) -> None:
        super().__init__(
            N_(
                "Người này đang có hồ sơ cùng thủ tục chưa hoàn thành: %(codes)s. "
                "Kiểm tra lại; nếu vẫn tiếp nhận, bấm «Vẫn tiếp nhận»."
            ),
            field="confirm_duplicate",
            codes=[d.code for d in dossiers],
        )
        self.dossiers = dossiers


@dataclass
class _Clean:
    procedure: Procedure | None
    values: dict[str, Any]
    documents: list[DocumentLine]


def clean_text(value: Any) -> str:
    """A typed text in NFC, with its runs of white space made one space."""
    text = unicodedata.normalize("NFC", str(value or ""))
    return " ".join(text.split())


def check_length(errors: dict[str, str], name: str, value: str, column: Any) -> None:
    """Record ``name`` as too long for ``column`` (model attribute), unless already wrong."""
    limit = column_length(column)
    if len(value) > limit and name not in errors:
        errors[name] = too_long(limit, len(value))


def parse_date(value: date | str | None) -> date | None:
    """A date typed as dd/mm/yyyy, ddmmyyyy or yyyy-mm-dd; raises ValidationError."""
    if value is None or isinstance(value, date):
        return value
    return read_day(value, field="date_of_birth", what=N_("Ngày sinh"))


def _int(value: Any, field_name: str, message: str, *, low: int, high: int) -> int:
    if isinstance(value, bool):
        raise ValidationError(message, field=field_name)
    if isinstance(value, int):
        number = value
    else:
        text = re.sub(r"[\s.,]", "", str(value or ""))
        # more digits than the bound has is out of range (and past 4300, int() refuses)
        if not text.isdigit() or len(text.lstrip("0")) > len(str(high)):
            raise ValidationError(message, field=field_name)
        number = int(text)
    if not low <= number <= high:
        raise ValidationError(message, field=field_name)
    return number


def check_procedure(value: Any, errors: dict[str, str]) -> Procedure | None:
    """The chosen procedure, if the counter may receive it; else an entry in ``errors``."""
    try:
        procedure_id = int(str(value or "").strip())
    except ValueError:
        errors["procedure_id"] = N_("Chọn thủ tục hành chính của hồ sơ.")
        return None
    procedure = db.session.get(Procedure, procedure_id)
    if procedure is None:
        errors["procedure_id"] = N_("Không tìm thấy thủ tục đã chọn; hãy tìm và chọn lại.")
    elif not catalog_service.is_available(procedure):
        errors["procedure_id"] = N_(
            "Thủ tục này đã bị bãi bỏ hoặc không còn hiệu lực, không tiếp nhận được."
        )
    return procedure


def check_applicant(
    data: ReceptionInput, errors: dict[str, str], *, strict: bool
) -> dict[str, Any]:
    """Check the applicant block; ``strict`` (a received dossier) requires ID and address."""
    values: dict[str, Any] = {}
    kind = data.applicant_kind if data.applicant_kind in APPLICANT_KINDS else None
    if kind is None:
        errors["applicant_kind"] = N_("Chọn cá nhân hoặc tổ chức.")
        kind = "person"
    values["applicant_kind"] = kind
    values["applicant_name"] = clean_text(data.applicant_name)
    check_length(errors, "applicant_name", values["applicant_name"], Dossier.applicant_name)
    if not values["applicant_name"]:
        errors["applicant_name"] = (
            N_("Nhập họ và tên người nộp hồ sơ.")
            if kind == "person"
            else N_("Nhập tên tổ chức nộp hồ sơ.")
        )
    raw_id = (data.id_number or "").strip()
    values["id_number"] = ""
    if raw_id:
        try:
            if kind == "person":
                values["id_number"] = applicant_rules.validate_cccd(raw_id)
            else:
                values["id_number"] = applicant_rules.validate_tax_code(raw_id)
        except ValidationError as err:
            errors["id_number"] = err.message
    elif strict:
        errors["id_number"] = (
            N_("Nhập số định danh cá nhân (CCCD) 12 chữ số.")
            if kind == "person"
            else N_("Nhập mã số thuế của tổ chức.")
        )
    try:
        values["date_of_birth"] = parse_date(data.date_of_birth) if kind == "person" else None
    except ValidationError as err:
        errors["date_of_birth"] = err.message
        values["date_of_birth"] = None
    if values["date_of_birth"] and values["date_of_birth"] > clock.today():
        errors["date_of_birth"] = N_("Ngày sinh không thể sau hôm nay.")
    values["phone"] = ""
    if (data.phone or "").strip():
        try:
            values["phone"] = applicant_rules.normalize_phone(data.phone)
        except ValidationError as err:
            errors["phone"] = err.message
    values["address"] = clean_text(data.address)
    check_length(errors, "address", values["address"], Dossier.address)
    if strict and not values["address"]:
        errors["address"] = N_("Nhập địa chỉ của người nộp hồ sơ.")
    values["email"] = clean_text(data.email)
    check_length(errors, "email", values["email"], Dossier.email)
    if values["email"] and not _EMAIL_RE.match(values["email"]) and "email" not in errors:
        errors["email"] = N_("Địa chỉ thư điện tử không hợp lệ, ví dụ ten@example.com.")
    return values


def _filer(data: ReceptionInput, errors: dict[str, str]) -> dict[str, Any]:
    values = {"filer_name": "", "filer_id_number": "", "filer_phone": "", "filer_address": ""}
    if not data.on_behalf:
        return values
    values["filer_name"] = clean_text(data.filer_name)
    check_length(errors, "filer_name", values["filer_name"], Dossier.filer_name)
    if not values["filer_name"]:
        errors["filer_name"] = N_("Nhập họ và tên người nộp thay (người được ủy quyền).")
    if (data.filer_id_number or "").strip():
        try:
            values["filer_id_number"] = applicant_rules.validate_cccd(data.filer_id_number)
        except ValidationError as err:
            errors["filer_id_number"] = err.message
    if (data.filer_phone or "").strip():
        try:
            values["filer_phone"] = applicant_rules.normalize_phone(data.filer_phone)
        except ValidationError as err:
            errors["filer_phone"] = err.message
    values["filer_address"] = clean_text(data.filer_address)
    check_length(errors, "filer_address", values["filer_address"], Dossier.filer_address)
    return values


def _documents(lines: Iterable[DocumentLine], errors: dict[str, str]) -> list[DocumentLine]:
    out = []
    for index, line in enumerate(lines):
        name = clean_text(line.name)
        check_length(errors, f"documents-{index}-name", name, DossierDocument.name)
        if not name:
            if line.received:
                errors[f"documents-{index}-name"] = N_("Nhập tên giấy tờ.")
            out.append(DocumentLine(name="", received=False))  # keeps line indexes for scans
            continue
        kind = line.kind if line.kind in DOCUMENT_KINDS else "original"
        try:
            count = _int(
                line.count,
                f"documents-{index}-count",
                N_("Số lượng phải là số nguyên từ 1 đến 999."),
                low=1,
                high=999,
            )
        except ValidationError as err:
            errors[err.field or "documents"] = err.message
            count = 1
        out.append(DocumentLine(name=name, kind=kind, count=count, received=line.received))
    return out


def validate(data: ReceptionInput, *, strict: bool = True) -> _Clean:
    """Check every field; raise InvalidInput with a Vietnamese message per wrong field."""
    errors: dict[str, str] = {}
    procedure = check_procedure(data.procedure_id, errors)
    values = check_applicant(data, errors, strict=strict)
    values.update(_filer(data, errors))
    values["channel"] = data.channel if data.channel in CHANNELS else None
    if values["channel"] is None:
        errors["channel"] = N_("Chọn kênh nộp hồ sơ: tại quầy, qua bưu chính hoặc trực tuyến.")
    values["result_delivery"] = (
        data.result_delivery if data.result_delivery in RESULT_DELIVERIES else None
    )
    if values["result_delivery"] is None:
        errors["result_delivery"] = N_("Chọn cách nhận kết quả: tại quầy hoặc qua bưu chính.")
    documents = _documents(data.documents, errors)
    if strict and not any(d.received for d in documents) and "documents" not in errors:
        errors["documents"] = N_(
            "Đánh dấu ít nhất một giấy tờ đã nhận trong danh mục thành phần hồ sơ."
        )
    try:
        values["sets_count"] = _int(
            data.sets_count, "sets_count", N_("Số bộ hồ sơ phải từ 1 đến 99."), low=1, high=99
        )
    except ValidationError as err:
        errors["sets_count"] = err.message
    values["notes"] = (data.notes or "").strip()
    check_length(errors, "notes", values["notes"], Dossier.notes)
    values["fee_amount"] = None
    if data.fee_amount is not None and str(data.fee_amount).strip() != "":
        try:
            values["fee_amount"] = _int(
                data.fee_amount,
                "fee_amount",
                N_("Lệ phí phải là số tiền (đồng), ví dụ 10000 hoặc 10.000."),
                low=0,
                high=1_000_000_000,
            )
        except ValidationError as err:
            errors["fee_amount"] = err.message
    if errors:
        raise InvalidInput(errors)
    return _Clean(procedure, values, documents)


# -- use cases -------------------------------------------------------------------


def preview_due(procedure_id: int, now: datetime | None = None) -> tuple[Procedure, datetime]:
    """The due date a dossier of this procedure would get if received now."""
    procedure = db.session.get(Procedure, procedure_id)
    if procedure is None or not catalog_service.is_available(procedure):
        raise NotFound(N_("Không tìm thấy thủ tục."))
    received = now or clock.now()
    return procedure, calendar_service.due_at(
        received, procedure.limit_amount, procedure.limit_unit
    )


def open_duplicates(id_number: str, procedure_id: int) -> list[Dossier]:
    """Open dossiers of the same ID number for the same procedure (a likely double entry)."""
    if not id_number:
        return []
    # Ids and statuses first, as a plain statement: most receptions find none, and the
    # dossiers themselves are read only for the warning.
    params = {"p_id_number": id_number, "p_procedure": procedure_id}
    found = db.session.connection().execute(_SAME_PERSON, params).all()
    wanted = [row.id for row in found if is_open(row.status)]
    if not wanted:
        return []
    return list(
        db.session.scalars(
            db.select(Dossier).where(Dossier.id.in_(wanted)).order_by(Dossier.received_at.desc())
        )
    )


#: The dossiers of one ID number for one procedure (:func:`open_duplicates`).
_SAME_PERSON = db.select(Dossier.id, Dossier.status).where(
    Dossier.id_number == db.bindparam("p_id_number"),
    Dossier.procedure_id == db.bindparam("p_procedure"),
)


def search_key(*parts: str) -> str:
    """The folded search text of a dossier: code, names, phone and ID number."""
    return fold(" ".join(p for p in parts if p))


def receive(
    actor: Actor,
    data: ReceptionInput,
    uploads: list[scans.Upload] | None = None,
    *,
    now: datetime | None = None,
) -> Dossier:
    """Receive a complete dossier at the counter: code, due date, documents, scans, form 01.

    Raises InvalidInput (every wrong field), DuplicateSuspected (unless
    ``data.confirm_duplicate``) or NotAllowed; nothing is saved then.
    """
    transition(Status.SUBMITTED, Action.RECEIVE, actor.roles)
    clean = validate(data, strict=True)
    files = scans.check_uploads(list(uploads or []))
    procedure = clean.procedure
    assert procedure is not None
    if data.queue_ticket_id is not None:  # refused before anything is written
        try:
            queue.ticket_for_reception(actor, data.queue_ticket_id, now)
        except (NotAllowed, Conflict) as err:
            raise TicketNotHere(err) from err
    if not data.confirm_duplicate:
        duplicates = open_duplicates(clean.values["id_number"], procedure.id)
        if duplicates:
            raise DuplicateSuspected(duplicates)
    # Written before the transaction so the write lock is never held during file I/O.
    staged = scans.StagedFiles()
    staged.write_all(files)
    try:
        for attempt in range(_CODE_ATTEMPTS):
            try:
                with transaction():
                    stored = _create(actor, clean, staged, now)
                    if data.queue_ticket_id is not None:
                        queue.attach_dossier(actor, data.queue_ticket_id, stored["id"], now)
            except IntegrityError as err:
                if attempt + 1 == _CODE_ATTEMPTS or not _code_taken(err):
                    raise
                continue  # another writer took the code after all: take the next number
            staged.publish()
            # As stored, made after the commit (which would expire it): no query reads it again.
            return as_loaded(Dossier, stored)
    except BaseException:
        staged.discard()
        raise
    raise AssertionError("unreachable")  # pragma: no cover


def _code_taken(err: IntegrityError) -> bool:
    message = str(err.orig)
    return "uq_dossier_code" in message or "dossier.code" in message


#: A plain INSERT of a dossier, answering its row as stored (the defaults filled in).
_DOSSIER_INSERT = Dossier.__table__.insert().returning(*Dossier.__table__.c)
#: A plain INSERT of a dossier's documents.
_DOCUMENT_INSERT = DossierDocument.__table__.insert()
#: A dossier's documents in checklist order.
_DOCUMENT_IDS = (
    db.select(DossierDocument.id)
    .where(DossierDocument.dossier_id == db.bindparam("p_dossier"))
    .order_by(DossierDocument.position)
)


def _create(
    actor: Actor, clean: _Clean, staged: scans.StagedFiles, now: datetime | None
) -> dict[str, Any]:
    """Write the dossier, its documents and scans, its first event (and outbox rows) and the
    audit row; returns the dossier's row as stored.

    Plain statements on the transaction's connection: the unit of work's sorting and
    bookkeeping cost more CPU than the statements. The scans alone, rare at the counter,
    are rows of the session, written at the commit. No object of the session stands for
    the dossier until the commit: a rollback leaves none behind for a row never written."""
    procedure = clean.procedure
    assert procedure is not None
    # Numbers first: the sequence upsert is the transaction's first write (see module doc).
    received_at = (now or clock.now()).astimezone(UTC)
    local_day = clock.local_date(received_at)
    code = numbering.dossier_code(agency_id(), local_day)
    ledger = numbering.ledger_number(local_day)
    due = calendar_service.due_at(received_at, procedure.limit_amount, procedure.limit_unit)
    values = clean.values
    status = transition(Status.SUBMITTED, Action.RECEIVE, actor.roles)
    connection = db.session.connection()
    stored = dict(
        connection.execute(
            _DOSSIER_INSERT,
            {
                **values,
                "code": code,
                "procedure_id": procedure.id,
                "status": status.value,
                "received_at": received_at,
                "due_at": due,
                "original_due_at": due,
                "received_by_id": actor.user_id,
                "ledger_book": ledger.book,
                "ledger_seq": ledger.seq,
                "processing_unit": procedure.implementing_body or "",
                "search_text": search_key(
                    code,
                    values["applicant_name"],
                    values["filer_name"],
                    values["phone"],
                    values["filer_phone"],
                    values["id_number"],
                ),
            },
        )
        .one()
        ._mapping
    )
    received = [line for line in clean.documents if line.received]
    if received:
        connection.execute(
            _DOCUMENT_INSERT,
            [
                {
                    "dossier_id": stored["id"],
                    "position": position,
                    "name": line.name,
                    "kind": line.kind,
                    "count": int(line.count),
                }
                for position, line in enumerate(received)
            ],
        )
    if staged.files:
        # Upload indexes refer to checklist lines (received or not): map them to documents.
        params = {"p_dossier": stored["id"]}
        saved = iter(connection.execute(_DOCUMENT_IDS, params).scalars().all())
        by_line = [next(saved) if line.received else None for line in clean.documents]
        scans.attach(stored["id"], actor, staged, by_line)
    first_event(
        stored["id"],
        actor,
        Received(documents=len(received), attachments=len(staged.files)),
        to_status=status.value,
        due_after=due,
        form_no=Action.RECEIVE.spec.form_no,
        at=received_at,
    )
    audit.write(actor, "dossier_received", code, procedure.national_code)
    return stored


def get_procedure(procedure_id: int) -> Procedure | None:
    """A procedure by id, or None."""
    return db.session.get(Procedure, procedure_id)


def suggested_fee(procedure: Procedure) -> int | None:
    """The fee to prefill: the first fixed amount of the procedure, if any."""
    for fee in procedure.fees:
        if fee.amount is not None:
            return fee.amount
    return None
