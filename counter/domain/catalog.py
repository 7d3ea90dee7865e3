"""The procedure catalog (danh mục TTHC): records, import parsing and diffing.

Pure: parsers take the uploaded bytes and return records plus Vietnamese error
messages with the line to fix; nothing is written anywhere. The same columns
are documented for administrators in ``docs/catalog-import.md``.

Files
-----
* CSV: UTF-8 (with or without the BOM Excel writes for "CSV UTF-8"), UTF-16
  ("Unicode Text"), or Windows-1258 (Excel's "CSV" on Vietnamese Windows).
  The delimiter is the most frequent of ``,`` ``;`` and tab in the header line,
  so the ``;`` files of Vietnamese-locale Excel work.
* XLSX: the sheet named ``thu_tuc`` (or ``Thủ tục``) if there is one, else the
  first sheet.

In both, the header is the first row naming the ``ma_tthc`` column, so title
lines above the table are skipped.
* JSON: a list of objects, or ``{"thu_tuc": [...]}`` (also ``"procedures"``),
  with the same keys; ``thanh_phan_ho_so`` and ``le_phi`` may be arrays.

Line numbers in errors: the spreadsheet row (header row = 1 when it is the
first row) for CSV and XLSX, the item's position (1 = first) for JSON; line 0
means the file as a whole.

Columns
-------
Headers are matched without case, diacritics or punctuation, so ``Mã TTHC``,
``ma_tthc`` and ``MA TTHC`` are the same column. Unknown columns are ignored.
A column absent from the file leaves that attribute untouched on update.

==================  ========================  ==========================================
column              English alias             content
==================  ========================  ==========================================
ma_tthc *           national_code             national code, ``1.001193`` (format the
                                              Excel column as Text: Excel drops
                                              trailing zeros of numbers)
ma_tthc_dia_phuong  local_code                ``<ma_tthc>.<agency id>``, e.g.
                                              ``1.001193.000.00.00.H18``; may be empty
ten_tthc *          name                      procedure name
linh_vuc_ma         field_code                field code
linh_vuc            field_name                field name, e.g. ``Hộ tịch``
thoi_han *          limit_amount              a number (``3``, ``0,5``); may carry the
                                              unit (``3 ngày làm việc``, ``trong ngày``)
                                              when don_vi_thoi_han is empty
don_vi_thoi_han     limit_unit                ``ngày làm việc`` / ``giờ làm việc`` /
                                              ``trong ngày`` / ``ngày`` (calendar days),
                                              or working_days / working_hours /
                                              same_day / calendar_days
ghi_chu_thoi_han    limit_note                free text, e.g. the 15:00 rule
le_phi              fees                      fees separated by ``;``, each
                                              ``<amount> [description]``: ``10000``,
                                              ``8.000 đ/bản``; ``Miễn lệ phí`` is a free
                                              fee (0); other text (``Theo Nghị quyết
                                              HĐND tỉnh``) is a fee without a fixed
                                              amount
thanh_phan_ho_so    documents                 documents separated by ``;``, each
                                              ``[code] Name (kind) xN``; kind is
                                              ``bản chính``, ``bản sao`` or ``bản chính
                                              hoặc bản sao``; ``[code]`` and ``xN``
                                              (default 1) are optional
ket_qua             result_name               the result, e.g. ``Giấy khai sinh``
muc_do              service_level             ``toàn trình`` / ``một phần`` (or
                                              full_online / partial_online; ``mức độ
                                              4`` / ``mức độ 3`` are read the same);
                                              empty = not online
co_quan_thuc_hien   implementing_body         e.g. ``UBND xã``
can_cu_phap_ly      legal_basis               free text
trang_thai          status, active            ``hiệu lực`` (default) or ``bãi bỏ``
thay_the_boi        replaced_by               national code of the replacing procedure
hieu_luc_tu         effective_from            ``dd/mm/yyyy`` or ``yyyy-mm-dd``
hieu_luc_den        effective_to              same
==================  ========================  ==========================================

(* required.)

Applying an import
------------------
:func:`diff_catalog` compares by national code. A full-catalog file does NOT
abolish the procedures it leaves out (a partial file must not wipe the
catalog): only rows marked ``bãi bỏ`` abolish. Missing codes are reported as
``absent`` for the officer to review.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from counter.domain.codes import validate_agency_identifier
from counter.domain.errors import ValidationError
from counter.domain.i18n import N_, Message
from counter.domain.imports import RowError
from counter.domain.text import fold

LIMIT_UNITS = ("working_days", "working_hours", "same_day", "calendar_days")
DOCUMENT_KINDS = ("original", "copy", "original_or_copy")
#: How each kind is written on forms and slips.
DOCUMENT_KIND_LABELS = {
    "original": N_("bản chính"),
    "copy": N_("bản sao"),
    "original_or_copy": N_("bản chính hoặc bản sao"),
}
SERVICE_LEVELS = ("full_online", "partial_online")

#: A catalog workbook unpacks to a few MB; past these it is a bomb or not a catalog.
XLSX_MAX_UNPACKED = 50 * 2**20
XLSX_MAX_MEMBERS = 1000
XLSX_MAX_CELLS = 100_000
#: The largest numbers a cell may hold: a time limit (days or hours), a fee in đồng,
#: a document count (the reception screen takes 1–999); the columns hold them all.
LIMIT_AMOUNT_MAX = Decimal(9999)
FEE_AMOUNT_MAX = 1_000_000_000
DOCUMENT_COUNT_MAX = 999

DEMO_CATALOG_PATH = Path(__file__).resolve().parent.parent / "data" / "demo_catalog.json"

NATIONAL_CODE_RE = re.compile(r"^\d{1,2}\.\d{6}$")


@dataclass
class RequiredDocument:
    """A document in the dossier (thành phần hồ sơ)."""

    name: str
    kind: str = "original"
    count: int = 1
    code: str | None = None


@dataclass
class Fee:
    """A fee or charge; ``amount`` None means no fixed amount (set by the provincial council)."""

    amount: int | None
    description: str = ""


@dataclass
class ProcedureRecord:
    """One administrative procedure (thủ tục hành chính) as published."""

    national_code: str
    name: str
    local_code: str | None = None
    field_code: str = ""
    field_name: str = ""
    limit_amount: Decimal = Decimal(0)
    limit_unit: str = "working_days"
    limit_note: str = ""
    fees: list[Fee] = field(default_factory=list)
    documents: list[RequiredDocument] = field(default_factory=list)
    result_name: str = ""
    service_level: str | None = None
    implementing_body: str = ""
    legal_basis: str = ""
    active: bool = True
    effective_from: date | None = None
    effective_to: date | None = None
    replaced_by: str | None = None


@dataclass
class ImportResult:
    """Parsed records, the errors of the lines that are not, and the attributes the file had."""

    records: list[ProcedureRecord] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    columns: frozenset[str] = frozenset()

    @property
    def ok(self) -> bool:
        """True when every row was read."""
        return not self.errors


@dataclass
class ChangedProcedure:
    """An incoming record that differs from the stored one in ``fields``."""

    record: ProcedureRecord
    fields: list[str]


@dataclass
class CatalogDiff:
    """What applying an import would do, for the officer to confirm."""

    new: list[ProcedureRecord] = field(default_factory=list)
    changed: list[ChangedProcedure] = field(default_factory=list)
    abolished: list[ProcedureRecord] = field(default_factory=list)
    unchanged: list[ProcedureRecord] = field(default_factory=list)
    #: rows marked abolished for codes we never had: nothing to do
    ignored: list[ProcedureRecord] = field(default_factory=list)
    #: stored codes the file did not mention (left as they are)
    absent: list[str] = field(default_factory=list)


# --- columns -----------------------------------------------------------------

_ALIASES: dict[str, tuple[str, ...]] = {
    "national_code": ("ma_tthc", "ma_thu_tuc", "national_code"),
    "local_code": ("ma_tthc_dia_phuong", "ma_dia_phuong", "local_code"),
    "name": ("ten_tthc", "ten_thu_tuc", "name"),
    "field_code": ("linh_vuc_ma", "ma_linh_vuc", "field_code"),
    "field_name": ("linh_vuc", "ten_linh_vuc", "field_name"),
    "limit_amount": ("thoi_han", "thoi_han_giai_quyet", "limit_amount", "limit"),
    "limit_unit": ("don_vi_thoi_han", "limit_unit"),
    "limit_note": ("ghi_chu_thoi_han", "limit_note"),
    "fees": ("le_phi", "phi_le_phi", "fees"),
    "documents": ("thanh_phan_ho_so", "documents"),
    "result_name": ("ket_qua", "result_name", "result"),
    "service_level": ("muc_do", "service_level"),
    "implementing_body": ("co_quan_thuc_hien", "implementing_body"),
    "legal_basis": ("can_cu_phap_ly", "legal_basis"),
    "active": ("trang_thai", "status", "active"),
    "replaced_by": ("thay_the_boi", "replaced_by"),
    "effective_from": ("hieu_luc_tu", "effective_from"),
    "effective_to": ("hieu_luc_den", "effective_to"),
}
_KEY_TO_ATTR = {alias: attr for attr, aliases in _ALIASES.items() for alias in aliases}
_REQUIRED = ("national_code", "name", "limit_amount")


def _column_name(attr: str) -> str:
    """The documented Vietnamese column name, for messages."""
    return _ALIASES[attr][0]


class CellError(ValidationError):
    """A bad cell: "Cột thoi_han: 'ba' không phải là số." in a file; on the edit form, the
    ``detail`` alone ("'ba' không phải là số.") on the attribute's field."""

    def __init__(self, attr: str, detail: Message) -> None:
        super().__init__(
            N_("Cột %(column)s: %(detail)s"), field=attr, column=_column_name(attr), detail=detail
        )
        self.detail = detail


def _cell_error(attr: str, detail: Message) -> CellError:
    """The error of a cell of column ``attr``: its column name, then what is wrong."""
    return CellError(attr, detail)


def _header_key(header: object) -> str:
    return re.sub(r"[^0-9a-z]+", "_", fold(str(header or ""))).strip("_")


def _map_headers(headers: list[object]) -> tuple[dict[int, str], list[str]]:
    """Column index → attribute, plus errors for duplicated columns."""
    mapping: dict[int, str] = {}
    errors: list[str] = []
    for index, header in enumerate(headers):
        attr = _KEY_TO_ATTR.get(_header_key(header))
        if attr is None:
            continue
        if attr in mapping.values():
            errors.append(
                Message(N_("Cột %(column)s xuất hiện hai lần."), column=_column_name(attr))
            )
            continue
        mapping[index] = attr
    missing = [_column_name(a) for a in _REQUIRED if a not in mapping.values()]
    if missing:
        errors.append(Message(N_("Thiếu cột bắt buộc: %(columns)s."), columns=missing))
    return mapping, errors


# --- cell values -------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(unicodedata.normalize("NFC", str(value)).split())


def _national_code(value: Any, attr: str) -> str:
    if isinstance(value, float):
        # A number cell (xlsx, JSON) lost its trailing zeros: 1.00089 was 1.000890.
        value = f"{value:.6f}"
    code = _text(value)
    if not NATIONAL_CODE_RE.match(code):
        raise _cell_error(
            attr,
            Message(
                N_(
                    "mã '%(code)s' không đúng dạng như 1.001193 (một hoặc hai chữ số, dấu chấm, "
                    "sáu chữ số). Nếu dùng Excel, hãy định dạng cột là Văn bản (Text) để không "
                    "mất số 0 ở cuối."
                ),
                code=code,
            ),
        )
    return code


_NUMBER_RE = re.compile(r"^(\d+(?:[.,]\d+)?)\s*(.*)$")

_UNITS: dict[str, str] = {
    "ngay lam viec": "working_days",
    "gio lam viec": "working_hours",
    "trong ngay": "same_day",
    "ngay": "calendar_days",
    "ngay lich": "calendar_days",
    **{unit: unit for unit in LIMIT_UNITS},
}


def _shown(text: str, limit: int = 30) -> str:
    """A cell's text as quoted in a message: a hundred thousand digits are not repeated."""
    return text if len(text) <= limit else text[:limit] + "…"


def _too_large(attr: str, text: str, maximum: object) -> CellError:
    return _cell_error(
        attr,
        Message(
            N_("số '%(value)s' quá lớn (tối đa %(max)s)."),
            value=_shown(text),
            max=f"{maximum:,}".replace(",", "."),
        ),
    )


def _decimal(text: str) -> Decimal:
    if not re.fullmatch(r"\d+(?:[.,]\d+)?", text):
        raise _cell_error(
            "limit_amount", Message(N_("'%(text)s' không phải là số."), text=_shown(text))
        )
    amount = Decimal(text.replace(",", "."))
    if amount > LIMIT_AMOUNT_MAX:
        raise _too_large("limit_amount", text, int(LIMIT_AMOUNT_MAX))
    return amount


def _limit(amount_value: Any, unit_value: Any) -> tuple[Decimal, str]:
    amount_text = _text(amount_value)
    unit_text = _text(unit_value)
    if not amount_text and not unit_text:
        raise _cell_error("limit_amount", N_("thiếu thời hạn giải quyết."))
    if fold(amount_text) in _UNITS and fold(amount_text) == fold(unit_text):
        amount_text = ""  # "trong ngày" written in both columns
    if not unit_text:
        # "3 ngày làm việc" or "trong ngày" in the amount column alone.
        match = _NUMBER_RE.match(amount_text)
        if match and match.group(2):
            amount_text, unit_text = match.group(1), match.group(2)
        elif fold(amount_text) in _UNITS:
            amount_text, unit_text = "", amount_text
        else:
            raise _cell_error(
                "limit_unit",
                N_("thiếu đơn vị thời hạn (ngày làm việc, giờ làm việc, trong ngày hoặc ngày)."),
            )
    unit = _UNITS.get(fold(unit_text))
    if unit is None:
        raise _cell_error(
            "limit_unit",
            Message(
                N_(
                    "'%(unit)s' không phải đơn vị thời hạn; "
                    "dùng ngày làm việc, giờ làm việc, trong ngày hoặc ngày."
                ),
                unit=unit_text,
            ),
        )
    if not amount_text:
        if unit == "same_day":
            return Decimal(0), unit
        raise _cell_error("limit_amount", N_("thiếu thời hạn giải quyết."))
    amount = _decimal(amount_text)
    if amount == 0 and unit != "same_day":
        raise _cell_error(
            "limit_amount",
            Message(N_("thời hạn phải lớn hơn 0 (đang là '%(amount)s')."), amount=amount_text),
        )
    return amount, unit


_AMOUNT_RE = re.compile(r"^(\d{1,3}(?:[.,\s]\d{3})+|\d+)(?![.,]\d)\s*(.*)$")


def _fee_from_text(text: str) -> Fee:
    match = _AMOUNT_RE.match(text)
    if match:
        digits = re.sub(r"\D", "", match.group(1)).lstrip("0") or "0"
        if len(digits) > len(str(FEE_AMOUNT_MAX)) or int(digits) > FEE_AMOUNT_MAX:
            raise _too_large("fees", match.group(1), FEE_AMOUNT_MAX)
        return Fee(int(digits), match.group(2).strip())
    if re.match(r"^\d", text):
        raise _cell_error(
            "fees",
            Message(
                N_("số tiền '%(amount)s' không hợp lệ; ghi số đồng, ví dụ 8000 hoặc 8.000 đ/bản."),
                amount=text,
            ),
        )
    if fold(text).startswith("mien"):
        return Fee(0, text)
    return Fee(None, text)


def _fee(item: Any) -> Fee | None:
    if isinstance(item, dict):
        data = {_header_key(k): v for k, v in item.items()}
        amount = next((data[k] for k in ("amount", "so_tien", "muc_thu") if k in data), None)
        description = _text(next((data[k] for k in ("description", "mo_ta") if k in data), ""))
        if amount is None or amount == "":
            return Fee(None, description) if description else None
        if isinstance(amount, bool) or not isinstance(amount, int | str):
            raise _cell_error(
                "fees", Message(N_("số tiền '%(amount)s' không hợp lệ."), amount=amount)
            )
        fee = _fee_from_text(_text(amount))
        return Fee(fee.amount, description or fee.description)
    if isinstance(item, bool):
        raise _cell_error("fees", Message(N_("giá trị '%(value)s' không hợp lệ."), value=item))
    if isinstance(item, int):
        if not 0 <= item <= FEE_AMOUNT_MAX:
            raise _too_large("fees", str(item), FEE_AMOUNT_MAX)
        return Fee(item)
    text = _text(item)
    return _fee_from_text(text) if text else None


def _list_items(value: Any) -> list[Any]:
    """A list cell's items: a list or one value, each text in it split on ";"."""
    items = value if isinstance(value, list) else [value]
    parts: list[Any] = []
    for item in items:
        if isinstance(item, str):
            parts.extend(item.split(";"))
        else:
            parts.append(item)
    return parts


def _fees(value: Any) -> list[Fee]:
    return [fee for fee in map(_fee, _list_items(value)) if fee is not None]


def _kind(text: str) -> str:
    key = fold(text)
    if key in DOCUMENT_KINDS:
        return key
    if "chinh" in key and "sao" in key and "hoac" in key:
        return "original_or_copy"
    if key == "ban chinh":
        return "original"
    if key.startswith("ban sao"):
        return "copy"
    raise _cell_error(
        "documents",
        Message(
            N_("loại bản '%(kind)s' không rõ; ghi bản chính, bản sao hoặc bản chính hoặc bản sao."),
            kind=text,
        ),
    )


_DOCUMENT_RE = re.compile(
    r"^(?:\[(?P<code>[^\]]*)\]\s*)?(?P<name>.+?)\s*\((?P<kind>[^()]*)\)"
    r"\s*(?:[x×]\s*(?P<count>\d+))?$",
    re.IGNORECASE,
)


def _document_from_text(text: str) -> RequiredDocument:
    match = _DOCUMENT_RE.match(text)
    if match is None:
        raise _cell_error(
            "documents",
            Message(
                N_(
                    "'%(text)s' không đúng dạng "
                    "'Tên giấy tờ (bản chính|bản sao|bản chính hoặc bản sao) x1'."
                ),
                text=text,
            ),
        )
    count_text = (match.group("count") or "1").lstrip("0") or "0"
    if len(count_text) > 3 or int(count_text) > DOCUMENT_COUNT_MAX:
        raise _too_large("documents", count_text, DOCUMENT_COUNT_MAX)
    count = int(count_text)
    if count < 1:
        raise _cell_error("documents", Message(N_("số lượng của '%(text)s' phải từ 1."), text=text))
    return RequiredDocument(
        name=match.group("name").strip(),
        kind=_kind(match.group("kind")),
        count=count,
        code=(match.group("code") or "").strip() or None,
    )


def _document(item: Any) -> RequiredDocument | None:
    if not isinstance(item, dict):
        text = _text(item)
        return _document_from_text(text) if text else None
    data = {_header_key(k): v for k, v in item.items()}
    name = _text(next((data[k] for k in ("name", "ten") if k in data), ""))
    if not name:
        raise _cell_error("documents", N_("giấy tờ thiếu tên."))
    kind = _text(next((data[k] for k in ("kind", "loai", "loai_ban") if k in data), ""))
    count = next((data[k] for k in ("count", "so_luong") if k in data), 1)
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise _cell_error(
            "documents",
            Message(N_("số lượng của '%(name)s' phải là số nguyên từ 1."), name=name),
        )
    if count > DOCUMENT_COUNT_MAX:
        raise _too_large("documents", str(count), DOCUMENT_COUNT_MAX)
    code = _text(next((data[k] for k in ("code", "ma") if k in data), "")) or None
    return RequiredDocument(name=name, kind=_kind(kind), count=count, code=code)


def _documents(value: Any) -> list[RequiredDocument]:
    return [doc for doc in map(_document, _list_items(value)) if doc is not None]


def _service_level(value: Any) -> str | None:
    key = fold(_text(value))
    if not key:
        return None
    if key in SERVICE_LEVELS:
        return key
    if "toan trinh" in key or key in ("muc do 4", "4"):
        return "full_online"
    if "mot phan" in key or key in ("muc do 3", "3"):
        return "partial_online"
    raise _cell_error(
        "service_level",
        Message(
            N_(
                "'%(value)s' không rõ; "
                "ghi toàn trình hoặc một phần, hoặc để trống nếu không trực tuyến."
            ),
            value=_text(value),
        ),
    )


_ACTIVE = {"hieu luc", "con hieu luc", "dang hieu luc", "active", "true", "1"}
_INACTIVE = {"bai bo", "da bai bo", "het hieu luc", "abolished", "inactive", "false", "0"}


def _active(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    key = fold(_text(value))
    if not key or key in _ACTIVE:
        return True
    if key in _INACTIVE:
        return False
    raise _cell_error(
        "active",
        Message(N_("'%(value)s' không rõ; ghi hiệu lực hoặc bãi bỏ."), value=_text(value)),
    )


def _date(value: Any, attr: str) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    if not text:
        return None
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise _cell_error(
        attr,
        Message(N_("'%(text)s' không phải ngày dạng dd/mm/yyyy hoặc yyyy-mm-dd."), text=text),
    )


def _local_code(value: Any, national_code: str) -> str | None:
    code = _text(value).upper()
    if not code:
        return None
    prefix = national_code + "."
    agency = code.removeprefix(prefix)
    try:
        valid = code.startswith(prefix) and validate_agency_identifier(agency) == agency
    except ValidationError:
        valid = False
    if not valid:
        raise _cell_error(
            "local_code",
            Message(
                N_(
                    "'%(code)s' phải có dạng %(national)s.<mã cơ quan>, "
                    "ví dụ %(national)s.000.00.00.H18."
                ),
                code=code,
                national=national_code,
            ),
        )
    return code


_TEXT_ATTRS = (
    "name",
    "field_code",
    "field_name",
    "limit_note",
    "result_name",
    "implementing_body",
    "legal_basis",
)


def read_record(row: dict[str, Any]) -> tuple[ProcedureRecord | None, list[CellError]]:
    """Build a record from one row keyed by attribute (a file's line, the edit form).

    Returns the record, or None and the error of every bad cell.
    """
    errors: list[CellError] = []
    values: dict[str, Any] = {attr: _text(row[attr]) for attr in _TEXT_ATTRS if attr in row}

    def attempt(fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except CellError as exc:
            errors.append(exc)
            return None

    values["national_code"] = attempt(_national_code, row.get("national_code"), "national_code")
    if not values.get("name"):
        errors.append(_cell_error("name", N_("thiếu tên thủ tục.")))
    limit = attempt(_limit, row.get("limit_amount"), row.get("limit_unit"))
    if limit is not None:
        values["limit_amount"], values["limit_unit"] = limit
    if "fees" in row:
        values["fees"] = attempt(_fees, row["fees"])
    if "documents" in row:
        values["documents"] = attempt(_documents, row["documents"])
    if "service_level" in row:
        values["service_level"] = attempt(_service_level, row["service_level"])
    if "active" in row:
        values["active"] = attempt(_active, row["active"])
    for attr in ("effective_from", "effective_to"):
        if attr in row:
            values[attr] = attempt(_date, row[attr], attr)
    if _text(row.get("replaced_by")):
        values["replaced_by"] = attempt(_national_code, row["replaced_by"], "replaced_by")
    if values["national_code"] and "local_code" in row:
        values["local_code"] = attempt(_local_code, row["local_code"], values["national_code"])
    start, end = values.get("effective_from"), values.get("effective_to")
    if start and end and end < start:
        errors.append(_cell_error("effective_to", N_("ngày hết hiệu lực trước ngày hiệu lực.")))
    if errors:
        return None, errors
    return ProcedureRecord(**values), []


def _collect(rows: list[tuple[int, dict[str, Any]]], columns: frozenset[str]) -> ImportResult:
    result = ImportResult(columns=columns)
    first_line: dict[str, int] = {}
    for line, row in rows:
        record, errors = read_record(row)
        result.errors.extend(RowError(line, error.message) for error in errors)
        if record is None:
            continue
        if record.national_code in first_line:
            result.errors.append(
                RowError(
                    line,
                    Message(
                        N_("Mã TTHC %(code)s trùng với dòng %(line)s."),
                        code=record.national_code,
                        line=first_line[record.national_code],
                    ),
                )
            )
            continue
        first_line[record.national_code] = line
        result.records.append(record)
    return result


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _from_table(rows: list[tuple[int, list[Any]]]) -> ImportResult:
    """Shared by CSV and XLSX: (line, cells) rows, the header first."""
    rows = [(line, cells) for line, cells in rows if not all(map(_is_blank, cells))]
    if not rows:
        return ImportResult(errors=[RowError(0, N_("Tệp không có dữ liệu."))])
    # Title lines above the table are common: the header is the first row
    # naming the code column, or the first row when none does.
    start = next(
        (
            i
            for i, (_, cells) in enumerate(rows)
            if any(_KEY_TO_ATTR.get(_header_key(c)) == "national_code" for c in cells)
        ),
        0,
    )
    rows = rows[start:]
    header_line, header = rows[0]
    mapping, header_errors = _map_headers(header)
    if header_errors:
        return ImportResult(errors=[RowError(header_line, message) for message in header_errors])
    records = [
        (line, {attr: cells[i] if i < len(cells) else None for i, attr in mapping.items()})
        for line, cells in rows[1:]
    ]
    return _collect(records, frozenset(mapping.values()))


# --- file formats ------------------------------------------------------------


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel's plain "CSV" on Vietnamese Windows; it writes tones as combining marks.
        return unicodedata.normalize("NFC", data.decode("cp1258", errors="replace"))


def _sniff_delimiter(text: str) -> str:
    header = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def parse_csv(data: bytes) -> ImportResult:
    """Read a catalog CSV (UTF-8 with or without BOM, ``,`` or ``;`` or tab)."""
    text = _decode(data)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text))
        rows = [(line, cells) for line, cells in enumerate(reader, start=1)]
    except csv.Error as exc:
        return ImportResult(
            errors=[
                RowError(0, Message(N_("Tệp CSV bị lỗi định dạng: %(error)s."), error=str(exc)))
            ]
        )
    return _from_table(rows)


#: Excel's cell references in a sheet's <dimension ref="A1:F120"/>.
_DIMENSION_RE = re.compile(
    rb'<(?:\w+:)?dimension\s+ref="\$?([A-Z]{1,3})\$?(\d{1,7})(?::\$?([A-Z]{1,3})\$?(\d{1,7}))?"'
)
#: A DOCTYPE declares entities (the "billion laughs"); no workbook Excel writes has one.
_DOCTYPE_RE = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_DOCTYPE_UTF16 = tuple(
    word.encode(codec)
    for word in ("<!DOCTYPE", "<!ENTITY", "<!doctype")
    for codec in ("utf-16-le", "utf-16-be")
)
_XLSX_UNREADABLE = N_(
    "Không đọc được tệp Excel (.xlsx): tệp bị hỏng hoặc không đúng định dạng. "
    "Hãy mở tệp bằng Excel, lưu lại thành .xlsx rồi tải lên lại."
)


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - ord("A") + 1
    return number


def _too_many_cells() -> Message:
    return Message(
        N_(
            "Trang tính có quá nhiều ô (quá %(cells)s ô): một danh mục thủ tục không cần nhiều "
            "như vậy. Hãy xóa các dòng, cột thừa hoặc chép bảng sang một tệp mới rồi tải lên lại."
        ),
        cells=f"{XLSX_MAX_CELLS:,}".replace(",", "."),
    )


_CELL_RE = re.compile(rb"<(?:\w+:)?c[\s>/]")
_ROW_NUMBER_RE = re.compile(rb'<(?:\w+:)?row\b[^>]{0,200}?\br="(\d{1,9})"')


def _member_problem(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Message | None:
    """A DOCTYPE in an XML part, or a sheet of more than XLSX_MAX_CELLS cells (by its
    declared dimension, its cell tags, or a row number that openpyxl would reach by
    yielding every empty row before it)."""
    name = info.filename
    if not name.endswith((".xml", ".rels", ".vml")):
        return None
    sheet = name.startswith("xl/worksheets/")
    cells, tail = 0, b""
    with archive.open(info) as part:
        chunk = part.read(1 << 20)
        found = _DIMENSION_RE.search(chunk) if sheet else None
        if found:
            first_col, first_row = _column_number(found[1]), int(found[2])
            last_col = _column_number(found[3]) if found[3] else first_col
            last_row = int(found[4]) if found[4] else first_row
            if (abs(last_row - first_row) + 1) * (abs(last_col - first_col) + 1) > XLSX_MAX_CELLS:
                return _too_many_cells()
        while chunk:  # the whole part: a DOCTYPE could follow a long comment
            window = tail + chunk
            if _DOCTYPE_RE.search(window) or any(word in window for word in _DOCTYPE_UTF16):
                return N_(
                    "Tệp Excel có khai báo DOCTYPE hoặc thực thể XML, phần mềm không đọc loại "
                    "tệp này. Hãy mở tệp bằng Excel, lưu lại thành .xlsx rồi tải lên lại."
                )
            if sheet:  # a tag cut by the chunk's end is counted once, in the next window
                cells += sum(1 for m in _CELL_RE.finditer(window) if m.end() > len(tail))
                rows = (int(m[1]) for m in _ROW_NUMBER_RE.finditer(window) if m.end() > len(tail))
                if cells > XLSX_MAX_CELLS or max(rows, default=0) > XLSX_MAX_CELLS:
                    return _too_many_cells()
            tail = window[-256:]
            chunk = part.read(1 << 20)
    return None


def _xlsx_problem(data: bytes) -> Message | None:
    """Why a workbook must not be opened at all, read from the zip before openpyxl sees it.

    The sizes a zip declares bound what it unpacks to (zipfile reads no further),
    so a decompression bomb is refused here without being unpacked.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return N_("Không mở được tệp Excel (.xlsx).")
    if len(infos) > XLSX_MAX_MEMBERS or sum(i.file_size for i in infos) > XLSX_MAX_UNPACKED:
        return Message(
            N_(
                "Tệp Excel giải nén ra quá lớn (hơn %(mb)s MB): đây không phải một danh mục "
                "thủ tục bình thường. Hãy kiểm tra lại tệp, hoặc chép bảng sang một tệp mới."
            ),
            mb=XLSX_MAX_UNPACKED // 2**20,
        )
    try:
        for info in infos:
            problem = _member_problem(archive, info)
            if problem is not None:
                return problem
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError, RuntimeError):
        return _XLSX_UNREADABLE  # a damaged part, a method zipfile lacks, a password
    return None


def _xlsx_rows(data: bytes) -> list[tuple[int, list[Any]]] | Message:
    """The rows of sheet ``thu_tuc`` (or the first), streamed; a Message when they cannot be."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of error on a damaged file
        return N_("Không mở được tệp Excel (.xlsx).")
    rows: list[tuple[int, list[Any]]] = []
    try:
        names = {_header_key(name): name for name in workbook.sheetnames}
        sheet = workbook[names.get("thu_tuc", workbook.sheetnames[0])]
        seen = 0
        for line, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            seen += max(1, len(cells))  # openpyxl also yields the empty rows a gap skips
            if seen > XLSX_MAX_CELLS:
                return _too_many_cells()
            rows.append((line, list(cells)))
    except Exception:  # a broken part inside: bad XML, a number no int() reads …
        return _XLSX_UNREADABLE
    finally:
        workbook.close()
    return rows


def parse_xlsx(data: bytes) -> ImportResult:
    """Read a catalog workbook (sheet ``thu_tuc`` or the first one).

    Refused before reading: a file that is no zip, unpacks past XLSX_MAX_UNPACKED,
    holds a DOCTYPE, or declares more than XLSX_MAX_CELLS cells; refused while
    reading (streamed, read-only): more cells than that, or a part openpyxl
    cannot read.
    """
    problem = _xlsx_problem(data)
    rows = problem if problem is not None else _xlsx_rows(data)
    if isinstance(rows, Message):
        return ImportResult(errors=[RowError(0, rows)])
    return _from_table(rows)


def parse_json(data: bytes) -> ImportResult:
    """Read a catalog JSON: a list of objects or ``{"thu_tuc": [...]}``."""
    try:
        document = json.loads(_decode(data))
    except json.JSONDecodeError as exc:
        return ImportResult(
            errors=[
                RowError(
                    0,
                    Message(
                        N_("Tệp JSON bị lỗi ở dòng %(line)s, cột %(column)s: %(error)s."),
                        line=exc.lineno,
                        column=exc.colno,
                        error=exc.msg,
                    ),
                )
            ]
        )
    except RecursionError:
        return ImportResult(
            errors=[
                RowError(
                    0, N_("Tệp JSON lồng nhau quá sâu; danh mục chỉ cần một danh sách thủ tục.")
                )
            ]
        )
    except ValueError:  # an integer past Python's 4300 digits
        return ImportResult(
            errors=[RowError(0, N_("Tệp JSON có một số quá dài; hãy kiểm tra lại tệp."))]
        )
    if isinstance(document, dict):
        document = next((document[k] for k in ("thu_tuc", "procedures") if k in document), None)
    if not isinstance(document, list):
        return ImportResult(
            errors=[
                RowError(0, N_('Tệp JSON phải là một danh sách thủ tục hoặc {"thu_tuc": [...]}.'))
            ]
        )
    rows: list[tuple[int, dict[str, Any]]] = []
    errors: list[RowError] = []
    columns: set[str] = set()
    for index, item in enumerate(document, start=1):
        if not isinstance(item, dict):
            errors.append(RowError(index, N_("Mỗi thủ tục phải là một đối tượng JSON ({...}).")))
            continue
        row: dict[str, Any] = {}
        for key, value in item.items():
            attr = _KEY_TO_ATTR.get(_header_key(key))
            if attr is not None:
                row[attr] = value
        columns.update(row)
        rows.append((index, row))
    result = _collect(rows, frozenset(columns))
    result.errors = sorted(errors + result.errors, key=lambda error: error.line)
    return result


def load_demo_catalog() -> ImportResult:
    """The built-in demo catalog of typical commune procedures."""
    return parse_json(DEMO_CATALOG_PATH.read_bytes())


# --- applying an import ------------------------------------------------------

_COMPARED = tuple(f.name for f in fields(ProcedureRecord) if f.name != "national_code")


def changed_fields(
    old: ProcedureRecord, new: ProcedureRecord, columns: frozenset[str] | None = None
) -> list[str]:
    """Attributes that differ, limited to ``columns`` (those the file carried) if given."""
    return [
        name
        for name in _COMPARED
        if (columns is None or name in columns) and getattr(old, name) != getattr(new, name)
    ]


def diff_catalog(
    existing: dict[str, ProcedureRecord],
    incoming: list[ProcedureRecord],
    columns: frozenset[str] | None = None,
) -> CatalogDiff:
    """Sort an import into new / changed / abolished / unchanged against the stored catalog.

    Only rows marked abolished abolish; codes missing from the file are listed
    in ``absent`` and left alone. Pass ``ImportResult.columns`` so a file
    without, say, a fee column does not read as "fees removed".
    """
    diff = CatalogDiff()
    seen: set[str] = set()
    for record in incoming:
        seen.add(record.national_code)
        old = existing.get(record.national_code)
        if old is None:
            (diff.new if record.active else diff.ignored).append(record)
        elif old.active and not record.active:
            diff.abolished.append(record)
        elif changes := changed_fields(old, record, columns):
            diff.changed.append(ChangedProcedure(record, changes))
        else:
            diff.unchanged.append(record)
    diff.absent = sorted(code for code in existing if code not in seen)
    return diff
