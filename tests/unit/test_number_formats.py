"""The printed shape of the ledger numbers, the counter notices' numbers and the forms' number line."""

from datetime import date

from counter.domain.codes import (
    form_number,
    format_dossier_seq,
    format_ledger_seq,
    format_notice_number,
    ledger_book,
    ledger_book_start,
)


def test_a_dossier_code_sequence_has_four_digits_at_least() -> None:
    assert format_dossier_seq(7) == "0007"
    assert format_dossier_seq(12345) == "12345"


def test_a_notice_number_is_its_form_the_day_and_four_digits_at_least() -> None:
    assert format_notice_number("02", date(2025, 11, 28), 1) == "02-251128-0001"
    assert format_notice_number("03", date(2026, 1, 5), 12345) == "03-260105-12345"


def test_the_ledger_has_one_book_a_year_numbered_from_its_first_day() -> None:
    assert ledger_book(date(2025, 11, 28)) == "2025"
    assert ledger_book_start(date(2025, 11, 28)) == date(2025, 1, 1)
    assert ledger_book_start(date(2026, 1, 1)) == date(2026, 1, 1)


def test_a_ledger_number_prints_plain_and_blank_when_there_is_none() -> None:
    assert format_ledger_seq(7) == "7"
    assert format_ledger_seq(1204) == "1204"
    assert format_ledger_seq(None) == ""


def test_the_number_line_of_a_form_has_the_centre_suffix_or_dots_to_fill_in() -> None:
    assert form_number("02-251128-0001") == "02-251128-0001/TTPVHCC"
    assert form_number(12) == "12/TTPVHCC"
    assert form_number("") == "……/TTPVHCC"
    assert form_number(None) == "……/TTPVHCC"
