"""Days as officers type them: one parser for every date field of the app."""

from __future__ import annotations

import re
from datetime import date

from counter.domain.errors import ValidationError
from counter.domain.i18n import N_

#: The longest day text parse_day reads: dd/mm/yyyy or yyyy-mm-dd.
DAY_TEXT_MAX = 10

_DMY = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})")
_DMY_COMPACT = re.compile(r"(\d{2})(\d{2})(\d{4})")  # as on the CCCD QR code
_YMD = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")  # what a date input sends


#: The years any day typed in the app may fall in: births, receptions, due dates, the ledger.
YEAR_MIN, YEAR_MAX = 1900, 2100


class NotADay(ValueError):
    """The text has a day's shape but names no real day (31/02/2026)."""


class DayOutOfRange(ValueError):
    """A real day, but its year is outside YEAR_MIN..YEAR_MAX (9999-12-31, 0001-01-01)."""

    def __init__(self, text: str, day: date) -> None:
        super().__init__(text)
        self.day = day


def out_of_range(text: str | None, field: str | None = None) -> ValidationError:
    """The error for a day outside the years the app works with, to raise on ``field``."""
    return ValidationError(
        N_(
            "Ngày %(day)s nằm ngoài khoảng phần mềm dùng; "
            "chỉ nhận ngày từ năm %(first)s đến năm %(last)s."
        ),
        field=field,
        day=(text or "").strip(),
        first=YEAR_MIN,
        last=YEAR_MAX,
    )


def check_year(day: date, text: str | None = None) -> date:
    """``day`` itself, or DayOutOfRange when its year is outside YEAR_MIN..YEAR_MAX."""
    if not YEAR_MIN <= day.year <= YEAR_MAX:
        raise DayOutOfRange(text if text is not None else day.isoformat(), day)
    return day


def parse_day(text: str | None) -> date | None:
    """dd/mm/yyyy (also with . or -), ddmmyyyy, or yyyy-mm-dd; None when empty.

    Raises ValueError when the text is not a day, NotADay (a ValueError) when
    it has the shape of one but the day does not exist, and DayOutOfRange (a
    ValueError) for a year before 1900 or after 2100.
    """
    value = (text or "").strip()
    if not value:
        return None
    for pattern, order in ((_DMY, (3, 2, 1)), (_DMY_COMPACT, (3, 2, 1)), (_YMD, (1, 2, 3))):
        match = pattern.fullmatch(value)
        if match:
            year, month, day = (int(match.group(i)) for i in order)
            try:
                found = date(year, month, day)
            except ValueError:
                raise NotADay(value) from None
            return check_year(found, value)
    raise ValueError(value)


def read_day(text: str | None, *, field: str | None = None, what: str = N_("Ngày")) -> date | None:
    """parse_day for an officer's input: a ValidationError in plain Vietnamese when it fails.

    "31/02/1990" says the day does not exist; "1990" shows the expected shape. ``what``
    names the field, a label marked with ``N_()`` (translated with the message).
    """
    try:
        return parse_day(text)
    except DayOutOfRange:
        raise out_of_range(text, field) from None
    except NotADay:
        raise ValidationError(
            N_("%(what)s %(text)s không có trên lịch; hãy kiểm tra lại ngày và tháng."),
            field=field,
            what=what,
            text=(text or "").strip(),
        ) from None
    except ValueError:
        raise ValidationError(
            N_("%(what)s phải có dạng ngày/tháng/năm, ví dụ 05/09/1990."), field=field, what=what
        ) from None
