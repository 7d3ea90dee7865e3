"""The period report as files: XLSX for the province's spreadsheet, CSV, and the table both share.

Texts in the files are Vietnamese whatever the screen language (they go to the
province, as the portal's do). Numbers are numbers (a count is an integer cell,
the on-time rate a decimal one shown with two places), never text.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from counter.domain import clock
from counter.domain.errors import ValidationError
from counter.domain.i18n import N_
from counter.domain.printed import wording
from counter.domain.printed.ledger import LedgerData, LedgerRow
from counter.domain.reports import COLUMNS, Counts, neutralise
from counter.domain.satisfaction import Level
from counter.services.reports import Report

if TYPE_CHECKING:  # bound by _load_openpyxl() at the first spreadsheet
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

#: Characters XML forbids (the same as openpyxl's ILLEGAL_CHARACTERS_RE): a typed control
#: character is dropped from a cell, not left to spoil the file.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

TITLE = "BÁO CÁO TÌNH HÌNH TIẾP NHẬN VÀ GIẢI QUYẾT HỒ SƠ THỦ TỤC HÀNH CHÍNH"
#: The label columns before the numbers.
LEAD = ("STT", "Mã", "Lĩnh vực, thủ tục hành chính")
_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")


@dataclass(frozen=True)
class TableLine:
    """A line of the report table: a field, one of its procedures, or the total."""

    kind: str  # field / procedure / total
    number: str  # STT: I, II… for fields, 1, 2… for procedures
    code: str
    name: str
    counts: Counts


def table(report: Report) -> list[TableLine]:
    """The report's lines in print order: each field, then its procedures; the total last."""
    lines: list[TableLine] = []
    for i, group in enumerate(report.fields):
        number = _ROMAN[i] if i < len(_ROMAN) else str(i + 1)
        lines.append(TableLine("field", number, group.code, group.name, group.counts))
        for j, line in enumerate(group.procedures, start=1):
            lines.append(TableLine("procedure", str(j), line.code, line.name, line.counts))
    lines.append(TableLine("total", "", "", "Tổng cộng", report.total))
    return lines


def cell_value(counts: Counts, key: str) -> int | Decimal | None:
    """A number cell: an integer count, or the rate (None when nothing was resolved)."""
    return counts.value(key)


def as_of_text(report: Report) -> str:
    """When the pending dossiers were counted, as the report says it."""
    moment = clock.to_local(report.as_of)
    return f"Số hồ sơ đang giải quyết tính đến {moment:%H:%M} ngày {moment:%d/%m/%Y}"


def to_csv(report: Report) -> bytes:
    """The table as CSV: UTF-8 with a BOM (Excel then reads Vietnamese), one header line."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([TITLE])
    writer.writerow([str(report.period.label), as_of_text(report)])
    writer.writerow([*LEAD, *(f"{c.group} - {c.header}" for c in COLUMNS)])
    for line in table(report):
        values = [cell_value(line.counts, c.key) for c in COLUMNS]
        writer.writerow(
            [
                neutralise(line.number),
                neutralise(line.code),
                neutralise(line.name),
                *("" if v is None else v for v in values),
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _load_openpyxl() -> None:
    """Import openpyxl and make the shared styles, at the first spreadsheet.

    openpyxl (with numpy, which it imports when installed) takes about a second to
    import: no start of the program, nor a page on screen, should pay for it.
    """
    global Workbook, Alignment, Border, Font, PatternFill, Side, get_column_letter
    global _BOX, _HEAD_FILL, _WRAP
    if "_BOX" in globals():
        return
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    thin = Side(style="thin", color="000000")
    _HEAD_FILL = PatternFill("solid", fgColor="DDE4EE")
    _WRAP = Alignment(wrap_text=True, vertical="center", horizontal="center")
    _BOX = Border(left=thin, right=thin, top=thin, bottom=thin)  # set last: marks it loaded


#: Rows of the title block above the table's two header rows.
HEADER_ROWS = (5, 6)


def _text(cell: Any, text: str) -> None:
    """A text cell that stays text (openpyxl would store "=…" as a formula)."""
    if text:
        cell.value = text
        cell.data_type = "s"


SATISFACTION_HEADERS = (
    "Thủ tục hành chính / Cán bộ",
    *(str(level.label) for level in Level),
    "Tổng số đánh giá",
    "Tỷ lệ hài lòng (%)",
)


def satisfaction_rows(report: Report) -> list[tuple[str, list[Any]]]:
    """The satisfaction table: a section per grouping, each line's counts, the total last."""
    summary = report.satisfaction
    rows: list[tuple[str, list[Any]]] = []
    for section, lines in (
        ("Theo thủ tục hành chính", summary.by_procedure),
        ("Theo cán bộ trả kết quả", summary.by_officer),
    ):
        rows.append(("section", [section]))
        for line in lines:
            rows.append(
                ("line", [line.name, *line.counts.values(), line.total, line.satisfied_rate])
            )
    total = summary.total
    rows.append(("total", ["Tổng cộng", *total.counts.values(), total.total, total.satisfied_rate]))
    return rows


def _satisfaction_sheet(book: Any, report: Report) -> None:
    _load_openpyxl()
    sheet = book.create_sheet("Mức độ hài lòng")
    sheet["A1"] = "MỨC ĐỘ HÀI LÒNG CỦA CÔNG DÂN, TỔ CHỨC"
    sheet["A1"].font = Font(bold=True, size=13)
    sheet["A2"] = str(report.period.label)
    for c, text in enumerate(SATISFACTION_HEADERS, start=1):
        cell = sheet.cell(4, c, text)
        cell.font, cell.fill, cell.alignment, cell.border = Font(bold=True), _HEAD_FILL, _WRAP, _BOX
    row = 5
    for kind, values in satisfaction_rows(report):
        for c, value in enumerate(values, start=1):
            cell = sheet.cell(row, c)
            if isinstance(value, str):
                _text(cell, value)
            else:
                cell.value = value
                cell.number_format = "0.00" if c == len(SATISFACTION_HEADERS) else "#,##0"
            cell.border = _BOX
            if kind != "line":
                cell.font = Font(bold=True)
        row += 1
    sheet.column_dimensions["A"].width = 60
    for c in range(2, len(SATISFACTION_HEADERS) + 1):
        sheet.column_dimensions[get_column_letter(c)].width = 16
    sheet.freeze_panes = "B5"


def to_xlsx(report: Report, office_name: str = "") -> bytes:
    """The table as an XLSX workbook: title, two header rows (frozen), numbers as numbers."""
    _load_openpyxl()
    book = Workbook()
    sheet = book.active
    sheet.title = "Báo cáo"
    last_col = len(LEAD) + len(COLUMNS)
    _text(sheet["A1"], office_name)
    sheet["A1"].font = Font(bold=True)
    sheet["A2"] = TITLE
    sheet["A2"].font = Font(bold=True, size=13)
    sheet["A3"] = f"{report.period.label} — {as_of_text(report)}"
    group_row, header_row = HEADER_ROWS
    for i, text in enumerate(LEAD, start=1):
        sheet.cell(group_row, i, text)
        sheet.merge_cells(start_row=group_row, start_column=i, end_row=header_row, end_column=i)
    col = len(LEAD) + 1
    start = col
    for i, column in enumerate(COLUMNS):
        sheet.cell(header_row, col + i, str(column.header))
        following = COLUMNS[i + 1].group if i + 1 < len(COLUMNS) else None
        if following != column.group:
            sheet.cell(group_row, start, str(column.group))
            if col + i > start:
                sheet.merge_cells(
                    start_row=group_row, start_column=start, end_row=group_row, end_column=col + i
                )
            start = col + i + 1
    for row in (group_row, header_row):
        for c in range(1, last_col + 1):
            cell = sheet.cell(row, c)
            cell.font, cell.fill, cell.alignment, cell.border = (
                Font(bold=True),
                _HEAD_FILL,
                _WRAP,
                _BOX,
            )
    row = header_row + 1
    for line in table(report):
        bold = line.kind != "procedure"
        for c, text in enumerate((line.number, line.code, line.name), start=1):
            _text(sheet.cell(row, c), text)
        for i, column in enumerate(COLUMNS):
            value = cell_value(line.counts, column.key)
            if column.percent and value is not None:
                value = float(value)
            cell = sheet.cell(row, len(LEAD) + 1 + i, value)
            cell.number_format = "0.00" if column.percent else "#,##0"
        for c in range(1, last_col + 1):
            cell = sheet.cell(row, c)
            cell.border = _BOX
            if bold:
                cell.font = Font(bold=True)
        sheet.cell(row, 3).alignment = Alignment(wrap_text=True, vertical="top")
        row += 1
    sheet.column_dimensions["A"].width = 6
    sheet.column_dimensions["B"].width = 24
    sheet.column_dimensions["C"].width = 48
    for i in range(len(COLUMNS)):
        sheet.column_dimensions[get_column_letter(len(LEAD) + 1 + i)].width = 12
    sheet.row_dimensions[header_row].height = 45
    sheet.freeze_panes = sheet.cell(header_row + 1, len(LEAD) + 1)
    sheet.print_options.gridLines = False
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.print_title_rows = f"{group_row}:{header_row}"
    _satisfaction_sheet(book, report)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


#: Form 07's columns in the spreadsheet: the printed ones, the collector apart, and the
#: status instead of the signature (nobody signs a spreadsheet).
LEDGER_HEADERS = (
    ("STT", 6),
    (wording.DOSSIER_CODE, 30),
    ("Tên TTHC", 40),
    ("Tên tổ chức, cá nhân", 26),
    ("Địa chỉ/SĐT", 34),
    ("Cơ quan chủ trì giải quyết", 22),
    ("Nhận hồ sơ", 17),
    ("Hẹn trả kết quả", 17),
    ("Trả kết quả", 17),
    ("Người nhận kết quả", 22),
    ("Phương thức nhận kết quả", 24),
    ("Trạng thái", 18),
)
_WHEN = "dd/mm/yyyy hh:mm"
#: The sheet's header row, under the title block; the rows start below it.
LEDGER_HEADER_ROW = 6


#: Excel's last row (a sheet holds no more), less the title block above the rows and
#: the total and the date below them.
LEDGER_XLSX_MAX_ROWS = 1_048_576 - 9
_LEDGER_SHEET = "xl/worksheets/sheet1.xml"
#: Bytes gathered before a piece of a streamed file or page is sent.
CHUNK_BYTES = 64 * 1024
#: Rows turned into XML between two looks at what is ready to send.
_ROWS_PER_WRITE = 200


def chunked(pieces: Iterable[str | bytes], size: int = CHUNK_BYTES) -> Iterator[bytes]:
    """Join a stream of small pieces (a template's, a writer's) into pieces of ``size`` bytes."""
    pending: list[bytes] = []
    length = 0
    for piece in pieces:
        data = piece.encode("utf-8") if isinstance(piece, str) else piece
        pending.append(data)
        length += len(data)
        if length >= size:
            yield b"".join(pending)
            pending.clear()
            length = 0
    if pending:
        yield b"".join(pending)


class _Pipe:
    """A write-only file that keeps what a zip writes into it until the response takes it."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        """Nothing to flush: what is written waits in ``parts``."""

    def take(self) -> bytes:
        out = b"".join(self.parts)
        self.parts.clear()
        self.size = 0
        return out


def check_ledger_rows(data: LedgerData) -> None:
    """Refuse a period with more dossiers than a spreadsheet holds, before writing any."""
    if data.total > LEDGER_XLSX_MAX_ROWS:
        raise ValidationError(
            N_(
                "Kỳ này có %(count)s hồ sơ, nhiều hơn một tệp Excel chứa được (%(max)s dòng); "
                "hãy chọn một kỳ ngắn hơn."
            ),
            field="from",
            count=wording.format_count(data.total),
            max=wording.format_count(LEDGER_XLSX_MAX_ROWS),
        )


def _ledger_frame(data: LedgerData) -> tuple[bytes, dict[str, int]]:
    """The ledger workbook without its rows (title, header, settings) and the rows' styles.

    openpyxl writes every part of the file; the rows are then written straight into the
    sheet as the database hands them over (:func:`ledger_xlsx`).
    """
    _load_openpyxl()
    book = Workbook()
    sheet = book.active
    sheet.title = "Sổ theo dõi"
    _text(sheet["A1"], data.head.governing_body)
    _text(sheet["A2"], data.head.centre_name)
    sheet["A1"].font = sheet["A2"].font = Font(bold=True)
    sheet["A3"] = wording.LEDGER_TITLE
    sheet["A3"].font = Font(bold=True, size=13)
    period = f"Từ ngày {data.start:%d/%m/%Y} đến ngày {data.end:%d/%m/%Y}"
    if data.field_name:
        period += f" — Lĩnh vực: {data.field_name}"
    if data.status_label:
        period += f" — Trạng thái: {data.status_label}"
    _text(sheet["A4"], period)
    for c, (title, width) in enumerate(LEDGER_HEADERS, start=1):
        cell = sheet.cell(LEDGER_HEADER_ROW, c, title)
        cell.font, cell.fill, cell.alignment, cell.border = Font(bold=True), _HEAD_FILL, _WRAP, _BOX
        sheet.column_dimensions[get_column_letter(c)].width = width
    sheet.freeze_panes = sheet.cell(LEDGER_HEADER_ROW + 1, 1)
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.print_title_rows = f"{LEDGER_HEADER_ROW}:{LEDGER_HEADER_ROW}"
    # The rows' three looks, registered in the workbook's styles on a sheet then dropped.
    scratch = book.create_sheet("styles")
    top = Alignment(wrap_text=True, vertical="top")
    styles = {}
    for name, number_format in (("text", "General"), ("number", "General"), ("when", _WHEN)):
        cell = scratch.cell(1, len(styles) + 1)
        cell.border, cell.alignment, cell.number_format = _BOX, top, number_format
        styles[name] = cell.style_id
    book.remove(scratch)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), styles


#: Day 0 of Excel's dates (1900 system, as openpyxl writes them after February 1900).
_EXCEL_EPOCH = datetime(1899, 12, 30)
_DAY = timedelta(days=1)


def _xml_text(text: str) -> str:
    """Text as an XML string cell's content (no formula, no character XML forbids)."""
    text = _ILLEGAL_XML.sub("", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if text != text.strip():
        return f'<t xml:space="preserve">{text}</t>'
    return f"<t>{text}</t>"


def _ledger_row_xml(r: int, line: LedgerRow, styles: dict[str, int]) -> str:
    """One dossier's row of the sheet, as SpreadsheetML."""
    text, when = styles["text"], styles["when"]
    cells = [f'<c r="A{r}" s="{styles["number"]}"><v>{line.number}</v></c>']
    values = (
        ("B", line.code),
        ("C", line.procedure_name),
        ("D", line.applicant_name),
        ("E", line.address_phone),
        ("F", line.agency),
        ("G", line.received_at),
        ("H", line.due_at),
        ("I", line.returned_at),
        ("J", line.collected_by),
        ("K", line.delivery),
        ("L", line.status),
    )
    for column, value in values:
        if isinstance(value, datetime):
            serial = (clock.local_naive(value) - _EXCEL_EPOCH) / _DAY  # Excel's day number
            cells.append(f'<c r="{column}{r}" s="{when}"><v>{serial!r}</v></c>')
        elif value:
            cells.append(
                f'<c r="{column}{r}" s="{text}" t="inlineStr"><is>{_xml_text(value)}</is></c>'
            )
        else:
            cells.append(f'<c r="{column}{r}" s="{text}"/>')
    return f'<row r="{r}">{"".join(cells)}</row>'


def _text_row_xml(r: int, text: str) -> str:
    return f'<row r="{r}"><c r="A{r}" t="inlineStr"><is>{_xml_text(text)}</is></c></row>'


def ledger_xlsx(data: LedgerData) -> Iterator[bytes]:
    """Form 07 (sổ theo dõi hồ sơ) of a period as XLSX, in pieces as its rows are read.

    Times are Vietnam dates, text stays text. The file is a zip written into a pipe the
    response drains: memory holds a batch of rows and the zip's buffers, whatever the
    period; the first bytes leave before the database has been read to the end.
    """
    frame, styles = _ledger_frame(data)
    pipe = _Pipe()
    with (
        zipfile.ZipFile(io.BytesIO(frame)) as parts,
        zipfile.ZipFile(pipe, "w", zipfile.ZIP_DEFLATED) as out,
    ):
        names = sorted(parts.namelist(), key=lambda n: n != "[Content_Types].xml")
        for name in names:
            if name != _LEDGER_SHEET:
                out.writestr(name, parts.read(name))
        sheet = parts.read(_LEDGER_SHEET).decode("utf-8")
        # The frame's size (A1:L6) is not the sheet's: leave it out, it is optional.
        sheet = re.sub(r"<dimension [^>]*/>", "", sheet)
        head, tail = sheet.split("</sheetData>", 1)
        yield pipe.take()
        with out.open(_LEDGER_SHEET, "w") as entry:
            entry.write(head.encode("utf-8"))
            r = LEDGER_HEADER_ROW
            batch: list[str] = []
            for line in data.rows:
                r += 1
                batch.append(_ledger_row_xml(r, line, styles))
                if len(batch) >= _ROWS_PER_WRITE:
                    entry.write("".join(batch).encode("utf-8"))
                    batch.clear()
                    if pipe.size >= CHUNK_BYTES:  # the zip's compressor has enough to send
                        yield pipe.take()
            count = wording.format_count(r - LEDGER_HEADER_ROW)
            batch.append(_text_row_xml(r + 2, f"Tổng số: {count} hồ sơ."))
            batch.append(_text_row_xml(r + 3, data.printed))
            entry.write("".join(batch).encode("utf-8"))
            entry.write(("</sheetData>" + tail).encode("utf-8"))
        if pipe.size:
            yield pipe.take()
    yield pipe.take()  # the zip's directory, written as it closes
