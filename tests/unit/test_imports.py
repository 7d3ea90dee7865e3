"""The shapes every file import shares: a line error, a preview, a refusal."""

from __future__ import annotations

from counter.domain.errors import ValidationError
from counter.domain.i18n import N_, Message
from counter.domain.imports import ImportPreview, ImportRefused, RowError

ENGLISH = {
    "Dòng %(line)s: %(detail)s": "Row %(line)s: %(detail)s",
    "thiếu cột: %(columns)s": "missing columns: %(columns)s",
}


def test_a_line_error_reads_with_its_line_number_in_the_readers_language() -> None:
    error = RowError(1, Message(N_("thiếu cột: %(columns)s"), columns=["kind", "source"]))
    assert str(error) == "Dòng 1: thiếu cột: kind, source"
    assert error.message.translated(lambda msgid: ENGLISH.get(msgid, msgid)) == (
        "Row 1: missing columns: kind, source"
    )


def test_an_error_of_the_whole_file_has_no_line_number() -> None:
    error = RowError(0, N_("Tệp không có dữ liệu."))
    assert str(error) == "Tệp không có dữ liệu."


def test_a_line_error_is_a_line_and_a_detail() -> None:
    line, detail = RowError(3, N_("Cột ten_tthc: thiếu tên thủ tục."))
    assert (line, detail) == (3, "Cột ten_tthc: thiếu tên thủ tục.")
    assert RowError(3, N_("Cột ten_tthc: thiếu tên thủ tục.")) == (
        3,
        "Cột ten_tthc: thiếu tên thủ tục.",
    )


def test_a_file_with_an_error_imports_nothing() -> None:
    good = ImportPreview(rows=["a", "b"])
    assert good.ok and good.can_apply
    bad = ImportPreview(rows=["a"], errors=[RowError(3, N_("sai"))])
    assert not bad.ok and not bad.can_apply
    assert not ImportPreview().can_apply  # an empty file imports nothing either


def test_the_refusal_names_the_file_field_counts_the_lines_and_keeps_them() -> None:
    errors = [RowError(line, N_("ngày không hợp lệ")) for line in range(2, 10)]
    preview = ImportPreview(rows=[], errors=errors)
    refusal = ImportRefused(preview)
    assert isinstance(refusal, ValidationError)
    assert refusal.preview is preview  # the page lists every line again from it
    assert refusal.field_errors == {"file": refusal.message}
    assert str(refusal).startswith("Tệp có 8 dòng lỗi, chưa lưu gì: Dòng 2: ngày không hợp lệ")
    assert "Dòng 6" in str(refusal) and "Dòng 7" not in str(refusal)  # the first five
