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


class NotADay(ValueError):
    """The text has a day's shape but names no real day (31/02/2026)."""


def parse_day(text: str | None) -> date | None:
    """dd/mm/yyyy (also with . or -), ddmmyyyy, or yyyy-mm-dd; None when empty.

    Raises ValueError when the text is not a day, and NotADay (a ValueError) when
    it has the shape of one but the day does not exist.
    """
    value = (text or "").strip()
    if not value:
        return None
    for pattern, order in ((_DMY, (3, 2, 1)), (_DMY_COMPACT, (3, 2, 1)), (_YMD, (1, 2, 3))):
        match = pattern.fullmatch(value)
        if match:
            year, month, day = (int(match.group(i)) for i in order)
            try:
                return date(year, month, day)
            except ValueError:
                raise NotADay(value) from None
    raise ValueError(value)


def read_day(text: str | None, *, field: str | None = None, what: str = N_("Ngày")) -> date | None:
    """parse_day for an officer's input: a ValidationError in plain Vietnamese when it fails.

    "31/02/1990" says the day does not exist; "1990" shows the expected shape. ``what``
    names the field, a label marked with ``N_()`` (translated with the message).
    """
    try:
        return parse_day(text)
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
