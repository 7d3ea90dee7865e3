"""The report's files read back: the XLSX with openpyxl, the CSV as Excel would, the CLI."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from openpyxl import load_workbook

from counter.domain import clock
from counter.domain import reports as rd
from counter.extensions import db
from counter.services import report_files, reports

# The known set of dossiers (a fixture) and its fixed moment.
from tests.services.test_reports import AFTER, _certification, known  # noqa: F401


def _november() -> reports.Report:
    return reports.period_report(rd.month(2026, 11), now=AFTER)


def _expected_rows(report: reports.Report) -> list[list[Any]]:
    rows = []
    for line in report_files.table(report):
        numbers = []
        for column in rd.COLUMNS:
            value = line.counts.value(column.key)
            numbers.append(float(value) if column.percent and value is not None else value)
        texts = [text or None for text in (line.number, line.code, line.name)]
        rows.append([*texts, *numbers])
    return rows


@pytest.mark.usefixtures("known")
def test_xlsx_reads_back_as_the_report() -> None:
    report = _november()
    book = load_workbook(io.BytesIO(report_files.to_xlsx(report, "UBND xã Mường Phăng")))
    sheet = book.active
    assert sheet["A1"].value == "UBND xã Mường Phăng"
    assert sheet["A3"].value.startswith("Tháng 11/2026")
    group_row, header_row = report_files.HEADER_ROWS
    headers = [sheet.cell(header_row, c).value for c in range(4, 4 + len(rd.COLUMNS))]
    assert headers == [str(c.header) for c in rd.COLUMNS]
    assert sheet.cell(group_row, 4).value == "Tổng số hồ sơ"
    assert sheet.cell(group_row, 6).value == "Tiếp nhận trong kỳ"
    assert sheet.freeze_panes == "D7"
    assert sheet.column_dimensions["C"].width == 48
    got = [
        [c.value for c in row]
        for row in sheet.iter_rows(min_row=header_row + 1, max_col=3 + len(rd.COLUMNS))
    ]
    assert got == _expected_rows(report)
    total = got[-1]
    assert total[2] == "Tổng cộng" and total[3] == 10 and total[-1] == 75.0
    # Numbers are numbers: a spreadsheet can add them up.
    total_row = sheet.max_row
    assert all(sheet.cell(total_row, c).data_type == "n" for c in range(4, 4 + len(rd.COLUMNS)))


@pytest.mark.usefixtures("known")
def test_csv_has_the_bom_and_round_trips_vietnamese() -> None:
    data = report_files.to_csv(_november())
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == [report_files.TITLE]
    assert rows[2][:3] == ["STT", "Mã", "Lĩnh vực, thủ tục hành chính"]
    assert rows[2][4] == "Tổng số hồ sơ - Kỳ trước chuyển sang"
    cert = _certification()
    [line] = [r for r in rows[3:] if r[2] == cert.name]
    assert line[3:8] == ["2", "0", "2", "0", "0"]
    assert rows[-1][2] == "Tổng cộng" and rows[-1][-1] == "75.00"


@pytest.mark.usefixtures("known")
def test_a_formula_in_a_name_stays_text() -> None:
    cert = _certification()
    cert.name = '=HYPERLINK("http://x","Bấm")'
    db.session.commit()
    report = _november()
    rows = list(csv.reader(io.StringIO(report_files.to_csv(report).decode("utf-8-sig"))))
    assert [r[2] for r in rows[3:] if "HYPERLINK" in r[2]] == ['\'=HYPERLINK("http://x","Bấm")']
    sheet = load_workbook(io.BytesIO(report_files.to_xlsx(report))).active
    [cell] = [c for c in sheet["C"] if c.value and "HYPERLINK" in str(c.value)]
    assert cell.data_type == "s" and cell.value == cert.name


@pytest.mark.usefixtures("known")
def test_cli_writes_both_files(app: Flask, tmp_path: Path) -> None:
    xlsx, csv_file = tmp_path / "bc.xlsx", tmp_path / "bc.csv"
    args = ["report", "--from", "2026-11-01", "--to", "2026-11-30"]
    with clock.frozen(AFTER):
        result = app.test_cli_runner().invoke(
            args=[*args, "--xlsx", str(xlsx), "--csv", str(csv_file)]
        )
    assert result.exit_code == 0, result.output
    sheet = load_workbook(xlsx).active
    assert sheet.cell(sheet.max_row, 4).value == 10
    assert csv_file.read_bytes().startswith(b"\xef\xbb\xbf")
    bad = app.test_cli_runner().invoke(
        args=["report", "--from", "31/02/2026", "--csv", str(csv_file)]
    )
    assert bad.exit_code != 0 and "không có trên lịch" in bad.output
