"""The period report (báo cáo tình hình giải quyết TTHC): its periods, cells and columns.

Pure: the counting itself is SQL in :mod:`counter.services.reports`; this module
says what a period is, what each cell means, how the cells add up and what the
columns are called on screen, in the XLSX/CSV files and on the printout.

What a cell counts, for the period [start, end] (Vietnam dates):

* **carried**: received before the period and not yet finished when it began
  (finished = resolved, withdrawn or stopped);
* **received** in the period, by channel (counter / online / post); an online
  dossier counts when the office received it, not when it was submitted;
* **resolved** in the period, by the timeliness recorded when resolved
  (trước hạn / đúng hạn / quá hạn);
* **pending** at the end of the period (or now, for a period not yet over):
  received and not finished; **overdue** when its clock runs and its due date
  has passed then (a paused dossier is never overdue, as in the worklist);
* **supplement**: dossiers returned for a supplement in the period;
* **refused** in the period (dossiers refused and form 03 given at the counter);
* **ended**: withdrawn by the citizen or stopped in the period.

So ``carried + received = resolved + ended + pending`` for every row.
"""

from __future__ import annotations

import calendar as _calendar
import itertools
import re
from dataclasses import dataclass, fields
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from counter.domain import dates
from counter.domain.errors import ValidationError
from counter.domain.i18n import N_, Message

#: The longest period a report may span (a few years of history at most).
MAX_DAYS = 3 * 366


@dataclass(frozen=True)
class Period:
    """A report period: Vietnam dates, both ends included."""

    start: date
    end: date
    label: Message

    @property
    def after_end(self) -> date:
        """The first day after the period (the exclusive bound)."""
        return self.end + timedelta(days=1)

    @property
    def previous(self) -> Period:
        """The period of the same length just before this one (what is carried over from)."""
        length = self.after_end - self.start
        return date_range(self.start - length, self.start - timedelta(days=1))


def month(year: int, number: int) -> Period:
    """A calendar month."""
    last = _calendar.monthrange(year, number)[1]
    return Period(
        date(year, number, 1),
        date(year, number, last),
        Message(N_("Tháng %(month)s/%(year)s"), month=f"{number:02d}", year=year),
    )


_ROMAN = ("I", "II", "III", "IV")


def quarter(year: int, number: int) -> Period:
    """A quarter (1–4)."""
    first = 3 * (number - 1) + 1
    last = first + 2
    return Period(
        date(year, first, 1),
        date(year, last, _calendar.monthrange(year, last)[1]),
        Message(N_("Quý %(quarter)s/%(year)s"), quarter=_ROMAN[number - 1], year=year),
    )


def year(number: int) -> Period:
    """A calendar year."""
    return Period(
        date(number, 1, 1), date(number, 12, 31), Message(N_("Năm %(year)s"), year=number)
    )


def date_range(start: date, end: date) -> Period:
    """Any range of days, both ends included (named as a month, quarter or year when it is one)."""
    if start.day == 1 and start <= end:
        for whole in (
            month(start.year, start.month),
            quarter(start.year, (start.month - 1) // 3 + 1),
            year(start.year),
        ):
            if (whole.start, whole.end) == (start, end):
                return whole
    return Period(
        start,
        end,
        Message(
            N_("Từ ngày %(start)s đến ngày %(end)s"),
            start=start.strftime("%d/%m/%Y"),
            end=end.strftime("%d/%m/%Y"),
        ),
    )


_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


def _day(text: str, field_name: str, what: str) -> date:
    day = dates.read_day(text, field=field_name, what=what)
    if day is None:
        raise ValidationError(N_("Vui lòng chọn kỳ báo cáo."), field=field_name)
    return day


def parse_period(
    *, start: str = "", end: str = "", month_text: str = "", today: date | None = None
) -> Period:
    """The period asked for: a month ``2026-11``, quarter ``2026-Q4``, year ``2026``, or a range.

    With nothing given, the month of ``today``. Bad input is a ValidationError in Vietnamese.
    """
    text = (month_text or "").strip()
    if text:
        if m := _MONTH.match(text):
            if 1 <= int(m.group(2)) <= 12:
                return month(int(m.group(1)), int(m.group(2)))
        elif m := _QUARTER.match(text):
            return quarter(int(m.group(1)), int(m.group(2)))
        elif m := _YEAR.match(text):
            return year(int(m.group(1)))
        raise ValidationError(
            N_("Kỳ báo cáo không hợp lệ: %(value)s."), field="period", value=text[:20]
        )
    if start or end:
        first = _day(start, "start", N_("Từ ngày"))
        last = _day(end, "end", N_("Đến ngày")) if end else first
        if last < first:
            raise ValidationError(N_("Ngày kết thúc phải từ ngày bắt đầu trở đi."), field="end")
        if (last - first).days > MAX_DAYS:
            raise ValidationError(
                N_("Kỳ báo cáo dài tối đa %(days)s ngày."), field="end", days=MAX_DAYS
            )
        return date_range(first, last)
    if today is None:
        raise ValidationError(N_("Vui lòng chọn kỳ báo cáo."), field="period")
    return month(today.year, today.month)


@dataclass(frozen=True)
class Counts:
    """The cells of one report line (see the module doc for what each counts)."""

    carried: int = 0
    received_counter: int = 0
    received_online: int = 0
    received_post: int = 0
    resolved_early: int = 0
    resolved_on_time: int = 0
    resolved_late: int = 0
    pending_not_due: int = 0
    pending_overdue: int = 0
    supplement: int = 0
    refused: int = 0
    ended: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )

    @property
    def received(self) -> int:
        """Received in the period, all channels."""
        return self.received_counter + self.received_online + self.received_post

    @property
    def total(self) -> int:
        """Carried over plus received: what the office had to deal with in the period."""
        return self.carried + self.received

    @property
    def resolved(self) -> int:
        """Resolved in the period, however timely."""
        return self.resolved_early + self.resolved_on_time + self.resolved_late

    @property
    def in_time(self) -> int:
        """Resolved before or on time (what the on-time rate counts)."""
        return self.resolved_early + self.resolved_on_time

    @property
    def pending(self) -> int:
        """Pending at the end of the period (or now), due or not."""
        return self.pending_not_due + self.pending_overdue

    @property
    def on_time_rate(self) -> Decimal | None:
        """(trước hạn + đúng hạn) / resolved, in percent with two decimals; None if none resolved."""
        if not self.resolved:
            return None
        rate = Decimal(100 * self.in_time) / Decimal(self.resolved)
        return rate.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    def value(self, key: str) -> int | Decimal | None:
        """A cell by its column key."""
        return getattr(self, key)


def sum_counts(items: list[Counts]) -> Counts:
    """The sum of several lines."""
    total = Counts()
    for item in items:
        total = total + item
    return total


@dataclass(frozen=True)
class Column:
    """A column of the report: its key in :class:`Counts`, its group and its header."""

    key: str
    group: str
    header: str
    percent: bool = False


_TOTAL = N_("Tổng số hồ sơ")
_RECEIVED = N_("Tiếp nhận trong kỳ")
_RESOLVED = N_("Đã giải quyết")
_PENDING = N_("Đang giải quyết")
_OTHER = N_("Khác")

#: The report's number columns in order, under their groups (as provinces lay them out).
COLUMNS: tuple[Column, ...] = (
    Column("total", _TOTAL, N_("Tổng số")),
    Column("carried", _TOTAL, N_("Kỳ trước chuyển sang")),
    Column("received", _RECEIVED, N_("Tổng tiếp nhận")),
    Column("received_counter", _RECEIVED, N_("Trực tiếp")),
    Column("received_online", _RECEIVED, N_("Trực tuyến")),
    Column("received_post", _RECEIVED, N_("Bưu chính")),
    Column("resolved", _RESOLVED, N_("Tổng đã giải quyết")),
    Column("resolved_early", _RESOLVED, N_("Trước hạn")),
    Column("resolved_on_time", _RESOLVED, N_("Đúng hạn")),
    Column("resolved_late", _RESOLVED, N_("Quá hạn")),
    Column("pending", _PENDING, N_("Tổng đang giải quyết")),
    Column("pending_not_due", _PENDING, N_("Chưa đến hạn")),
    Column("pending_overdue", _PENDING, N_("Quá hạn")),
    Column("supplement", _OTHER, N_("Trả lại bổ sung")),
    Column("refused", _OTHER, N_("Từ chối tiếp nhận")),
    Column("ended", _OTHER, N_("Rút hồ sơ, dừng giải quyết")),
    Column("on_time_rate", _OTHER, N_("Tỷ lệ đúng hạn (%)"), percent=True),
)

#: A spreadsheet reads a cell starting with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: object) -> object:
    """A text cell that a spreadsheet would run as a formula, made plain text (a leading ')."""
    if isinstance(cell, str) and cell.startswith(_FORMULA_START):
        return "'" + cell
    return cell


#: The header's first row: each group and how many columns it spans, in order.
COLUMN_GROUPS: tuple[tuple[str, int], ...] = tuple(
    (group, len(list(items))) for group, items in itertools.groupby(COLUMNS, lambda c: c.group)
)
