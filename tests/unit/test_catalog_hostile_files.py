"""Catalog files made to hurt: each is refused with a plain Vietnamese message (issue 9).

A decompression bomb (a few hundred KB that unpack to gigabytes of cells), a
sheet that claims a million rows, a broken or truncated workbook, XML with a
DOCTYPE and entities, JSON nested a hundred thousand deep, and numbers of a
hundred thousand digits: none may raise, hang or eat the memory of the PC.
"""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from openpyxl import Workbook

from counter.domain.catalog import (
    XLSX_MAX_CELLS,
    XLSX_MAX_UNPACKED,
    ImportResult,
    parse_csv,
    parse_json,
    parse_xlsx,
)

HEADER = ["ma_tthc", "ten_tthc", "thoi_han", "don_vi_thoi_han", "le_phi", "thanh_phan_ho_so"]
ROW = ["1.000001", "Đăng ký khai sinh", 3, "ngày làm việc", "8000", "Tờ khai (bản chính) x1"]
SHEET = "xl/worksheets/sheet1.xml"


def _workbook(*rows: list[object]) -> bytes:
    book = Workbook()
    for row in (HEADER, *rows):
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _with_member(data: bytes, name: str, content: bytes) -> bytes:
    """The workbook with one member replaced (or added), deflated as Excel does."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != name:
                target.writestr(info.filename, source.read(info.filename))
        target.writestr(name, content)
    return out.getvalue()


def _sheet(rows: bytes, dimension: str | None = None) -> bytes:
    dim = f'<dimension ref="{dimension}"/>'.encode() if dimension else b""
    return (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + dim
        + b"<sheetData>"
        + rows
        + b"</sheetData></worksheet>"
    )


def _only_error(result: ImportResult) -> str:
    assert result.records == []
    assert len(result.errors) == 1, result.errors
    line, message = result.errors[0]
    assert line == 0
    return str(message)


def test_a_sound_workbook_still_reads() -> None:
    result = parse_xlsx(_workbook(ROW))
    assert result.errors == [] and [r.national_code for r in result.records] == ["1.000001"]


def test_a_decompression_bomb_is_refused_before_it_is_unpacked() -> None:
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    rows = row * (XLSX_MAX_UNPACKED // len(row) + 1)  # just past the limit, in one member
    bomb = _with_member(_workbook(ROW), SHEET, _sheet(rows))
    assert len(bomb) < XLSX_MAX_UNPACKED // 100  # a small upload…
    message = _only_error(parse_xlsx(bomb))
    assert "giải nén" in message and "50 MB" in message


def test_a_sheet_claiming_a_million_rows_is_refused_from_its_dimension() -> None:
    data = _with_member(_workbook(ROW), SHEET, _sheet(b"", dimension="A1:XFD1048576"))
    message = _only_error(parse_xlsx(data))
    assert f"{XLSX_MAX_CELLS:,}".replace(",", ".") in message


def test_a_sheet_whose_cells_pass_the_limit_is_refused_before_it_is_read() -> None:
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c><c><v>1</v></c></row>'
    rows = row * (XLSX_MAX_CELLS // 2 + 10)  # no dimension to tell
    data = _with_member(_workbook(ROW), SHEET, _sheet(rows))
    message = _only_error(parse_xlsx(data))
    assert f"{XLSX_MAX_CELLS:,}".replace(",", ".") in message


def test_a_row_number_past_the_limit_is_refused_without_a_dimension() -> None:
    # openpyxl would yield a million empty rows before this one
    data = _with_member(_workbook(ROW), SHEET, _sheet(b'<row r="1048576"><c><v>1</v></c></row>'))
    message = _only_error(parse_xlsx(data))
    assert f"{XLSX_MAX_CELLS:,}".replace(",", ".") in message


@pytest.mark.parametrize(
    "data",
    [
        b"not a workbook at all",
        b"PK\x03\x04" + b"\x00" * 40,
        _workbook(ROW)[:900],  # cut short in transfer
        _with_member(_workbook(ROW), SHEET, b"<worksheet><sheetData><row><c"),  # broken XML
        _with_member(_workbook(ROW), "xl/workbook.xml", b"\x00\xff garbage"),
    ],
    ids=["text", "zip-header-only", "truncated", "broken-sheet-xml", "broken-workbook-xml"],
)
def test_a_broken_workbook_is_refused_in_vietnamese(data: bytes) -> None:
    message = _only_error(parse_xlsx(data))
    assert "Không đọc được tệp Excel" in message or "Không mở được tệp Excel" in message


def test_xml_with_a_doctype_and_entities_is_refused() -> None:
    laughs = (
        b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(
            f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
            for i in range(1, 10)
        )
        + b']>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row><c t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData>'
        b"</worksheet>"
    )
    data = _with_member(_workbook(ROW), SHEET, laughs)
    message = _only_error(parse_xlsx(data))
    assert "DOCTYPE" in message


def test_json_nested_a_hundred_thousand_deep_is_refused() -> None:
    message = _only_error(parse_json(b"[" * 100_000 + b"]" * 100_000))
    assert "lồng" in message


def test_a_number_of_a_hundred_thousand_digits_is_refused_in_json() -> None:
    big = "9" * 100_000
    data = ('[{"ma_tthc": "1.000001", "ten_tthc": "x", "thoi_han": ' + big + "}]").encode()
    message = _only_error(parse_json(data))
    assert "quá dài" in message


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("le_phi", "9" * 100_000),
        ("thoi_han", "9" * 100_000),
        ("thanh_phan_ho_so", "Tờ khai (bản chính) x" + "9" * 100_000),
        ("le_phi", "99999999999"),
        ("thoi_han", "100000"),
        ("thanh_phan_ho_so", "Tờ khai (bản chính) x1000"),
    ],
)
def test_numbers_too_large_for_a_cell_are_refused_on_their_line(column: str, value: str) -> None:
    row = dict(zip(HEADER, map(str, ROW), strict=True)) | {column: value}
    data = (",".join(HEADER) + "\n" + ",".join(row[c] for c in HEADER) + "\n").encode()
    result = parse_csv(data)
    assert result.records == []
    [(line, message)] = result.errors
    assert line == 2 and "quá lớn" in str(message)


def test_a_number_of_a_hundred_thousand_digits_in_a_workbook_cell_is_refused() -> None:
    cell = b"<row><c><v>" + b"9" * 100_000 + b"</v></c></row>"
    data = _with_member(_workbook(ROW), SHEET, _sheet(cell))
    result = parse_xlsx(data)
    assert result.records == [] and result.errors


@pytest.mark.parametrize(
    "data",
    [b"\x00\xff\xfe" * 3000, b"ma_tthc," + b"x" * 300_000 + b"\n1.000001,y\n", b"\x00" * 1000],
    ids=["binary", "a-line-of-300-KB", "nul-bytes"],
)
def test_garbage_csv_is_refused_with_a_message(data: bytes) -> None:
    result = parse_csv(data)
    assert result.records == [] and result.errors


def test_json_numbers_and_depth_within_reason_still_read() -> None:
    item = {
        "ma_tthc": "1.000001",
        "ten_tthc": "Đăng ký khai sinh",
        "thoi_han": 3,
        "don_vi_thoi_han": "ngày làm việc",
        "le_phi": [{"so_tien": 8000, "mo_ta": "đ/bản"}],
    }
    result = parse_json(json.dumps({"thu_tuc": [item]}).encode())
    assert result.errors == [] and result.records[0].fees[0].amount == 8000
