"""Dossier codes and agency e-identifiers."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from counter.domain.codes import (
    DossierCode,
    format_dossier_code,
    parse_dossier_code,
    validate_agency_identifier,
)
from counter.domain.errors import ValidationError


@pytest.mark.parametrize(
    "agency",
    ["000.20.18.H18", "000.00.00.H41", "000.00.00.G22", "000.00.18.G12", "18.H18", "H18.01.00.H18"],
)
def test_valid_agency_identifiers(agency: str) -> None:
    assert validate_agency_identifier(agency) == agency


def test_agency_identifier_is_normalised() -> None:
    assert validate_agency_identifier("  000.20.18.h18 \n") == "000.20.18.H18"


@pytest.mark.parametrize(
    "agency",
    [
        "",
        "H18",  # the province alone is not an office
        "000.20.18.18H",
        "000.20.18.H1",
        "000.20.18.H180",
        "000-20-18-H18",
        "000.20.18.H18-1",
        "0000.20.18.H18",
        "000..18.H18",
        "000.20.18.H18.",
        "1.2.3.4.5.H18",
    ],
)
def test_invalid_agency_identifiers(agency: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        validate_agency_identifier(agency)
    assert excinfo.value.field == "agency_id"
    assert "Mã định danh cơ quan" in excinfo.value.message


def test_format_example_from_the_circular() -> None:
    assert format_dossier_code("000.20.18.H18", date(2026, 11, 27), 1) == (
        "000.20.18.H18-261127-0001"
    )


def test_sequence_grows_past_four_digits() -> None:
    assert format_dossier_code("000.20.18.H18", date(2026, 1, 2), 9999).endswith("-9999")
    assert format_dossier_code("000.20.18.H18", date(2026, 1, 2), 10000).endswith("-10000")


@pytest.mark.parametrize("seq", [0, -1, True])
def test_format_rejects_bad_sequence(seq: int) -> None:
    with pytest.raises(ValidationError):
        format_dossier_code("000.20.18.H18", date(2026, 1, 2), seq)


def test_format_rejects_bad_agency_and_year() -> None:
    with pytest.raises(ValidationError):
        format_dossier_code("nonsense", date(2026, 1, 2), 1)
    with pytest.raises(ValidationError):
        format_dossier_code("000.20.18.H18", date(2100, 1, 1), 1)


def test_parse_example() -> None:
    parsed = parse_dossier_code(" 000.20.18.h18-261127-0042\r\n")
    assert parsed == DossierCode("000.20.18.H18", date(2026, 11, 27), 42)
    agency, day, seq = parsed
    assert (agency, day, seq) == ("000.20.18.H18", date(2026, 11, 27), 42)


@pytest.mark.parametrize(
    "code",
    [
        "",
        "000.20.18.H18",
        "000.20.18.H18-261127",
        "000.20.18.H18-261127-001",  # fewer than 4 digits
        "000.20.18.H18-261127-00001",  # not canonical: padded past 4 digits
        "000.20.18.H18-261127-0000",
        "000.20.18.H18-261327-0001",  # month 13
        "000.20.18.H18-260230-0001",  # 30 February
        "000.20.18.H18-2611270-0001",
        "000.20.18.X-261127-0001",
        "000.20.18.H18-26112a-0001",
    ],
)
def test_parse_rejects_malformed(code: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        parse_dossier_code(code)
    assert excinfo.value.message


agencies = st.builds(
    lambda a, b, c, letter, n: f"{a:03d}.{b:02d}.{c:02d}.{letter}{n:02d}",
    st.integers(0, 999),
    st.integers(0, 99),
    st.integers(0, 99),
    st.sampled_from("GH"),
    st.integers(0, 99),
)


@given(agencies, st.dates(date(2000, 1, 1), date(2099, 12, 31)), st.integers(1, 10**7))
def test_format_parse_round_trip(agency: str, day: date, seq: int) -> None:
    code = format_dossier_code(agency, day, seq)
    assert parse_dossier_code(code) == (agency, day, seq)
    assert format_dossier_code(*parse_dossier_code(code)) == code


@given(
    agencies,
    st.dates(date(2000, 1, 1), date(2099, 12, 31)),
    st.integers(1, 10**6),
    st.integers(1, 10**6),
)
def test_codes_sort_by_sequence_within_a_day_up_to_9999(
    agency: str, day: date, a: int, b: int
) -> None:
    """Equal-width codes sort like their numbers; a code is unique per (day, seq)."""
    code_a = format_dossier_code(agency, day, a)
    code_b = format_dossier_code(agency, day, b)
    assert (code_a == code_b) == (a == b)
    if a < 10000 and b < 10000:
        assert (code_a < code_b) == (a < b)
