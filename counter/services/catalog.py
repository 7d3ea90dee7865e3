"""The procedure catalog (danh mục TTHC): search, import under a decision, edit, demo data.

Parsing and diffing are pure (``counter.domain.catalog``); this module reads the
stored catalog, writes it in one transaction per use case and keeps the history
in the audit log (target ``procedure:<national code>``).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from sqlalchemy import or_
from sqlalchemy.orm import selectinload

from counter.domain import catalog as dcat
from counter.domain import clock
from counter.domain.catalog import (
    CatalogDiff,
    Fee,
    ImportResult,
    ProcedureRecord,
    RequiredDocument,
    diff_catalog,
)
from counter.domain.errors import Conflict, NotFound, ValidationError
from counter.domain.i18n import N_, Message
from counter.domain.imports import ImportPreview, ImportRefused
from counter.domain.text import check_search_words, fold
from counter.extensions import db
from counter.models import AuditEntry, CatalogImport, Procedure, ProcedureDocument, ProcedureFee
from counter.services import Actor, audit, setup_cache, transaction

#: Largest catalog file accepted (a full provincial catalog is well under 1 MB).
MAX_IMPORT_BYTES = 5 * 1024 * 1024
IMPORT_TYPES = (".csv", ".xlsx", ".json")

#: Attribute labels, for "changed: name, fees" in the preview and the history.
FIELD_LABELS: dict[str, str] = {
    "national_code": N_("Mã TTHC"),
    "local_code": N_("Mã TTHC địa phương"),
    "name": N_("Tên thủ tục"),
    "field_code": N_("Mã lĩnh vực"),
    "field_name": N_("Lĩnh vực"),
    "limit_amount": N_("Thời hạn"),
    "limit_unit": N_("Đơn vị thời hạn"),
    "limit_note": N_("Ghi chú thời hạn"),
    "fees": N_("Phí, lệ phí"),
    "documents": N_("Thành phần hồ sơ"),
    "result_name": N_("Kết quả"),
    "service_level": N_("Mức độ trực tuyến"),
    "implementing_body": N_("Cơ quan thực hiện"),
    "legal_basis": N_("Căn cứ pháp lý"),
    "active": N_("Trạng thái"),
    "effective_from": N_("Hiệu lực từ"),
    "effective_to": N_("Hiệu lực đến"),
    "replaced_by": N_("Thay thế bởi"),
}

DEMO_DECISION = "Danh mục mẫu (dùng thử)"


def target(national_code: str) -> str:
    """The audit target of a procedure."""
    return f"procedure:{national_code}"


# --- reading -----------------------------------------------------------------


def get_procedure(procedure_id: int) -> Procedure:
    """One procedure (abolished ones too: old dossiers point to them)."""
    procedure = db.session.get(Procedure, procedure_id)
    if procedure is None:
        raise NotFound(N_("Không tìm thấy thủ tục."))
    return procedure


def get_by_code(national_code: str) -> Procedure | None:
    """The procedure with this national code, or None."""
    return db.session.scalar(
        db.select(Procedure).where(Procedure.national_code == national_code.strip())
    )


def _available(query: Any, on: date | None = None) -> Any:
    """Only procedures a counter may receive today: active and in force."""
    today = on or clock.today()
    return query.where(
        Procedure.active.is_(True),
        or_(Procedure.effective_from.is_(None), Procedure.effective_from <= today),
        or_(Procedure.effective_to.is_(None), Procedure.effective_to >= today),
    )


def status(procedure: Procedure, on: date | None = None) -> str:
    """``active``, ``abolished``, ``not_yet`` (before its effective date) or ``expired``."""
    today = on or clock.today()
    if not procedure.active:
        return "abolished"
    if procedure.effective_from and procedure.effective_from > today:
        return "not_yet"
    if procedure.effective_to and procedure.effective_to < today:
        return "expired"
    return "active"


def is_available(procedure: Procedure, on: date | None = None) -> bool:
    """True when the counter may receive this procedure (active and in force) on ``on``."""
    return status(procedure, on) == "active"


def list_procedures(
    field_code: str | None = None, include_inactive: bool = False, only_inactive: bool = False
) -> list[Procedure]:
    """The catalog by field then code; abolished and not-in-force ones only if asked."""
    query = db.select(Procedure)
    if only_inactive:
        query = query.where(Procedure.active.is_(False))
    elif not include_inactive:
        query = _available(query)
    if field_code:
        query = query.where(Procedure.field_code == field_code)
    return list(
        db.session.scalars(query.order_by(Procedure.field_name, Procedure.national_code)).all()
    )


def list_fields() -> tuple[tuple[str, str], ...]:
    """(field code, field name) pairs present in the catalog, by name (every worklist page's
    filter: this process's copy while the setup's version stands, migration 0024)."""
    return setup_cache.cached("catalog_fields", _load_fields)


def _load_fields() -> tuple[tuple[str, str], ...]:
    rows = db.session.execute(
        db.select(Procedure.field_code, Procedure.field_name)
        .where(Procedure.field_code != "")
        .distinct()
        .order_by(Procedure.field_name)
    ).all()
    return tuple((code, name) for code, name in rows)


_CODE_LIKE = re.compile(r"^\d[\d.]*$")


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


_NOWHERE = 10**6  # rank position of a query that is not a phrase of the name


def search_procedures(
    query: str, limit: int = 20, include_inactive: bool = False
) -> list[Procedure]:
    """Procedures by code prefix or by name words typed with or without diacritics.

    Code matches come first, then names starting with the query, then names
    holding every word (as a word start), then other matches (field name).
    An empty query lists procedures by name; more than ten words is a ValidationError.
    """
    folded = fold(query or "")
    base = db.select(Procedure)
    if not include_inactive:
        base = _available(base)
    if not folded:
        rows = db.session.scalars(base.order_by(Procedure.name)).all()
        return sorted(rows, key=lambda p: fold(p.name))[:limit]
    words = folded.split()
    check_search_words(words)
    code_prefix = _like_escape(folded) + "%"
    conditions = [Procedure.search_text.like(f"%{_like_escape(w)}%", escape="\\") for w in words]
    by_code = [
        Procedure.national_code.like(code_prefix, escape="\\"),
        db.func.lower(Procedure.local_code).like(code_prefix, escape="\\"),
    ]
    if not _CODE_LIKE.match(folded):
        by_code.append(db.and_(*conditions))  # "2.00" is a code, not words in a name
    candidates = db.session.scalars(base.where(or_(*by_code))).all()

    def rank(p: Procedure) -> tuple[int, int, str]:
        name = fold(p.name)
        name_words = name.split()
        codes = (p.national_code.lower(), (p.local_code or "").lower())
        if folded in codes:
            score = 0
        elif any(c.startswith(folded) for c in codes if c):
            score = 1
        elif name.startswith(folded):
            score = 2
        elif all(any(nw.startswith(w) for nw in name_words) for w in words):
            score = 3
        elif all(w in name for w in words):
            score = 4
        else:
            score = 5
        # Within a score, the query as a phrase early in the name first: "khai sinh" finds
        # "Đăng ký khai sinh" before "Cấp bản sao …, bản sao Giấy khai sinh".
        phrase_at = name.find(folded)
        return score, phrase_at if phrase_at >= 0 else _NOWHERE, name

    return sorted(candidates, key=rank)[:limit]


def history(procedure: Procedure, limit: int = 50) -> list[AuditEntry]:
    """Imports and edits of a procedure, newest first."""
    return list(
        db.session.scalars(
            db.select(AuditEntry)
            .where(AuditEntry.target == target(procedure.national_code))
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .limit(limit)
        ).all()
    )


def get_import(import_id: int | None) -> CatalogImport | None:
    """One recorded import, or None."""
    return db.session.get(CatalogImport, import_id) if import_id else None


def replaced_procedures(procedure: Procedure) -> list[Procedure]:
    """The procedures this one replaced (they point to it)."""
    return list(
        db.session.scalars(
            db.select(Procedure)
            .where(Procedure.replaced_by_id == procedure.id)
            .order_by(Procedure.national_code)
        ).all()
    )


def list_imports(limit: int = 100) -> list[CatalogImport]:
    """Past imports, newest first."""
    return list(
        db.session.scalars(
            db.select(CatalogImport)
            .order_by(CatalogImport.at.desc(), CatalogImport.id.desc())
            .limit(limit)
        ).all()
    )


# --- records <-> rows --------------------------------------------------------


def to_record(procedure: Procedure) -> ProcedureRecord:
    """The stored procedure as a domain record, for diffing."""
    return ProcedureRecord(
        national_code=procedure.national_code,
        name=procedure.name,
        local_code=procedure.local_code,
        field_code=procedure.field_code,
        field_name=procedure.field_name,
        limit_amount=Decimal(procedure.limit_amount),
        limit_unit=procedure.limit_unit,
        limit_note=procedure.limit_note,
        fees=[Fee(f.amount, f.description) for f in procedure.fees],
        documents=[RequiredDocument(d.name, d.kind, d.count, d.code) for d in procedure.documents],
        result_name=procedure.result_name,
        service_level=procedure.service_level,
        implementing_body=procedure.implementing_body,
        legal_basis=procedure.legal_basis,
        active=procedure.active,
        effective_from=procedure.effective_from,
        effective_to=procedure.effective_to,
        replaced_by=procedure.replaced_by.national_code if procedure.replaced_by else None,
    )


def existing_records() -> dict[str, ProcedureRecord]:
    """The whole stored catalog as records by national code."""
    query = db.select(Procedure).options(
        selectinload(Procedure.documents),
        selectinload(Procedure.fees),
        selectinload(Procedure.replaced_by),
    )
    return {p.national_code: to_record(p) for p in db.session.scalars(query)}


def _search_text(procedure: Procedure) -> str:
    return fold(
        " ".join(
            [
                procedure.national_code,
                procedure.local_code or "",
                procedure.name,
                procedure.field_name,
            ]
        )
    )


_SCALARS = (
    "name",
    "local_code",
    "field_code",
    "field_name",
    "limit_amount",
    "limit_unit",
    "limit_note",
    "result_name",
    "service_level",
    "implementing_body",
    "legal_basis",
    "effective_from",
    "effective_to",
)


def upsert_from_record(
    record: ProcedureRecord,
    import_: CatalogImport | None = None,
    columns: frozenset[str] | None = None,
) -> Procedure:
    """Create or update the procedure of ``record`` in the current transaction.

    Only ``columns`` (those the file carried; all when None) are written, so a
    file without a fee column leaves fees alone. ``replaced_by`` is linked by
    :func:`link_replacements` once every row of the file is in. The caller commits.
    """
    procedure = get_by_code(record.national_code)
    if procedure is None:
        procedure = Procedure(national_code=record.national_code, name=record.name)
        db.session.add(procedure)
        columns = None  # a new procedure takes every attribute, defaults included

    def wanted(attr: str) -> bool:
        return columns is None or attr in columns

    for attr in _SCALARS:
        if wanted(attr):
            setattr(procedure, attr, getattr(record, attr))
    if wanted("documents"):
        procedure.documents = [
            ProcedureDocument(position=i, code=d.code, name=d.name, kind=d.kind, count=d.count)
            for i, d in enumerate(record.documents)
        ]
    if wanted("fees"):
        procedure.fees = [
            ProcedureFee(position=i, amount=f.amount, description=f.description)
            for i, f in enumerate(record.fees)
        ]
    if wanted("active"):
        if procedure.active is not False and not record.active:
            procedure.abolished_at = clock.now()
        elif record.active:
            procedure.abolished_at = None
        procedure.active = record.active
    if wanted("replaced_by") and not record.replaced_by:
        procedure.replaced_by = None
    procedure.search_text = _search_text(procedure)
    if import_ is not None:
        procedure.last_import_id = import_.id
    return procedure


def link_replacements(records: list[ProcedureRecord]) -> list[str]:
    """Point procedures at their replacements; returns the codes that could not be found."""
    db.session.flush()
    missing = []
    for record in records:
        if not record.replaced_by:
            continue
        procedure = get_by_code(record.national_code)
        replacement = get_by_code(record.replaced_by)
        if procedure is None:
            continue
        if replacement is None or replacement.id == procedure.id:
            missing.append(record.replaced_by)
            continue
        procedure.replaced_by = replacement
    return missing


# --- import ------------------------------------------------------------------


@dataclass
class ChangedRow:
    """A changed procedure with the labels of what changed."""

    record: ProcedureRecord
    fields: list[str]

    @property
    def labels(self) -> list[str]:
        return [FIELD_LABELS.get(f, f) for f in self.fields]


@dataclass
class CatalogPreview(ImportPreview[ProcedureRecord]):
    """What an import would do: its line errors (then nothing can be saved) or the changes."""

    filename: str = ""
    diff: CatalogDiff = field(default_factory=CatalogDiff)
    changed: list[ChangedRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    columns: frozenset[str] = frozenset()

    @property
    def has_changes(self) -> bool:
        """Whether applying the file would change the catalog."""
        return bool(self.diff.new or self.diff.changed or self.diff.abolished)

    @property
    def can_apply(self) -> bool:
        """Whether the file has no error and changes something."""
        return self.ok and self.has_changes

    @property
    def digest(self) -> str:
        """A fingerprint of the changes, so a confirm applies what was previewed."""
        parts = [
            "new:" + ",".join(r.national_code for r in self.diff.new),
            "changed:"
            + ",".join(f"{c.record.national_code}={'+'.join(c.fields)}" for c in self.diff.changed),
            "abolished:" + ",".join(r.national_code for r in self.diff.abolished),
        ]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def _extension(filename: str) -> str:
    return PurePath(filename or "").suffix.lower()


def parse_upload(filename: str, data: bytes) -> ImportResult:
    """Parse an uploaded catalog by its extension; refuses other types and oversize files."""
    ext = _extension(filename)
    if ext == ".xls":
        raise ValidationError(
            N_(
                "Tệp .xls (Excel 97-2003) chưa được hỗ trợ. Hãy mở bằng Excel và lưu thành "
                ".xlsx hoặc CSV UTF-8."
            ),
            field="file",
        )
    if ext not in IMPORT_TYPES:
        raise ValidationError(
            N_("Chỉ nhận tệp .csv, .xlsx hoặc .json theo mẫu danh mục thủ tục."), field="file"
        )
    if not data:
        raise ValidationError(N_("Tệp tải lên rỗng."), field="file")
    if len(data) > MAX_IMPORT_BYTES:
        raise ValidationError(
            N_("Tệp quá lớn (tối đa %(mb)s MB) cho một danh mục thủ tục."),
            field="file",
            mb=MAX_IMPORT_BYTES // 2**20,
        )
    if ext == ".csv":
        return dcat.parse_csv(data)
    if ext == ".xlsx":
        return dcat.parse_xlsx(data)
    return dcat.parse_json(data)


def _unresolved_replacements(
    records: list[ProcedureRecord], known: dict[str, ProcedureRecord]
) -> list[str]:
    in_file = {r.national_code for r in records}
    return [
        Message(
            N_(
                "Thủ tục %(code)s: chưa có thủ tục thay thế %(replacement)s trong danh mục "
                "hoặc trong tệp; liên kết thay thế sẽ để trống."
            ),
            code=r.national_code,
            replacement=r.replaced_by,
        )
        for r in records
        if r.replaced_by and r.replaced_by not in in_file and r.replaced_by not in known
    ]


def preview_import(filename: str, data: bytes) -> CatalogPreview:
    """Read a file and compare it with the stored catalog; writes nothing."""
    result = parse_upload(filename, data)
    preview = CatalogPreview(
        rows=result.records,
        errors=list(result.errors),
        filename=filename,
        columns=result.columns,
    )
    if not result.ok:
        return preview
    known = existing_records()
    preview.diff = diff_catalog(known, result.records, result.columns)
    preview.changed = [ChangedRow(c.record, c.fields) for c in preview.diff.changed]
    preview.warnings = _unresolved_replacements(result.records, known)
    return preview


def check_decision(decision_number: str, decision_date: date | None) -> str:
    """The cleaned decision number; both are required to record an import."""
    number = " ".join((decision_number or "").split())
    if not number:
        raise ValidationError(
            N_("Vui lòng nhập số quyết định công bố, ví dụ QĐ 1234/QĐ-UBND."),
            field="decision_number",
        )
    if len(number) > 100:
        raise ValidationError(N_("Số quyết định dài quá 100 ký tự."), field="decision_number")
    if decision_date is None:
        raise ValidationError(N_("Vui lòng nhập ngày ký quyết định."), field="decision_date")
    if decision_date > clock.today():
        raise ValidationError(N_("Ngày quyết định không được sau hôm nay."), field="decision_date")
    return number


def apply_import(
    actor: Actor,
    filename: str,
    data: bytes,
    decision_number: str,
    decision_date: date | None,
    expect_digest: str | None = None,
) -> CatalogImport:
    """Apply a catalog file in one transaction: new, changed and abolished procedures.

    The file is parsed and compared again (the preview is never trusted); any
    row error refuses the whole file. ``expect_digest`` (from the preview)
    refuses the import when the stored catalog changed in between.
    """
    if not actor.has_role("admin"):
        from counter.domain.errors import NotAllowed

        raise NotAllowed(N_("Chỉ quản trị viên được nhập danh mục thủ tục."))
    number = check_decision(decision_number, decision_date)
    preview = preview_import(filename, data)
    if not preview.ok:
        raise ImportRefused(preview)
    if expect_digest is not None and expect_digest != preview.digest:
        raise Conflict(
            N_(
                "Danh mục đã thay đổi từ lúc xem trước (có người vừa nhập hoặc sửa). "
                "Vui lòng tải tệp lên và xem trước lại."
            )
        )
    if not preview.has_changes:
        raise ValidationError(
            N_("Tệp không có thay đổi nào so với danh mục hiện tại."), field="file"
        )
    diff = preview.diff
    with transaction():
        import_ = CatalogImport(
            user_id=actor.user_id,
            decision_number=number,
            decision_date=decision_date,
            filename=PurePath(filename).name[:255],
        )
        missing = _apply_diff(actor, import_, diff, preview.columns)
        notes = []
        if missing:
            notes.append("Chưa có thủ tục thay thế: " + ", ".join(sorted(set(missing))) + ".")
        if diff.absent:
            notes.append(f"{len(diff.absent)} thủ tục đang có không nằm trong tệp (giữ nguyên).")
        import_.note = " ".join(notes)
        audit.record(
            actor,
            "catalog_imported",
            number,
            f"{import_.filename}: {import_.new_count} mới, {import_.changed_count} sửa đổi, "
            f"{import_.abolished_count} bãi bỏ",
        )
    return import_


def _apply_diff(
    actor: Actor, import_: CatalogImport, diff: CatalogDiff, columns: frozenset[str]
) -> list[str]:
    """Write an import's new, changed and abolished procedures with their history lines.

    Runs inside the caller's transaction; returns the replacement codes not found.
    """
    number = import_.decision_number
    import_.new_count = len(diff.new)
    import_.changed_count = len(diff.changed)
    import_.abolished_count = len(diff.abolished)
    db.session.add(import_)
    db.session.flush()
    touched: list[ProcedureRecord] = []
    for record in diff.new:
        upsert_from_record(record, import_)
        audit.record(actor, "procedure_created", target(record.national_code), number)
        touched.append(record)
    for change in diff.changed:
        upsert_from_record(change.record, import_, columns)
        labels = ", ".join(FIELD_LABELS.get(f, f) for f in change.fields)
        audit.record(
            actor, "procedure_updated", target(change.record.national_code), f"{number}: {labels}"
        )
        touched.append(change.record)
    for record in diff.abolished:
        upsert_from_record(record, import_, columns)
        audit.record(actor, "procedure_abolished", target(record.national_code), number)
        touched.append(record)
    return link_replacements(touched)


# --- demo --------------------------------------------------------------------


def _demo_only() -> bool:
    """Whether the catalog only ever came from the demo file: no real import, no hand edit."""
    real_import = db.session.scalar(
        db.select(CatalogImport.id).where(CatalogImport.decision_number != DEMO_DECISION).limit(1)
    )
    hand_edit = db.session.scalar(
        db.select(AuditEntry.id)
        .where(
            AuditEntry.action.in_(
                ("procedure_created", "procedure_updated", "procedure_abolished")
            ),
            AuditEntry.user_id.is_not(None),
        )
        .limit(1)
    )
    return real_import is None and hand_edit is None


def _update_demo_catalog(result: ImportResult) -> str | None:
    """A newer demo file (e.g. the 2025 names) applied as one more demo import.

    Only on a catalog nothing but the demo ever wrote: an office's own imports and
    edits are never overwritten. Procedures keep their rows, so dossiers keep theirs.
    """
    if not _demo_only():
        return None
    diff = dcat.diff_catalog(existing_records(), result.records, result.columns)
    if not (diff.new or diff.changed or diff.abolished):
        return None
    actor = Actor.system("demo")
    with transaction():
        import_ = CatalogImport(decision_number=DEMO_DECISION, filename=dcat.DEMO_CATALOG_PATH.name)
        _apply_diff(actor, import_, diff, result.columns)
        import_.note = "Cập nhật danh mục mẫu theo phiên bản mới của tệp mẫu."
        audit.record(
            actor,
            "catalog_imported",
            DEMO_DECISION,
            f"{import_.filename}: {import_.new_count} mới, {import_.changed_count} sửa đổi, "
            f"{import_.abolished_count} bãi bỏ",
        )
    return f"demo catalog: cập nhật {import_.changed_count} thủ tục, thêm {import_.new_count}"


def load_demo_catalog() -> str | None:
    """Demo loader: the built-in commune catalog into an empty catalog.

    On a catalog that only ever held the demo, a newer demo file updates it through
    a demo import (:func:`_update_demo_catalog`); otherwise nothing changes.
    """
    result = dcat.load_demo_catalog()
    if not result.ok:  # a broken built-in file is a bug, not a user error
        raise RuntimeError(f"demo catalog: {result.errors}")
    if db.session.scalar(db.select(db.func.count(Procedure.id))):
        return _update_demo_catalog(result)
    actor = Actor.system("demo")
    with transaction():
        import_ = CatalogImport(
            decision_number=DEMO_DECISION,
            filename=dcat.DEMO_CATALOG_PATH.name,
            new_count=len(result.records),
        )
        db.session.add(import_)
        db.session.flush()
        for record in result.records:  # one audit row for the whole demo load
            upsert_from_record(record, import_)
        link_replacements(result.records)
        audit.record(actor, "catalog_imported", DEMO_DECISION, import_.filename)
    return f"demo catalog: {len(result.records)} procedures"


# --- editing -----------------------------------------------------------------

#: Form fields of the edit page, each a ProcedureRecord attribute.
EDIT_FIELDS = (
    "national_code",
    "local_code",
    "name",
    "field_code",
    "field_name",
    "limit_amount",
    "limit_unit",
    "limit_note",
    "fees",
    "documents",
    "result_name",
    "service_level",
    "implementing_body",
    "legal_basis",
    "active",
    "effective_from",
    "effective_to",
    "replaced_by",
)


class RecordInvalid(ValidationError):
    """A procedure typed on the edit page breaks the catalog's rules: ``errors`` lists
    (field, message), one for each bad cell."""

    def __init__(self, errors: list[tuple[str, Message]]) -> None:
        super().__init__(errors[0][1], field=errors[0][0])
        self.errors = errors

    @property
    def field_errors(self) -> dict[str, Message]:
        """Every bad field with its message."""
        return dict(self.errors)


def document_lines(documents: list[Any]) -> str:
    """Documents as edit-box text, one per line: ``[code] Name (bản chính) x1``."""
    lines = []
    for d in documents:
        code = f"[{d.code}] " if d.code else ""
        lines.append(f"{code}{d.name} ({dcat.DOCUMENT_KIND_LABELS.get(d.kind, d.kind)}) x{d.count}")
    return "\n".join(lines)


def fee_lines(fees: list[Any]) -> str:
    """Fees as edit-box text, one per line: ``8000 đ/bản`` or a text without amount."""
    lines = []
    for f in fees:
        if f.amount is None:
            lines.append(f.description)
        else:
            lines.append(f"{f.amount} {f.description}".strip())
    return "\n".join(lines)


def _lines_to_cell(text: str) -> str:
    return ";".join(line.strip() for line in (text or "").splitlines() if line.strip())


def record_from_form(values: dict[str, Any]) -> ProcedureRecord:
    """A record from the edit form, read with the same rules as an imported row.

    ``values`` holds the EDIT_FIELDS: text, dates, ``active`` as a bool, and
    documents and fees as one item per line. Raises :class:`RecordInvalid`.
    """
    row: dict[str, Any] = {attr: values.get(attr) for attr in EDIT_FIELDS}
    row["documents"] = _lines_to_cell(values.get("documents") or "")
    row["fees"] = _lines_to_cell(values.get("fees") or "")
    row["active"] = bool(values.get("active"))
    record, errors = dcat.read_record(row)
    if errors:
        raise RecordInvalid([(error.field or "", error.detail.as_sentence()) for error in errors])
    assert record is not None
    return record


def save_procedure(actor: Actor, procedure_id: int | None, values: dict[str, Any]) -> Procedure:
    """Create (``procedure_id`` None) or edit a procedure by hand; audited."""
    if not actor.has_role("admin"):
        from counter.domain.errors import NotAllowed

        raise NotAllowed(N_("Chỉ quản trị viên được sửa danh mục thủ tục."))
    existing = get_procedure(procedure_id) if procedure_id is not None else None
    if existing is not None:
        values = {**values, "national_code": existing.national_code}
    record = record_from_form(values)
    other = get_by_code(record.national_code)
    if other is not None and (existing is None or other.id != existing.id):
        raise RecordInvalid([("national_code", N_("Mã TTHC này đã có trong danh mục."))])
    replacement = None
    if record.replaced_by:
        replacement = get_by_code(record.replaced_by)
        if replacement is None:
            raise RecordInvalid(
                [
                    (
                        "replaced_by",
                        Message(
                            N_("Không có thủ tục mã %(code)s trong danh mục."),
                            code=record.replaced_by,
                        ),
                    )
                ]
            )
        if replacement.national_code == record.national_code:
            raise RecordInvalid([("replaced_by", N_("Thủ tục không thể thay thế chính nó."))])
    with transaction():
        if existing is None:
            procedure = upsert_from_record(record)
            audit.record(actor, "procedure_created", target(record.national_code), "")
        else:
            changes = dcat.changed_fields(to_record(existing), record)
            was_active = existing.active
            procedure = upsert_from_record(record)
            labels = ", ".join(FIELD_LABELS.get(f, f) for f in changes)
            action = (
                "procedure_abolished" if was_active and not record.active else "procedure_updated"
            )
            if changes:  # saving the form unchanged is not worth a history line
                audit.record(actor, action, target(record.national_code), labels)
        procedure.replaced_by = replacement
    return procedure
