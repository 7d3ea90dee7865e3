"""Catalog import: CSV, XLSX and JSON parsing, and what an import would change."""

import csv
import io
import json
import unicodedata
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook

from counter.domain.catalog import (
    DEMO_CATALOG_PATH,
    Fee,
    ImportResult,
    ProcedureRecord,
    RequiredDocument,
    diff_catalog,
    load_demo_catalog,
    parse_csv,
    parse_json,
    parse_xlsx,
)

DATA = Path(__file__).resolve().parent.parent / "data"
GOOD = (DATA / "catalog_good.csv").read_bytes()
BAD = (DATA / "catalog_bad.csv").read_bytes()


def _by_code(result: ImportResult) -> dict[str, ProcedureRecord]:
    return {r.national_code: r for r in result.records}


def _xlsx(rows: list[list[object]], title: str | None = None, before: int = 0) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for n in range(before):
        workbook.create_sheet(f"Khac{n}", 0)
    if title:
        sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cp1258(text: str) -> bytes:
    """Encode like Excel on Vietnamese Windows: base letters plus combining tone marks."""
    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = []
    for char in unicodedata.normalize("NFC", text):
        decomposed = unicodedata.normalize("NFD", char)
        base = "".join(c for c in decomposed if c not in tones)
        tone = "".join(c for c in decomposed if c in tones)
        out.append(unicodedata.normalize("NFC", base) + tone)
    return "".join(out).encode("cp1258")


# --- CSV ---------------------------------------------------------------------


def test_good_csv_reads_every_row() -> None:
    result = parse_csv(GOOD)
    assert result.errors == []
    assert result.ok
    assert [r.national_code for r in result.records] == [
        "1.001193",
        "2.000635",
        "1.004873",
        "2.000815",
        "2.001035",
        "1.004845",
    ]


def test_good_csv_values() -> None:
    records = _by_code(parse_csv(GOOD))
    birth = records["1.001193"]
    assert birth == ProcedureRecord(
        national_code="1.001193",
        local_code="1.001193.000.00.00.H18",
        name="Đăng ký khai sinh",
        field_code="HT",
        field_name="Hộ tịch",
        limit_amount=Decimal(0),
        limit_unit="same_day",
        limit_note="Sau 15 giờ: trả trong ngày làm việc tiếp theo",
        fees=[Fee(0, "Miễn lệ phí nếu đăng ký đúng hạn")],
        documents=[
            RequiredDocument("Tờ khai đăng ký khai sinh", "original", 1),
            RequiredDocument("Giấy chứng sinh", "original", 1),
        ],
        result_name="Giấy khai sinh",
        service_level="full_online",
        implementing_body="UBND xã",
        legal_basis="Luật Hộ tịch 2014; Nghị định 123/2015/NĐ-CP",
        active=True,
        effective_from=date(2025, 7, 1),
    )
    extract = records["2.000635"]
    assert extract.fees == [Fee(8000, "đ/bản")]
    assert extract.documents == [
        RequiredDocument("Tờ khai cấp bản sao trích lục hộ tịch", "original", 1, code="TK01")
    ]
    assert extract.effective_from == date(2025, 7, 1)  # ISO date works too
    marital = records["1.004873"]
    assert (marital.limit_amount, marital.limit_unit) == (Decimal(3), "working_days")
    assert marital.fees == [Fee(None, "Theo Nghị quyết HĐND tỉnh")]
    assert marital.documents[1] == RequiredDocument(
        "Giấy tờ chứng minh việc ly hôn (nếu có)", "original_or_copy", 1
    )
    copy = records["2.000815"]
    assert copy.fees == [
        Fee(2000, "đ/trang (trang 1 và 2)"),
        Fee(1000, "đ/trang từ trang 3, tối đa 200.000 đ/bản"),
    ]
    assert copy.service_level == "partial_online"
    contract = records["2.001035"]
    assert contract.local_code is None
    assert contract.service_level is None
    assert contract.documents[1] == RequiredDocument("Giấy tờ tùy thân", "copy", 2)
    abolished = records["1.004845"]
    assert abolished.active is False
    assert abolished.replaced_by == "1.004837"
    assert abolished.fees == []


def test_bad_csv_reports_each_problem_on_its_line() -> None:
    result = parse_csv(BAD)
    assert [r.national_code for r in result.records] == ["1.001193"]
    lines = [line for line, _ in result.errors]
    assert lines == [3, 4, 5, 6, 7, 8, 9, 10, 10, 11, 12, 13]
    messages = dict(result.errors)
    assert "ten_tthc" in messages[3]
    assert "'tuần'" in messages[4]
    assert "31/02/2025" in messages[5]
    assert "không đúng dạng" in messages[6]
    assert "Văn bản (Text)" in messages[7]
    assert "trùng với dòng 2" in messages[8]
    assert "1.004837.000.00.00.H18" in messages[9]
    assert "1,5 triệu" in messages[11]
    assert "bản nháp" in messages[12]  # row 12 holds a quoted line break
    assert "lớn hơn 0" in messages[13]
    assert not result.ok


def _good_with(delimiter: str) -> str:
    rows = list(csv.reader(io.StringIO(GOOD.decode("utf-8"))))
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(rows)
    return out.getvalue()


def test_csv_from_excel_with_bom_and_semicolons() -> None:
    data = b"\xef\xbb\xbf" + _good_with(";").encode("utf-8")
    result = parse_csv(data)
    assert result.errors == []
    assert _by_code(result) == _by_code(parse_csv(GOOD))


def test_csv_in_windows_1258_and_utf16() -> None:
    expected = _by_code(parse_csv(GOOD))
    assert _by_code(parse_csv(_cp1258(GOOD.decode("utf-8")))) == expected
    assert _by_code(parse_csv(_good_with("\t").encode("utf-16"))) == expected


def test_csv_title_lines_above_the_header_are_skipped() -> None:
    data = "DANH MỤC TTHC CẤP XÃ,,\nma_tthc,ten_tthc,thoi_han\n1.001193,,trong ngày\n"
    assert parse_csv(data.encode()).errors == [(3, "Cột ten_tthc: thiếu tên thủ tục.")]


def test_headers_may_be_written_in_vietnamese_or_english() -> None:
    data = (
        "Mã TTHC,Tên TTHC,Thời hạn,Đơn vị thời hạn,LỆ PHÍ,Trạng thái\n"
        "1.001193,Đăng ký khai sinh,,Trong ngày,0,Hiệu lực\n"
    ).encode()
    english = (
        "national_code,name,limit_amount,limit_unit,fees,status\n"
        "1.001193,Đăng ký khai sinh,,same_day,0,active\n"
    ).encode()
    assert parse_csv(data).records == parse_csv(english).records
    assert parse_csv(data).records[0].limit_unit == "same_day"
    assert parse_csv(data).columns == frozenset(
        {"national_code", "name", "limit_amount", "limit_unit", "fees", "active"}
    )


def test_unit_may_be_written_with_the_amount() -> None:
    data = "ma_tthc,ten_tthc,thoi_han\n1.004873,Xác nhận,3 ngày làm việc\n2.000635,Trích lục,Trong ngày\n"
    records = parse_csv(data.encode()).records
    assert [(r.limit_amount, r.limit_unit) for r in records] == [
        (Decimal(3), "working_days"),
        (Decimal(0), "same_day"),
    ]


@pytest.mark.parametrize(
    ("amount", "unit", "expected"),
    [
        ("3", "Ngày làm việc", (Decimal(3), "working_days")),
        ("0,5", "ngày làm việc", (Decimal("0.5"), "working_days")),
        ("1.5", "working_days", (Decimal("1.5"), "working_days")),
        ("8", "giờ làm việc", (Decimal(8), "working_hours")),
        ("30", "ngày", (Decimal(30), "calendar_days")),
        ("", "trong ngày", (Decimal(0), "same_day")),
        ("Trong ngày", "trong ngày", (Decimal(0), "same_day")),
        ("5 ngày", "", (Decimal(5), "calendar_days")),
    ],
)
def test_limits(amount: str, unit: str, expected: tuple[Decimal, str]) -> None:
    data = f'ma_tthc,ten_tthc,thoi_han,don_vi_thoi_han\n1.004873,X,"{amount}",{unit}\n'
    record = parse_csv(data.encode()).records[0]
    assert (record.limit_amount, record.limit_unit) == expected


@pytest.mark.parametrize(
    ("amount", "unit"),
    [("NaN", "ngày"), ("1e3", "ngày"), ("-1", "ngày"), ("0", "ngày làm việc"), ("", "ngày")],
)
def test_bad_limits(amount: str, unit: str) -> None:
    data = f'ma_tthc,ten_tthc,thoi_han,don_vi_thoi_han\n1.004873,X,"{amount}",{unit}\n'
    result = parse_csv(data.encode())
    assert result.records == []
    assert result.errors[0][1].startswith("Cột thoi_han")


def test_limit_without_unit_is_an_error() -> None:
    result = parse_csv(b"ma_tthc,ten_tthc,thoi_han\n1.004873,X,3\n")
    assert result.records == []
    assert result.errors[0][0] == 2
    assert "đơn vị" in result.errors[0][1]


def test_missing_required_columns_is_reported_on_the_header() -> None:
    result = parse_csv("ma_tthc,linh_vuc\n1.001193,Hộ tịch\n".encode())
    assert result.records == []
    assert result.errors == [(1, "Thiếu cột bắt buộc: ten_tthc, thoi_han.")]


def test_duplicate_column_is_reported() -> None:
    result = parse_csv(b"ma_tthc,national_code,ten_tthc,thoi_han\n")
    assert result.errors == [(1, "Cột ma_tthc xuất hiện hai lần.")]


def test_empty_file() -> None:
    assert parse_csv(b"").errors == [(0, "Tệp không có dữ liệu.")]
    assert parse_csv(b"\n\n").errors == [(0, "Tệp không có dữ liệu.")]


def test_blank_rows_are_skipped_but_counted() -> None:
    data = "ma_tthc,ten_tthc,thoi_han\n\n,,\n1.001193,,trong ngày\n".encode()
    assert parse_csv(data).errors[0][0] == 4


def test_unknown_columns_are_ignored() -> None:
    data = "STT,ma_tthc,ten_tthc,thoi_han,Ghi chú riêng\n1,1.001193,Khai sinh,trong ngày,x\n"
    result = parse_csv(data.encode())
    assert result.errors == []
    assert "STT" not in result.columns


# --- XLSX --------------------------------------------------------------------

HEADER = ["Mã TTHC", "Tên TTHC", "Thời hạn", "Đơn vị thời hạn", "Lệ phí", "Hiệu lực từ"]


def test_xlsx_with_typed_cells() -> None:
    data = _xlsx(
        [
            HEADER,
            ["1.004873", "Xác nhận tình trạng hôn nhân", 3, "ngày làm việc", None, "01/07/2025"],
            ["2.000635", "Cấp bản sao trích lục", None, "trong ngày", 8000, datetime(2025, 7, 1)],
            # A code typed as a number lost its trailing zero: 2.000890 -> 2.00089.
            [2.00089, "Thủ tục có mã kiểu số", 0.5, "ngày làm việc", "10.000 đ", None],
        ]
    )
    result = parse_xlsx(data)
    assert result.errors == []
    records = _by_code(result)
    assert records["1.004873"].effective_from == date(2025, 7, 1)
    assert records["2.000635"].fees == [Fee(8000)]
    assert records["2.000635"].effective_from == date(2025, 7, 1)
    assert records["2.000890"].limit_amount == Decimal("0.5")
    assert records["2.000890"].fees == [Fee(10000, "đ")]


def test_xlsx_line_numbers_are_sheet_rows_and_title_rows_are_allowed() -> None:
    data = _xlsx(
        [
            ["DANH MỤC THỦ TỤC HÀNH CHÍNH CẤP XÃ"],
            [],
            HEADER,
            ["1.004873", "", 3, "ngày làm việc", None, None],
        ]
    )
    result = parse_xlsx(data)
    assert result.errors == [(4, "Cột ten_tthc: thiếu tên thủ tục.")]


def test_xlsx_prefers_the_thu_tuc_sheet() -> None:
    data = _xlsx([HEADER, ["1.004873", "Xác nhận", 3, "ngày làm việc", None, None]], "Thu tuc", 1)
    assert [r.national_code for r in parse_xlsx(data).records] == ["1.004873"]


def test_not_an_xlsx() -> None:
    assert parse_xlsx(b"not a zip").errors == [(0, "Không mở được tệp Excel (.xlsx).")]
    assert parse_xlsx(GOOD).errors[0][0] == 0


# --- JSON --------------------------------------------------------------------


def test_json_list_and_wrapped_forms() -> None:
    item = {
        "ma_tthc": "1.001193",
        "ten_tthc": "Đăng ký khai sinh",
        "thoi_han": 0,
        "don_vi_thoi_han": "same_day",
        "thanh_phan_ho_so": [
            {"ten": "Tờ khai đăng ký khai sinh", "loai": "bản chính", "so_luong": 1},
            {"name": "Giấy chứng sinh", "kind": "original_or_copy", "count": 2, "code": "GCS"},
            "Giấy tờ khác (bản sao) x3",
        ],
        "le_phi": [0, "8.000 đ/bản", {"so_tien": None, "mo_ta": "Theo HĐND"}],
        "trang_thai": True,
    }
    as_list = parse_json(json.dumps([item]).encode())
    wrapped = parse_json(json.dumps({"ghi_chu": "x", "thu_tuc": [item]}).encode("utf-8-sig"))
    assert as_list.errors == wrapped.errors == []
    assert as_list.records == wrapped.records
    record = as_list.records[0]
    assert record.documents == [
        RequiredDocument("Tờ khai đăng ký khai sinh", "original", 1),
        RequiredDocument("Giấy chứng sinh", "original_or_copy", 2, "GCS"),
        RequiredDocument("Giấy tờ khác", "copy", 3),
    ]
    assert record.fees == [Fee(0), Fee(8000, "đ/bản"), Fee(None, "Theo HĐND")]


def test_json_errors_are_numbered_by_item() -> None:
    items = [
        {"ma_tthc": "1.001193", "ten_tthc": "A", "thoi_han": "trong ngày"},
        "not an object",
        {"ma_tthc": "1.004873", "ten_tthc": "B", "thoi_han": 3, "don_vi_thoi_han": "tuần"},
        {
            "ma_tthc": "1.004859",
            "ten_tthc": "C",
            "thoi_han": 3,
            "don_vi_thoi_han": "ngày",
            "thanh_phan_ho_so": [{"ten": "X", "loai": "bản chính", "so_luong": 0}],
        },
        {"ma_tthc": "1.004884", "ten_tthc": "D"},
    ]
    result = parse_json(json.dumps(items).encode())
    assert [r.national_code for r in result.records] == ["1.001193"]
    assert [line for line, _ in result.errors] == [2, 3, 4, 5]
    assert "thiếu thời hạn" in result.errors[3][1]


@pytest.mark.parametrize("data", [b"{not json", b'{"other": []}', b"42", b"[1,"])
def test_json_that_is_not_a_catalog(data: bytes) -> None:
    result = parse_json(data)
    assert result.records == []
    assert result.errors[0][0] == 0


# --- the demo catalog ----------------------------------------------------------

#: Names in the 2025 national catalogue of the procedures the demo once named otherwise.
NAMES_2025 = {
    "2.001035": "Chứng thực giao dịch liên quan đến tài sản là động sản, quyền sử dụng đất, nhà ở",
    "2.000913": "Chứng thực việc sửa đổi, bổ sung, hủy bỏ giao dịch",
    "2.000927": "Sửa lỗi sai sót trong giao dịch",
    "2.000635": "Cấp bản sao Trích lục hộ tịch, bản sao Giấy khai sinh",
    "1.004873": "Cấp Giấy xác nhận tình trạng hôn nhân",
}


def test_demo_catalog_loads_without_errors() -> None:
    result = load_demo_catalog()
    assert result.errors == []
    assert len(result.records) == 19
    assert result.records == parse_json(DEMO_CATALOG_PATH.read_bytes()).records


def test_demo_catalog_content() -> None:
    records = _by_code(load_demo_catalog())
    assert all(r.local_code == f"{code}.000.00.00.H18" for code, r in records.items())
    assert all(r.implementing_body == "UBND xã" and r.documents for r in records.values())
    assert {r.field_name for r in records.values()} == {
        "Hộ tịch",
        "Chứng thực",
        "Thành lập và hoạt động của hộ kinh doanh",
    }
    birth = records["1.001193"]
    assert birth.limit_unit == "same_day"
    assert [(d.name, d.kind, d.count) for d in birth.documents] == [
        ("Tờ khai đăng ký khai sinh", "original", 1),
        ("Giấy chứng sinh hoặc giấy tờ thay Giấy chứng sinh", "original", 1),
    ]
    copy = records["2.000815"]
    assert [(d.kind, d.count) for d in copy.documents] == [("original", 1), ("copy", 1)]
    assert [f.amount for f in copy.fees] == [2000, 1000]
    assert "Nghị định 23/2015/NĐ-CP" in copy.legal_basis
    assert records["2.000635"].fees == [Fee(8000, "đ/bản sao trích lục")]
    assert records["1.004884"].limit_amount == 5
    assert records["1.001612"].limit_unit == "working_days"


def test_demo_catalog_follows_the_2025_national_catalogue() -> None:
    records = _by_code(load_demo_catalog())
    assert {code: records[code].name for code in NAMES_2025} == NAMES_2025
    for record in records.values():
        if record.field_name == "Chứng thực":
            assert "Nghị định 280/2025/NĐ-CP" in record.legal_basis, record.national_code
        if record.field_name == "Hộ tịch":
            assert "Nghị định 07/2025/NĐ-CP" in record.legal_basis, record.national_code


# --- diff --------------------------------------------------------------------


def _record(code: str, **changes: object) -> ProcedureRecord:
    base = ProcedureRecord(national_code=code, name=f"Thủ tục {code}", limit_amount=Decimal(3))
    return replace(base, **changes)


def test_diff_sorts_an_import() -> None:
    existing = {
        "1.000001": _record("1.000001"),
        "1.000002": _record("1.000002"),
        "1.000003": _record("1.000003"),
        "1.000004": _record("1.000004"),
        "1.000005": _record("1.000005", active=False),
    }
    incoming = [
        _record("1.000001"),  # unchanged
        _record("1.000002", limit_amount=Decimal(5), fees=[Fee(10000)]),  # changed
        _record("1.000003", active=False, replaced_by="1.000009"),  # abolished
        _record("1.000005"),  # re-activated: a change
        _record("1.000009"),  # new
        _record("1.000010", active=False),  # abolished, never known: ignored
    ]
    diff = diff_catalog(existing, incoming)
    assert [r.national_code for r in diff.unchanged] == ["1.000001"]
    assert [(c.record.national_code, c.fields) for c in diff.changed] == [
        ("1.000002", ["limit_amount", "fees"]),
        ("1.000005", ["active"]),
    ]
    assert [r.national_code for r in diff.abolished] == ["1.000003"]
    assert [r.national_code for r in diff.new] == ["1.000009"]
    assert [r.national_code for r in diff.ignored] == ["1.000010"]
    # A full import does not abolish what it leaves out.
    assert diff.absent == ["1.000004"]


def test_diff_compares_only_the_columns_in_the_file() -> None:
    existing = {"1.000001": _record("1.000001", fees=[Fee(8000)], legal_basis="Luật")}
    incoming = [_record("1.000001", limit_amount=Decimal(5))]
    columns = frozenset({"national_code", "name", "limit_amount", "limit_unit"})
    assert diff_catalog(existing, incoming, columns).changed[0].fields == ["limit_amount"]
    assert diff_catalog(existing, incoming).changed[0].fields == [
        "limit_amount",
        "fees",
        "legal_basis",
    ]


def test_importing_the_same_file_twice_changes_nothing() -> None:
    first = parse_csv(GOOD)
    existing = _by_code(first)
    diff = diff_catalog(existing, parse_csv(GOOD).records, first.columns)
    assert diff.new == diff.changed == diff.abolished == []
    assert len(diff.unchanged) == len(first.records)


def test_documents_and_fees_read_a_list_whose_texts_may_hold_several_items() -> None:
    # One rule for both cells: a list, or one value; a text in it splits on ";".
    item = {
        "ma_tthc": "1.001193",
        "ten_tthc": "Đăng ký khai sinh",
        "thoi_han": 0,
        "don_vi_thoi_han": "same_day",
        "thanh_phan_ho_so": [
            "Tờ khai (bản chính); Giấy chứng sinh (bản sao) x2",
            {"ten": "Sổ", "loai": "bản chính"},
        ],
        "le_phi": ["8.000 đ/bản; 0", 5000],
    }
    record = parse_json(json.dumps([item]).encode()).records[0]
    assert [(d.name, d.kind, d.count) for d in record.documents] == [
        ("Tờ khai", "original", 1),
        ("Giấy chứng sinh", "copy", 2),
        ("Sổ", "original", 1),
    ]
    assert record.fees == [Fee(8000, "đ/bản"), Fee(0), Fee(5000)]
