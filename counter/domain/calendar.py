"""Working days and office hours of a commune centre.

The Government announces each year's days off for civil servants, with swapped
Saturdays; those cannot be computed, so they are loaded as data. The statutory
days (Labour Code 2019 Art. 112) are only the fallback for a year with no loaded
schedule. Lunar dates come from the ``holidays`` package, whose tables follow the
Vietnamese calendar (UTC+7), not the Chinese one.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, time, timedelta
from enum import StrEnum
from functools import cache
from importlib import resources
from itertools import pairwise
from types import MappingProxyType

import holidays
from holidays.calendars import _ChineseLunisolar
from holidays.calendars.chinese import VIETNAMESE_CALENDAR

from counter.domain.errors import ValidationError
from counter.domain.i18n import N_, Message
from counter.domain.imports import RowError

ONE_DAY = timedelta(days=1)

#: A longer range is almost surely a typo (the Tết breaks of 2025 and 2026 were 9 days).
MAX_RANGE_DAYS = 31

#: A calendar that finds no working day within this many days is misconfigured.
_MAX_SEARCH_DAYS = 400

SATURDAY, SUNDAY = 5, 6
WEEKEND_NAMES = {SATURDAY: "Thứ Bảy", SUNDAY: "Chủ nhật"}

SCHEDULE_COLUMNS = ("first_date", "last_date", "kind", "label", "source")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

#: 24/11 (Ngày Văn hóa Việt Nam) is a statutory day off from this year on.
CULTURE_DAY_FROM = 2026


class CalendarError(ValidationError):
    """A schedule or office hours setting that cannot be used.

    Schedule messages are fragments made to follow "Dòng 3: " (a :class:`RowError`);
    shown alone, they are ``message.as_sentence()``.
    """


class DayKind(StrEnum):
    """What a loaded schedule says about a day."""

    DAY_OFF = "day_off"
    WORKING_DAY = "working_day"  # a swapped Saturday (làm bù)


@dataclass(frozen=True, slots=True)
class DayRule:
    """One day of a loaded schedule."""

    date: dt.date
    kind: DayKind
    label: str
    source: str = ""


@dataclass(frozen=True, slots=True)
class ScheduleRow:
    """A range of days first..last (inclusive) announced as days off or working days.

    A row belongs to the schedule of the year of its last day: the New Year break
    30/12/2023–1/1/2024 is part of the 2024 announcement.
    """

    first_date: date
    last_date: date
    kind: DayKind
    label: str
    source: str = ""

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "kind", DayKind(self.kind))
        except ValueError:
            raise CalendarError(
                N_("loại ngày không hợp lệ '%(kind)s' (chỉ nhận day_off hoặc working_day)"),
                kind=self.kind,
            ) from None
        if self.last_date < self.first_date:
            raise CalendarError(
                N_("ngày kết thúc %(last)s trước ngày bắt đầu %(first)s"),
                last=_vn(self.last_date),
                first=_vn(self.first_date),
            )
        length = (self.last_date - self.first_date).days + 1
        if length > MAX_RANGE_DAYS:
            raise CalendarError(
                N_("khoảng %(length)s ngày, dài quá %(max)s ngày"),
                length=length,
                max=MAX_RANGE_DAYS,
            )
        if self.kind is DayKind.WORKING_DAY:
            for rule in self.days():
                if rule.date.weekday() not in WEEKEND_NAMES:
                    raise CalendarError(
                        N_("ngày làm bù %(day)s không phải Thứ Bảy hoặc Chủ nhật"),
                        day=_vn(rule.date),
                    )

    @property
    def year(self) -> int:
        """The year whose schedule this row is part of."""
        return self.last_date.year

    def days(self) -> Iterator[DayRule]:
        """Each day of the range."""
        day = self.first_date
        while day <= self.last_date:
            yield DayRule(day, self.kind, self.label, self.source)
            day += ONE_DAY


def _vn(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _parse_date(value: str | None, column: str) -> date:
    value = (value or "").strip()
    if not value:
        raise CalendarError(N_("thiếu giá trị cột %(column)s"), column=column)
    bad = CalendarError(N_("ngày không hợp lệ '%(value)s' (định dạng YYYY-MM-DD)"), value=value)
    if not _ISO_DATE.fullmatch(value):
        raise bad
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise bad from None


def _conflicts(rows: Sequence[ScheduleRow]) -> Iterator[tuple[int, int, date]]:
    """(earlier index, later index, day) where one row says off and another says working."""
    seen: dict[date, tuple[DayKind, int]] = {}
    for index, row in enumerate(rows):
        for rule in row.days():
            kind, first = seen.setdefault(rule.date, (row.kind, index))
            if kind is not row.kind:
                yield first, index, rule.date


def load_schedule_csv(text: str) -> tuple[list[ScheduleRow], list[RowError]]:
    """Parse a schedule in the shape of ``official_days_off.csv``.

    Returns the valid rows and every error; the caller saves nothing if there is
    any error, so the admin fixes the whole file in one go.
    """
    rows: list[ScheduleRow] = []
    lines: list[int] = []
    errors: list[RowError] = []
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
    try:
        header = [name.strip() for name in reader.fieldnames or []]
        missing = [column for column in SCHEDULE_COLUMNS if column not in header]
        if missing:
            return [], [RowError(1, Message(N_("thiếu cột: %(columns)s"), columns=missing))]
        reader.fieldnames = header
        for record in reader:
            line = reader.line_num
            if None in record:
                errors.append(RowError(line, N_("thừa giá trị ngoài các cột đã khai báo")))
                continue
            if not any((value or "").strip() for value in record.values()):
                continue
            try:
                row = ScheduleRow(
                    first_date=_parse_date(record["first_date"], "first_date"),
                    last_date=_parse_date(record["last_date"], "last_date"),
                    kind=(record["kind"] or "").strip(),  # type: ignore[arg-type]
                    label=(record["label"] or "").strip() or _default_label(record["kind"]),
                    source=(record["source"] or "").strip(),
                )
            except CalendarError as exc:
                errors.append(RowError(line, exc.message))
                continue
            rows.append(row)
            lines.append(line)
    except csv.Error as exc:
        errors.append(
            RowError(reader.line_num, Message(N_("lỗi định dạng CSV (%(error)s)"), error=str(exc)))
        )
    for first, later, day in _conflicts(rows):
        errors.append(
            RowError(
                lines[later],
                Message(
                    N_("ngày %(day)s vừa là ngày nghỉ vừa là ngày làm việc (xem dòng %(line)s)"),
                    day=_vn(day),
                    line=lines[first],
                ),
            )
        )
    errors.sort(key=lambda error: error.line)
    return rows, errors


def _default_label(kind: str | None) -> str:
    return "Làm bù" if (kind or "").strip() == DayKind.WORKING_DAY else "Ngày nghỉ"


def split_builtin_label(label: str, source: str) -> tuple[str, str]:
    """A shipped label as (Vietnamese name, source): a trailing "(note)" moves to the source.

    "Tết Nguyên Đán (27 Chạp–mùng 6)", "TB 9441" → "Tết Nguyên Đán", "27 Chạp–mùng 6; TB 9441";
    the name starts with a capital ("làm bù" → "Làm bù"). Migration 0006 applies the
    same split to the rows already in a database, so both show the same labels.
    """
    name, note = label, ""
    if label.endswith(")") and " (" in label:
        name, _, note = label.partition(" (")
        note = note[:-1]
    name = name.strip()
    name = name[:1].upper() + name[1:]
    note = note.strip()
    if (name, note) == (label, ""):
        return label, source
    return name, "; ".join(part for part in (note, source) if part)[:500]


def builtin_schedule() -> list[ScheduleRow]:
    """The announced schedules shipped with the app (2024–2026, sources in the file).

    Labels are the Vietnamese names only: the file's notes in parentheses lead the
    source (see :func:`split_builtin_label`).
    """
    text = resources.files("counter").joinpath("data", "official_days_off.csv").read_text("utf-8")
    rows, errors = load_schedule_csv(text)
    if errors:
        raise CalendarError(
            N_("Lịch nghỉ có sẵn bị lỗi: %(errors)s"), errors=[error.message for error in errors]
        )
    return [
        replace(row, label=label, source=source)
        for row in rows
        for label, source in [split_builtin_label(row.label, row.source)]
    ]


# The lunisolar tables are not public API of ``holidays``; the 1970–2050 test
# against tet_dates.csv pins them, and they are what ``holidays.VN`` itself uses.
_VIETNAMESE_LUNISOLAR = _ChineseLunisolar(VIETNAMESE_CALENDAR)


def lunar_new_year(year: int) -> date:
    """Mùng 1 Tết of the given Gregorian year, by the Vietnamese lunar calendar."""
    return _lunar(_VIETNAMESE_LUNISOLAR.lunar_new_year_date(year), year)


def hung_kings_day(year: int) -> date:
    """Giỗ Tổ Hùng Vương (10/3 lunar) of the given year, by the Vietnamese lunar calendar."""
    return _lunar(_VIETNAMESE_LUNISOLAR.hung_kings_date(year), year)


def _lunar(found: tuple[date | None, bool], year: int) -> date:
    day, _estimated = found
    if day is None:
        raise CalendarError(N_("không tính được âm lịch cho năm %(year)s"), year=year)
    return day


def statutory_days_off(year: int) -> dict[date, str]:
    """Days off under Labour Code 2019 Art. 112, with Art. 111(3) substitute days.

    1/1; Tết = the last day of the lunar year and mùng 1–4; Giỗ Tổ; 30/4; 1/5;
    2/9 and the adjacent day (1/9 or 3/9) that ``holidays`` gives (from 2021, when
    the Code took effect); from 2026, 24/11 Ngày Văn hóa Việt Nam (Art. 112(1) as
    amended by Resolution 28/2026/QH16, in force 1/7/2026; not before 2026). A
    holiday on a Saturday or Sunday is compensated on the next weekday that is not
    itself a holiday (Sat 24/11/2029 → Mon 26/11/2029). The same rules are applied
    to every year; the ``holidays`` package lists the same November days.
    """
    return dict(_statutory(year))


@cache
def _statutory(year: int) -> Mapping[date, str]:
    days: dict[date, str] = {date(year, 1, 1): "Tết Dương lịch"}
    tet = lunar_new_year(year)
    for offset in range(-1, 4):
        days[tet + timedelta(days=offset)] = "Tết Nguyên Đán"
    days[hung_kings_day(year)] = "Giỗ Tổ Hùng Vương"
    days[date(year, 4, 30)] = "Ngày Chiến thắng"
    days[date(year, 5, 1)] = "Ngày Quốc tế Lao động"
    days[date(year, 9, 2)] = "Quốc khánh"
    listed = holidays.country_holidays("VN", years=year, observed=False)
    for adjacent in (date(year, 9, 1), date(year, 9, 3)):
        if adjacent in listed:
            days[adjacent] = "Quốc khánh"
    if year >= CULTURE_DAY_FROM:
        days[date(year, 11, 24)] = "Ngày Văn hóa Việt Nam"

    substitutes: dict[date, str] = {}
    for day in sorted(days):
        if day.weekday() in WEEKEND_NAMES:
            substitute = day + ONE_DAY
            while (
                substitute.weekday() in WEEKEND_NAMES
                or substitute in days
                or substitute in substitutes
            ):
                substitute += ONE_DAY
            substitutes[substitute] = f"Nghỉ bù {days[day]}"
    return MappingProxyType(dict(sorted((days | substitutes).items())))


@dataclass(frozen=True, slots=True)
class _Counted:
    """Working days counted from 1/1 of ``low``: entry i is how many in [1/1, that day + i]."""

    low: int
    high: int
    running: tuple[int, ...]

    def upto(self, day: date) -> int:
        """Working days from 1/1 of ``low`` to ``day`` included (``day`` within the years)."""
        return self.running[day.toordinal() - date(self.low, 1, 1).toordinal()]


class WorkingCalendar:
    """Which days the office works.

    A year with any loaded row (see :attr:`ScheduleRow.year`) follows its loaded
    schedule only: its days off are the loaded ``day_off`` rows, its working
    weekend days the ``working_day`` rows, other weekends are off. A year with no
    loaded row falls back to :func:`statutory_days_off`. A loaded row always
    applies on its own dates, even the ones in the previous year.
    """

    def __init__(self, rows: Iterable[ScheduleRow] = ()) -> None:
        self._rows = tuple(rows)
        for _first, _later, day in _conflicts(self._rows):
            raise CalendarError(
                N_("ngày %(day)s vừa là ngày nghỉ vừa là ngày làm việc"), day=_vn(day)
            )
        self._days: dict[date, DayRule] = {}
        for row in self._rows:
            for rule in row.days():
                self._days.setdefault(rule.date, rule)
        self._years = frozenset(row.year for row in self._rows)
        # Working days counted day by day from 1 January of a first year to 31 December
        # of a last one (see working_days_after): built on first use, grown when needed.
        self._counted: _Counted = _Counted(1, 0, ())

    def has_schedule(self, year: int) -> bool:
        """Whether an announced schedule is loaded for the year (else statutory defaults)."""
        return year in self._years

    def years_with_schedule(self) -> list[int]:
        """The years that have a loaded schedule, ascending."""
        return sorted(self._years)

    def reason(self, day: date) -> str | None:
        """Why the day is off (holiday label, "Thứ Bảy", "Chủ nhật"), or None on a working day."""
        rule = self._days.get(day)
        if rule is not None:
            return rule.label if rule.kind is DayKind.DAY_OFF else None
        if day.year not in self._years:
            label = _statutory(day.year).get(day)
            if label is not None:
                return label
        return WEEKEND_NAMES.get(day.weekday())

    def is_working_day(self, day: date) -> bool:
        """Whether the office works that day."""
        return self.reason(day) is None

    def working_days_after(self, first: date, last: date) -> int:
        """How many working days lie in (first, last]; 0 when ``last`` is not after ``first``.

        Constant time: two look-ups in a table of working days counted day by day,
        built once per calendar for the years asked (the calendar is rebuilt when its
        entries change, so the table never outlives them).
        """
        if last <= first:
            return 0
        counted = self._counted
        if not counted.low <= first.year <= last.year <= counted.high:
            counted = self._count_years(first.year, last.year)
        return counted.upto(last) - counted.upto(first)

    def _count_years(self, low: int, high: int) -> _Counted:
        """The table for the years low..high and for those already counted (one span)."""
        counted = self._counted
        if counted.low <= counted.high:
            low, high = min(low, counted.low), max(high, counted.high)
        first = date(low, 1, 1)
        running, count = [], 0
        for offset in range((date(high, 12, 31) - first).days + 1):
            count += self.is_working_day(first + timedelta(days=offset))
            running.append(count)
        self._counted = _Counted(low, high, tuple(running))  # threads see the old or the new
        return self._counted

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        candidate = day
        for _ in range(_MAX_SEARCH_DAYS):
            candidate += ONE_DAY
            if self.is_working_day(candidate):
                return candidate
        raise CalendarError(
            N_("không có ngày làm việc nào trong %(days)s ngày sau %(day)s"),
            days=_MAX_SEARCH_DAYS,
            day=_vn(day),
        )


Session = tuple[time, time]


@dataclass(frozen=True)
class OfficeHours:
    """Opening sessions of a working day, and the same-day cutoff (15:00 rule)."""

    sessions: tuple[Session, ...] = ((time(7, 0), time(11, 30)), (time(13, 30), time(17, 0)))
    same_day_cutoff: time = time(15, 0)

    def __post_init__(self) -> None:
        sessions = tuple((start, end) for start, end in self.sessions)
        object.__setattr__(self, "sessions", sessions)
        if not sessions:
            raise CalendarError(N_("cần ít nhất một buổi làm việc"))
        for start, end in sessions:
            if start.tzinfo is not None or end.tzinfo is not None:
                raise CalendarError(N_("giờ làm việc là giờ địa phương, không kèm múi giờ"))
            if start >= end:
                raise CalendarError(
                    N_("buổi làm việc %(start)s–%(end)s: giờ bắt đầu phải trước giờ kết thúc"),
                    start=start.strftime("%H:%M"),
                    end=end.strftime("%H:%M"),
                )
        for (_, previous_end), (start, _) in pairwise(sessions):
            if start < previous_end:
                raise CalendarError(
                    N_(
                        "các buổi làm việc phải theo thứ tự và không chồng lên nhau "
                        "(%(end)s > %(start)s)"
                    ),
                    end=previous_end.strftime("%H:%M"),
                    start=start.strftime("%H:%M"),
                )
        if not self.opening <= self.same_day_cutoff <= self.closing:
            raise CalendarError(
                N_("giờ chốt nhận trong ngày %(cutoff)s phải nằm trong giờ làm việc"),
                cutoff=self.same_day_cutoff.strftime("%H:%M"),
            )

    @property
    def opening(self) -> time:
        """When the first session starts."""
        return self.sessions[0][0]

    @property
    def closing(self) -> time:
        """When the last session ends; due dates in days fall at this time."""
        return self.sessions[-1][1]
