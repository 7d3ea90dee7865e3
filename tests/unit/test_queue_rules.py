"""The queue's pure rules: ticket codes, opening hours, the wait, status moves."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from counter.domain.calendar import OfficeHours, WorkingCalendar
from counter.domain.codes import format_ticket_code
from counter.domain.errors import NotAllowed, ValidationError
from counter.domain.queue import (
    estimated_wait,
    minutes_per_citizen,
    move,
    opening,
    validate_letter,
)

CALENDAR = WorkingCalendar()  # no loaded schedule: the statutory days off
HOURS = OfficeHours()  # 07:00–11:30, 13:30–17:00


@pytest.mark.parametrize(
    ("letter", "seq", "code"),
    [
        ("A", 1, "A001"),
        ("A", 10, "A010"),
        ("A", 12, "A012"),
        ("A", 105, "A105"),
        ("B", 100, "B100"),
        ("A", 1000, "A1000"),
    ],
)
def test_ticket_codes(letter: str, seq: int, code: str) -> None:
    assert format_ticket_code(letter, seq) == code


@pytest.mark.parametrize("bad", ["", "AB", "Đ", "1", " ", "Ă"])
def test_a_service_letter_is_one_plain_letter(bad: str) -> None:
    with pytest.raises(ValidationError):
        validate_letter(bad)
    assert validate_letter(" c ") == "C"


@pytest.mark.parametrize(
    ("moment", "is_open", "next_open"),
    [
        (datetime(2026, 12, 1, 7, 0), True, None),
        (datetime(2026, 12, 1, 11, 29), True, None),
        (datetime(2026, 12, 1, 11, 30), False, datetime(2026, 12, 1, 13, 30)),
        (datetime(2026, 12, 1, 6, 0), False, datetime(2026, 12, 1, 7, 0)),
        (datetime(2026, 12, 1, 17, 0), False, datetime(2026, 12, 2, 7, 0)),
        (datetime(2026, 12, 4, 17, 30), False, datetime(2026, 12, 7, 7, 0)),  # Friday evening
        (datetime(2026, 9, 2, 9, 0), False, datetime(2026, 9, 3, 7, 0)),  # National Day
    ],
)
def test_opening(moment: datetime, is_open: bool, next_open: datetime | None) -> None:
    state = opening(moment, CALENDAR, HOURS)
    assert (state.is_open, state.next_open) == (is_open, next_open)


def test_the_wait_uses_todays_median_once_there_are_three() -> None:
    minutes = [timedelta(minutes=m) for m in (2, 30, 6)]
    assert minutes_per_citizen(minutes[:2], 10) == 10.0
    assert minutes_per_citizen(minutes, 10) == 6.0
    assert estimated_wait(0, 6.0, 1) == 0
    assert estimated_wait(3, 6.0, 2) == 9
    assert estimated_wait(1, 6.0, 0) == 6  # no counter open: counted as one


def test_moves() -> None:
    assert move("start", "called") == "serving"
    assert move("finish", "serving") == "done"
    assert move("transfer", "serving") == "transferred"
    with pytest.raises(NotAllowed):
        move("start", "waiting")
    with pytest.raises(NotAllowed):
        move("no_show", "called", recalls=1, needed_recalls=2)
    assert move("no_show", "called", recalls=2, needed_recalls=2) == "no_show"
