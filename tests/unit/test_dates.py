"""The one day parser behind every date field."""

from __future__ import annotations

from datetime import date

import pytest

from counter.domain.dates import NotADay, parse_day


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("27/11/2026", date(2026, 11, 27)),
        (" 5/9/1990 ", date(1990, 9, 5)),
        ("05.09.1990", date(1990, 9, 5)),
        ("05-09-1990", date(1990, 9, 5)),
        ("05091990", date(1990, 9, 5)),
        ("2026-11-27", date(2026, 11, 27)),
        ("", None),
        (None, None),
    ],
)
def test_days_typed_at_the_counter(text: str | None, day: date | None) -> None:
    assert parse_day(text) == day


@pytest.mark.parametrize("text", ["27/11", "hôm nay", "2026/11/27", "1/2/26", "123"])
def test_text_that_is_no_day_is_refused(text: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_day(text)
    assert not isinstance(info.value, NotADay)


@pytest.mark.parametrize("text", ["31/02/2026", "2026-13-01", "00/01/2026"])
def test_a_day_that_does_not_exist_is_told_apart(text: str) -> None:
    with pytest.raises(NotADay):
        parse_day(text)
