"""Reception at the counter (tiếp nhận hồ sơ): a complete dossier, form 02 or form 03.

One use case per function, each one transaction:

* :func:`receive` creates a dossier in status ``received`` with its official
  code, ledger number, due date, documents and scans, its first event (form 01)
  and an audit row.
* :func:`record_notice` keeps a form 02 (incomplete dossier) or 03 (refusal)
  given at the counter, without creating a dossier, for the statistics.

Numbers (dossier codes, ledger numbers, notice numbers) come from the
``daily_sequence`` table, one row per key and day, bumped with a single
upsert that takes the row's lock (PostgreSQL) or the database write lock
(SQLite) before anything else is read, so counters submitting at the same
moment never get the same number. Keys used:

* ``<agency id>`` / local day: the dossier code ``{agency}-{YYMMDD}-{NNNN}``;
* ``LEDGER`` / 1 January of the year: the ledger (form 07) number, book = year;
* ``NOTICE-02`` and ``NOTICE-03`` / local day: counter notice numbers
  ``02-YYMMDD-NNNN``.

A number taken by a transaction that then fails is rolled back with it: it was
never shown or printed, so the next dossier takes it. A number once committed
is never handed out again (the sequence only grows, and a code found already
in use is skipped).

Scans (số hóa, Circular 03/2025 Art. 5) are checked by their first bytes (PDF,
JPEG, PNG), written to ``UPLOAD_DIR`` and synced under their final names before
the commit, so a crash never leaves a row without its file; if the transaction
fails the files are removed (see :mod:`counter.services.scans`).
"""

from __future__ import annotations

import hmac
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

from flask import current_app
from sqlalchemy.exc import IntegrityError

from counter.domain import applicant as applicant_rules
from counter.domain.codes import format_dossier_code, normalize_lookup_key
from counter.domain.dates import read_day
from counter.domain.errors import CounterError, NotAllowed, NotFound, ValidationError
from counter.domain.i18n import N_, Message
from counter.domain.lifecycle import Action, Status, is_open, transition
from counter.domain.text import fold, too_long
from counter.extensions import db
from counter.models import (
    Attachment,
    CounterNotice,
    DailySequence,
    Dossier,
    DossierDocument,
    DossierEvent,
    Procedure,
    utcnow,
)
from counter.models.types import column_length
from counter.services import Actor, audit, scans, transaction
from counter.services import calendar as calendar_service
from counter.services import catalog as catalog_service
from counter.services.events import append_event
from counter.services.office import get_office

APPLICANT_KINDS = ("person", "organisation")
CHANNELS = ("counter", "post", "online")
RESULT_DELIVERIES = ("counter", "post")
DOCUMENT_KINDS = ("original", "copy", "original_or_copy")
NOTICE_KINDS = {"incomplete": "02", "refused": "03"}

LEDGER_KEY = "LEDGER"
NOTICE_KEY = "NOTICE-{form}"

#: Roles that may open a dossier's scans.
ATTACHMENT_ROLES = ("reception", "specialist", "leader")
#: File types accepted for scans, by their first bytes.
SCAN_TYPES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
)
MAX_FILES = 30

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
class Upload:
    """A scan sent with the form; ``document`` is the index of its checklist line."""

    filename: str
    stream: IO[bytes]
    document: int | None = None


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


class InvalidInput(ValidationError):
    """Several fields are wrong at once; ``errors`` maps each field to its message (N_ msgids)."""

    def __init__(self, errors: dict[str, str]) -> None:
        first_field, first_message = next(iter(errors.items()))
        super().__init__(first_message, field=first_field)
        self.errors = errors


class DuplicateSuspected(CounterError):
    """The same person already has an open dossier for this procedure; confirm to go on."""

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


def _text(value: Any) -> str:
    text = unicodedata.normalize("NFC", str(value or ""))
    return " ".join(text.split())


def _check_length(errors: dict[str, str], name: str, value: str, column: Any) -> None:
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


def _procedure(value: Any, errors: dict[str, str]) -> Procedure | None:
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


def _applicant(data: ReceptionInput, errors: dict[str, str], *, strict: bool) -> dict[str, Any]:
    """Check the applicant block; ``strict`` (a received dossier) requires ID and address."""
    values: dict[str, Any] = {}
    kind = data.applicant_kind if data.applicant_kind in APPLICANT_KINDS else None
    if kind is None:
        errors["applicant_kind"] = N_("Chọn cá nhân hoặc tổ chức.")
        kind = "person"
    values["applicant_kind"] = kind
    values["applicant_name"] = _text(data.applicant_name)
    _check_length(errors, "applicant_name", values["applicant_name"], Dossier.applicant_name)
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
    if values["date_of_birth"] and values["date_of_birth"] > utcnow().date():
        errors["date_of_birth"] = N_("Ngày sinh không thể sau hôm nay.")
    values["phone"] = ""
    if (data.phone or "").strip():
        try:
            values["phone"] = applicant_rules.normalize_phone(data.phone)
        except ValidationError as err:
            errors["phone"] = err.message
    values["address"] = _text(data.address)
    _check_length(errors, "address", values["address"], Dossier.address)
    if strict and not values["address"]:
        errors["address"] = N_("Nhập địa chỉ của người nộp hồ sơ.")
    values["email"] = _text(data.email)
    _check_length(errors, "email", values["email"], Dossier.email)
    if values["email"] and not _EMAIL_RE.match(values["email"]) and "email" not in errors:
        errors["email"] = N_("Địa chỉ thư điện tử không hợp lệ, ví dụ ten@example.com.")
    return values


def _filer(data: ReceptionInput, errors: dict[str, str]) -> dict[str, Any]:
    values = {"filer_name": "", "filer_id_number": "", "filer_phone": "", "filer_address": ""}
    if not data.on_behalf:
        return values
    values["filer_name"] = _text(data.filer_name)
    _check_length(errors, "filer_name", values["filer_name"], Dossier.filer_name)
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
    values["filer_address"] = _text(data.filer_address)
    _check_length(errors, "filer_address", values["filer_address"], Dossier.filer_address)
    return values


def _documents(lines: Iterable[DocumentLine], errors: dict[str, str]) -> list[DocumentLine]:
    out = []
    for index, line in enumerate(lines):
        name = _text(line.name)
        _check_length(errors, f"documents-{index}-name", name, DossierDocument.name)
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
    procedure = _procedure(data.procedure_id, errors)
    values = _applicant(data, errors, strict=strict)
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
    _check_length(errors, "notes", values["notes"], Dossier.notes)
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


# -- scans -----------------------------------------------------------------------


@dataclass
class _CheckedFile:
    upload: Upload
    filename: str
    content_type: str
    extension: str


def _upload_dir() -> Path:
    return Path(current_app.config["UPLOAD_DIR"])


def _max_bytes() -> int:
    return int(current_app.config["UPLOAD_MAX_MB"]) * 1024 * 1024


def _safe_filename(name: str) -> str:
    base = unicodedata.normalize("NFC", os.path.basename((name or "").replace("\\", "/")))
    base = "".join(c for c in base if c.isprintable()).strip()
    return base[:255] or "tep-quet"


def check_upload(upload: Upload) -> _CheckedFile:
    """Refuse a scan that is empty, too large, or not really a PDF, JPEG or PNG."""
    name = _safe_filename(upload.filename)
    field_name = "attachments" if upload.document is None else f"documents-{upload.document}-files"
    stream = upload.stream
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    if size == 0:
        raise ValidationError(N_("Tệp '%(name)s' rỗng; hãy quét lại."), field=field_name, name=name)
    if size > _max_bytes():
        raise ValidationError(
            N_(
                "Tệp '%(name)s' quá lớn (%(size)s MB); mỗi tệp tối đa %(max)s MB. "
                "Hãy quét ở độ phân giải thấp hơn hoặc chia nhỏ tệp."
            ),
            field=field_name,
            name=name,
            size=f"{size / 1048576:.1f}",
            max=current_app.config["UPLOAD_MAX_MB"],
        )
    head = stream.read(16)
    stream.seek(0)
    for magic, content_type, extension in SCAN_TYPES:
        if head.startswith(magic):
            return _CheckedFile(upload, name, content_type, extension)
    raise ValidationError(
        N_(
            "Tệp '%(name)s' không phải tệp PDF, JPEG hoặc PNG thật (nội dung không khớp). "
            "Chỉ nhận bản quét dạng PDF, JPEG hoặc PNG."
        ),
        field=field_name,
        name=name,
    )


def _check_uploads(uploads: list[Upload]) -> list[_CheckedFile]:
    errors: dict[str, str] = {}
    checked = []
    if len(uploads) > MAX_FILES:
        raise InvalidInput(
            {"attachments": Message(N_("Mỗi lần chỉ gửi tối đa %(n)s tệp quét."), n=MAX_FILES)}
        )
    total, over, budget = 0, False, int(current_app.config["UPLOAD_TOTAL_MB"]) * 1024 * 1024
    for upload in uploads:
        try:
            checked.append(check_upload(upload))
        except ValidationError as err:
            errors.setdefault(err.field or "attachments", err.message)
            continue
        upload.stream.seek(0, os.SEEK_END)
        total += upload.stream.tell()
        upload.stream.seek(0)
        if total > budget and not over:  # the file that passes the budget is named
            over = True
            name = checked[-1].filename
            field_name = (
                "attachments" if upload.document is None else f"documents-{upload.document}-files"
            )
            errors.setdefault(
                field_name,
                Message(
                    N_(
                        "Tệp '%(name)s' vượt quá tổng dung lượng các tệp quét của một lần gửi "
                        "(tối đa %(max)s MB; đến tệp này là %(total)s MB). Hãy quét ở độ phân "
                        "giải thấp hơn, hoặc thêm tệp này sau ở trang hồ sơ."
                    ),
                    name=name,
                    max=current_app.config["UPLOAD_TOTAL_MB"],
                    total=f"{total / 1048576:.1f}",
                ),
            )
    if errors:
        raise InvalidInput(errors)
    return checked


@dataclass
class _Staged:
    checked: _CheckedFile
    stored_name: str
    size: int
    sha256: str


class _StagedFiles:
    """Scans written and synced under their final names before the commit (see scans)."""

    def __init__(self) -> None:
        self.files: list[_Staged] = []
        self.batch = scans.ScanBatch(_upload_dir())

    def write_all(self, files: list[_CheckedFile]) -> None:
        try:
            stored = self.batch.write([(c.upload.stream, c.extension) for c in files])
        except OSError as err:
            current_app.logger.error("cannot store a scan: %s", err)
            raise ValidationError(
                N_(
                    "Không lưu được tệp quét vào máy (thư mục lưu tệp không ghi được hoặc ổ đĩa "
                    "đầy). Hồ sơ chưa được lưu; báo quản trị viên."
                ),
                field="attachments",
            ) from None
        self.files = [
            _Staged(c, s.stored_name, s.size, s.sha256) for c, s in zip(files, stored, strict=True)
        ]

    def publish(self) -> None:
        """The rows are committed."""
        self.batch.committed()
        self.files.clear()

    def discard(self) -> None:
        """The transaction failed: its files go (unless a row refers to them after all)."""
        self.batch.abandon()
        self.files.clear()


def _attach(
    dossier: Dossier,
    actor: Actor,
    staged: _StagedFiles,
    documents: list[DossierDocument | None],
) -> list[Attachment]:
    rows = []
    for item in staged.files:
        index = item.checked.upload.document
        document = documents[index] if index is not None and 0 <= index < len(documents) else None
        if document is not None and document.id is None:
            db.session.flush()  # the document's id
        row = Attachment(
            dossier=dossier,
            document_id=document.id if document is not None else None,
            filename=item.checked.filename,
            stored_name=item.stored_name,
            content_type=item.checked.content_type,
            size=item.size,
            sha256=item.sha256,
            uploaded_by_id=actor.user_id,
        )
        db.session.add(row)
        rows.append(row)
    return rows


def attachment_path(attachment: Attachment) -> Path:
    """Where a scan is stored; never outside UPLOAD_DIR."""
    root = _upload_dir().resolve()
    path = (root / attachment.stored_name).resolve()
    if root not in path.parents:
        raise NotFound(N_("Không tìm thấy tệp quét."))
    return path


def open_attachment(actor: Actor, attachment_id: int) -> tuple[Attachment, Path]:
    """A scan for a staff member to view; the access is audited (it is personal data)."""
    if not actor.has_role(*ATTACHMENT_ROLES):
        raise NotAllowed(N_("Bạn không có quyền xem tệp quét của hồ sơ."))
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFound(N_("Không tìm thấy tệp quét."))
    path = attachment_path(attachment)
    if not path.is_file():
        raise NotFound(
            N_(
                "Tệp quét không còn trên máy (có thể đã bị xóa hoặc chưa được khôi phục). "
                "Báo quản trị viên."
            )
        )
    with transaction():
        audit.record(
            actor,
            "attachment_viewed",
            attachment.dossier.code,
            f"{attachment.filename} (#{attachment.id})",
        )
    return attachment, path


def add_attachments(actor: Actor, dossier_id: int, uploads: list[Upload]) -> list[Attachment]:
    """Attach more scans to a dossier already received (digitising after the counter)."""
    if not actor.has_role("reception", "specialist"):
        raise NotAllowed(N_("Bạn không có quyền thêm tệp quét cho hồ sơ."))
    dossier = db.session.get(Dossier, dossier_id)
    if dossier is None:
        raise NotFound(N_("Không tìm thấy hồ sơ."))
    if not uploads:
        raise InvalidInput({"attachments": N_("Chọn ít nhất một tệp quét.")})
    files = _check_uploads(uploads)
    staged = _StagedFiles()
    staged.write_all(files)
    try:
        with transaction():
            rows = _attach(dossier, actor, staged, list(dossier.documents))
            audit.record(actor, "attachment_added", dossier.code, f"{len(rows)} tệp")
    except BaseException:
        staged.discard()
        raise
    staged.publish()
    return rows


# -- numbers ---------------------------------------------------------------------


def next_number(key: str, day: date) -> int:
    """Take the next number of the (key, day) sequence inside the current transaction.

    One upsert that locks the row until commit (PostgreSQL) or takes SQLite's write
    lock (it is a write, and the first write of the transaction), so concurrent
    transactions wait for each other instead of reading the same value.
    """
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    else:  # pragma: no cover - the app supports SQLite and PostgreSQL
        raise RuntimeError(f"unsupported database {dialect}")
    statement = (
        insert(DailySequence)
        .values(agency_id=key, day=day, last_seq=1)
        .on_conflict_do_update(
            index_elements=[DailySequence.agency_id, DailySequence.day],
            set_={"last_seq": DailySequence.last_seq + 1},
        )
        .returning(DailySequence.last_seq)
    )
    return int(db.session.execute(statement).scalar_one())


def _local(instant: datetime) -> datetime:
    return calendar_service.local_naive(instant)


def _allocate_code(agency_id: str, day: date) -> str:
    while True:
        code = format_dossier_code(agency_id, day, next_number(agency_id, day))
        taken = db.session.scalar(db.select(Dossier.id).where(Dossier.code == code))
        if taken is None:
            return code


# -- use cases -------------------------------------------------------------------


def preview_due(procedure_id: int, now: datetime | None = None) -> tuple[Procedure, datetime]:
    """The due date a dossier of this procedure would get if received now."""
    procedure = db.session.get(Procedure, procedure_id)
    if procedure is None or not catalog_service.is_available(procedure):
        raise NotFound(N_("Không tìm thấy thủ tục."))
    received = now or utcnow()
    return procedure, calendar_service.due_at(
        received, procedure.limit_amount, procedure.limit_unit
    )


def open_duplicates(id_number: str, procedure_id: int) -> list[Dossier]:
    """Open dossiers of the same ID number for the same procedure (a likely double entry)."""
    if not id_number:
        return []
    rows = db.session.scalars(
        db.select(Dossier)
        .where(Dossier.id_number == id_number, Dossier.procedure_id == procedure_id)
        .order_by(Dossier.received_at.desc())
    ).all()
    return [d for d in rows if is_open(d.status)]


def search_key(*parts: str) -> str:
    """The folded search text of a dossier: code, names, phone and ID number."""
    return fold(" ".join(p for p in parts if p))


def receive(
    actor: Actor,
    data: ReceptionInput,
    uploads: list[Upload] | None = None,
    *,
    now: datetime | None = None,
) -> Dossier:
    """Receive a complete dossier at the counter: code, due date, documents, scans, form 01.

    Raises InvalidInput (every wrong field), DuplicateSuspected (unless
    ``data.confirm_duplicate``) or NotAllowed; nothing is saved then.
    """
    transition(Status.SUBMITTED, Action.RECEIVE, actor.roles)
    clean = validate(data, strict=True)
    files = _check_uploads(list(uploads or []))
    procedure = clean.procedure
    assert procedure is not None
    if not data.confirm_duplicate:
        duplicates = open_duplicates(clean.values["id_number"], procedure.id)
        if duplicates:
            raise DuplicateSuspected(duplicates)
    # Written before the transaction so the write lock is never held during file I/O.
    staged = _StagedFiles()
    staged.write_all(files)
    try:
        for attempt in range(_CODE_ATTEMPTS):
            try:
                with transaction():
                    dossier = _create(actor, clean, staged, now)
            except IntegrityError as err:
                if attempt + 1 == _CODE_ATTEMPTS or not _code_taken(err):
                    raise
                continue  # another writer took the code after all: take the next number
            staged.publish()
            return dossier
    except BaseException:
        staged.discard()
        raise
    raise AssertionError("unreachable")  # pragma: no cover


def _code_taken(err: IntegrityError) -> bool:
    message = str(err.orig)
    return "uq_dossier_code" in message or "dossier.code" in message


def _create(actor: Actor, clean: _Clean, staged: _StagedFiles, now: datetime | None) -> Dossier:
    procedure = clean.procedure
    assert procedure is not None
    office = get_office()
    # Numbers first: the sequence upsert is the transaction's first write (see module doc).
    received_at = (now or utcnow()).astimezone(UTC)
    local_day = _local(received_at).date()
    code = _allocate_code(office.agency_id, local_day)
    ledger_seq = next_number(LEDGER_KEY, date(local_day.year, 1, 1))
    due = calendar_service.due_at(received_at, procedure.limit_amount, procedure.limit_unit)
    values = clean.values
    status = transition(Status.SUBMITTED, Action.RECEIVE, actor.roles)
    dossier = Dossier(
        code=code,
        procedure=procedure,
        status=status.value,
        received_at=received_at,
        due_at=due,
        original_due_at=due,
        received_by_id=actor.user_id,
        ledger_book=str(local_day.year),
        ledger_seq=ledger_seq,
        processing_unit=procedure.implementing_body or "",
        search_text=search_key(
            code,
            values["applicant_name"],
            values["filer_name"],
            values["phone"],
            values["filer_phone"],
            values["id_number"],
        ),
        **values,
    )
    db.session.add(dossier)
    documents = []
    position = 0
    for line in clean.documents:
        if not line.received:
            continue
        document = DossierDocument(
            dossier=dossier,
            position=position,
            name=line.name,
            kind=line.kind,
            count=int(line.count),
        )
        position += 1
        documents.append(document)
        db.session.add(document)
    # Upload indexes refer to checklist lines (received or not); map them to saved documents.
    saved = iter(documents)
    by_line = [next(saved) if line.received else None for line in clean.documents]
    attachments = _attach(dossier, actor, staged, by_line)
    append_event(
        dossier,
        actor,
        Action.RECEIVE.value,
        from_status=None,
        to_status=status.value,
        due_after=due,
        form_no="01",
        detail={"documents": len(documents), "attachments": len(attachments)},
        at=received_at,
    )
    audit.record(actor, "dossier_received", code, procedure.national_code)
    db.session.flush()
    return dossier


def notice_items(data: ReceptionInput, extra: str = "") -> list[str]:
    """What a form 02 asks for: checklist lines not received, then the typed lines."""
    items = [_text(line.name) for line in data.documents if not line.received and _text(line.name)]
    items.extend(t for t in (_text(x) for x in (extra or "").splitlines()) if t)
    return items


def record_notice(
    actor: Actor,
    kind: str,
    data: ReceptionInput,
    *,
    items: list[str] | None = None,
    reason: str = "",
    now: datetime | None = None,
) -> CounterNotice:
    """Keep a form 02 (``incomplete``) or 03 (``refused``) given at the counter.

    No dossier is created; the notice is numbered ``02-YYMMDD-NNNN`` /
    ``03-YYMMDD-NNNN`` and counted in the statistics.
    """
    if kind not in NOTICE_KINDS:
        raise ValidationError(N_("Loại phiếu không hợp lệ."), field="kind")
    transition(Status.SUBMITTED, Action.REFUSE, actor.roles)  # the counter's roles
    errors: dict[str, str] = {}
    procedure = None
    if str(data.procedure_id or "").strip() or kind == "incomplete":
        procedure = _procedure(data.procedure_id, errors)
    values = _applicant(data, errors, strict=False)
    items = [t for t in (_text(i) for i in (items or [])) if t]
    for item in items:
        _check_length(errors, "notice_items", item, DossierDocument.name)
    _check_length(errors, "notice_items", "\n".join(items), CounterNotice.items)
    reason = (reason or "").strip()
    _check_length(errors, "reason", reason, CounterNotice.reason)
    if kind == "incomplete" and not items:
        errors["notice_items"] = N_(
            "Ghi rõ giấy tờ cần bổ sung, hoàn thiện (bỏ đánh dấu giấy tờ còn thiếu "
            "hoặc nhập từng nội dung một dòng)."
        )
    if kind == "refused" and not reason and "reason" not in errors:
        errors["reason"] = N_("Ghi rõ lý do từ chối tiếp nhận hồ sơ.")
    if errors:
        raise InvalidInput(errors)
    form_no = NOTICE_KINDS[kind]
    at = (now or utcnow()).astimezone(UTC)
    local_day = _local(at).date()
    with transaction():
        seq = next_number(NOTICE_KEY.format(form=form_no), local_day)
        notice = CounterNotice(
            number=f"{form_no}-{local_day:%y%m%d}-{seq:04d}",
            kind=kind,
            at=at,
            user_id=actor.user_id,
            procedure_id=procedure.id if procedure else None,
            applicant_name=values["applicant_name"],
            id_number=values["id_number"],
            phone=values["phone"],
            address=values["address"],
            email=values["email"],
            items=items,
            reason=reason,
        )
        db.session.add(notice)
        audit.record(
            actor,
            "notice_incomplete" if kind == "incomplete" else "notice_refused",
            notice.number,
            procedure.national_code if procedure else "",
        )
    return notice


def get_notice(notice_id: int) -> CounterNotice:
    """A counter notice, for its confirmation or print page."""
    notice = db.session.get(CounterNotice, notice_id)
    if notice is None:
        raise NotFound(N_("Không tìm thấy phiếu."))
    return notice


def find_by_code(code: str) -> Dossier | None:
    """The dossier with this code (typed or scanned, any case), or None."""
    value = (code or "").strip().upper()
    if not value or len(value) > 64:
        return None
    return db.session.scalar(db.select(Dossier).where(Dossier.code == value))


def get_procedure(procedure_id: int) -> Procedure | None:
    """A procedure by id, or None."""
    return db.session.get(Procedure, procedure_id)


def is_available(procedure: Procedure) -> bool:
    """Whether the counter may receive this procedure today (active and in force)."""
    return catalog_service.is_available(procedure)


def procedure_choices() -> list[Procedure]:
    """Procedures the counter may receive today, for the plain select (page without JavaScript)."""
    return catalog_service.list_procedures()


def find_procedures(query: str, limit: int = 20) -> list[Procedure]:
    """Procedures matching a code or a name typed with or without diacritics."""
    return catalog_service.search_procedures(query, limit=limit)


def suggested_fee(procedure: Procedure) -> int | None:
    """The fee to prefill: the first fixed amount of the procedure, if any."""
    for fee in procedure.fees:
        if fee.amount is not None:
            return fee.amount
    return None


# -- public look-up ----------------------------------------------------------------


@dataclass(frozen=True)
class PublicStatus:
    """What the public look-up page may show: no ID number, phone or address of the citizen.

    The office's own phone and address are shown: whom to call, where to go. The
    masked name, the procedure and the supplement's reason are filled only when the
    slip's look-up key came with the code (``verified``): codes can be guessed.
    """

    code: str
    procedure_name: str
    status: str
    status_label: str
    masked_name: str
    received_at: datetime
    due_at: datetime
    resolved_at: datetime | None
    returned_at: datetime | None
    result_delivery: str
    overdue: bool = False
    supplement_items: list[str] = field(default_factory=list)
    supplement_reason: str = ""
    office_name: str = ""
    office_phone: str = ""
    office_address: str = ""
    verified: bool = False

    @property
    def result_ready(self) -> bool:
        """The result waits at the counter (or has gone by post)."""
        return self.status == Status.RESOLVED.value

    @property
    def supplement_requested(self) -> bool:
        """The citizen must bring documents; the clock is paused until then."""
        return self.status == Status.SUPPLEMENT_REQUESTED.value


def _last_supplement_request(dossier: Dossier) -> DossierEvent | None:
    requests = [e for e in dossier.events if e.action == Action.REQUEST_SUPPLEMENT.value]
    return requests[-1] if requests else None


def key_matches(dossier: Dossier, typed: str) -> bool:
    """Whether ``typed`` is the dossier's look-up key (any case; compared in constant time)."""
    key = normalize_lookup_key(typed)
    return bool(key) and hmac.compare_digest(key.encode(), (dossier.lookup_key or "").encode())


def public_status(code: str, key: str = "", now: datetime | None = None) -> PublicStatus:
    """A dossier as a citizen may see it from the slip's QR code; NotFound if unknown.

    Without the right ``key`` only what any holder of the code needs: status,
    dates, what to bring and whom to call; with it, the masked name, the
    procedure and the reason of a supplement request too. A wrong key answers
    exactly as no key. During a supplement request it carries the items of
    form 02; a dossier still in processing after its due date is ``overdue``.
    """
    dossier = find_by_code(code)
    if dossier is None or dossier.status == Status.SUBMITTED.value:
        raise NotFound(N_("Không tìm thấy hồ sơ có mã này. Kiểm tra lại mã trên giấy hẹn."))
    verified = key_matches(dossier, key)
    status = Status(dossier.status)
    office = get_office()
    request = _last_supplement_request(dossier) if status is Status.SUPPLEMENT_REQUESTED else None
    running = status in (Status.RECEIVED, Status.IN_PROGRESS)
    return PublicStatus(
        code=dossier.code,
        procedure_name=dossier.procedure.name if verified else "",
        status=status.value,
        status_label=status.label,
        masked_name=applicant_rules.mask_name(dossier.applicant_name) if verified else "",
        received_at=dossier.received_at,
        due_at=dossier.due_at,
        resolved_at=dossier.resolved_at,
        returned_at=dossier.returned_at,
        result_delivery=dossier.result_delivery,
        overdue=running and (now or utcnow()) > dossier.due_at,
        supplement_items=list((request.detail or {}).get("items") or []) if request else [],
        supplement_reason=request.note if request and verified else "",
        office_name=office.name,
        office_phone=office.phone,
        office_address=office.address,
        verified=verified,
    )
