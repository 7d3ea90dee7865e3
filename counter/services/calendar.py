"""The office's working-day calendar and THE due-date entry point of the app.

Every due date shown, printed, synced or reported comes from :func:`due_at` (and
:func:`resume_due_at` after a pause); nothing else computes one. The functions
here take and return aware instants; the domain (counter.domain.due) works in
naive Vietnam local time, so the conversion happens in this one place.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from counter.domain import clock
from counter.domain import due as due_rules
from counter.domain.calendar import (
    WEEKEND_NAMES,
    CalendarError,
    DayKind,
    OfficeHours,
    ScheduleRow,
    WorkingCalendar,
    builtin_schedule,
    load_schedule_csv,
    statutory_days_off,
)
from counter.domain.due import DueDateError, LimitUnit, Timeliness
from counter.domain.errors import NotAllowed, NotFound, ValidationError
from counter.domain.i18n import N_, Message
from counter.domain.imports import ImportPreview, ImportRefused, RowError
from counter.extensions import db
from counter.models import CalendarEntry
from counter.services import Actor, audit, setup_cache, transaction

# -- the calendar and the hours ----------------------------------------------------


def schedule_row(entry: CalendarEntry) -> ScheduleRow:
    """A stored entry as the domain's row."""
    return ScheduleRow(
        first_date=entry.first_date,
        last_date=entry.last_date,
        kind=DayKind(entry.kind),
        label=entry.label,
        source=entry.source or "",
    )


def _load_calendar() -> WorkingCalendar:
    entries = db.session.scalars(
        db.select(CalendarEntry).order_by(CalendarEntry.first_date, CalendarEntry.id)
    ).all()
    try:
        return WorkingCalendar(schedule_row(entry) for entry in entries)
    except CalendarError as err:
        raise ValidationError(
            N_(
                "Lịch nghỉ đang lưu không dùng được: %(error)s. "
                "Quản trị viên cần sửa trang Lịch nghỉ."
            ),
            error=err,
        ) from None


def working_calendar() -> WorkingCalendar:
    """The office's calendar: loaded schedules, statutory days for other years.

    Built once per process and kept while the setup stays the same
    (:mod:`counter.services.setup_cache`: one small query per session, and the entries are
    read and built again after any change, by any process).
    """
    return setup_cache.cached("calendar", _load_calendar)


def office_hours() -> OfficeHours:
    """The office's sessions (morning, afternoon) and same-day cutoff (kept like the calendar)."""
    return setup_cache.cached("office_hours", _load_office_hours)


def _load_office_hours() -> OfficeHours:
    from counter.services.office import get_office

    office = get_office()
    try:
        return OfficeHours(
            sessions=(
                (office.morning_open, office.morning_close),
                (office.afternoon_open, office.afternoon_close),
            ),
            same_day_cutoff=office.same_day_cutoff,
        )
    except CalendarError as err:
        raise ValidationError(
            N_("Giờ làm việc của đơn vị không dùng được: %(error)s."),
            field="morning_open",
            error=err,
        ) from None


# -- due dates ---------------------------------------------------------------------


def _domain(call: Any, *args: Any) -> Any:
    try:
        return call(*args)
    except (DueDateError, CalendarError) as err:
        raise ValidationError(err.message) from None


def due_at(received_at: datetime, limit: int | Decimal, unit: LimitUnit | str) -> datetime:
    """THE due date of a dossier received at ``received_at`` (aware), as aware UTC.

    ``limit`` and ``unit`` are the procedure's published time limit. Bad values
    raise :class:`ValidationError` with a Vietnamese message.
    """
    due = _domain(
        due_rules.compute_due,
        clock.local_naive(received_at),
        limit,
        unit,
        working_calendar(),
        office_hours(),
    )
    return clock.from_local_naive(due)


def resume_due_at(due_at: datetime, paused_from: datetime, resumed_at: datetime) -> datetime:
    """The due date after a pause (e.g. a supplement request) ends: moved by its whole working minutes."""
    return extend_due_at(due_at, paused_working_minutes(paused_from, resumed_at))


def paused_working_minutes(paused_from: datetime, resumed_at: datetime) -> int:
    """Whole working minutes between two aware instants: what a pause's event records."""
    return _domain(  # type: ignore[no-any-return]
        due_rules.paused_working_minutes,
        clock.local_naive(paused_from),
        clock.local_naive(resumed_at),
        working_calendar(),
        office_hours(),
    )


def extend_due_at(due_at: datetime, minutes: int) -> datetime:
    """The due date moved later by exactly ``minutes`` of working time (0: unchanged)."""
    due = _domain(
        due_rules.extend_by_working_time,
        clock.local_naive(due_at),
        timedelta(minutes=minutes),
        working_calendar(),
        office_hours(),
    )
    return clock.from_local_naive(due)


def delayed_due_at(current_due: datetime, new_due: datetime, already_delayed: bool) -> datetime:
    """The new due date of a delay (form 04): once only, and later than the current one."""
    due = _domain(
        due_rules.apply_delay,
        clock.local_naive(current_due),
        clock.local_naive(new_due),
        already_delayed,
    )
    return clock.from_local_naive(due)


def working_days_left(due_at: datetime, now: datetime | None = None) -> int:
    """Working days from today to the due day: 0 = due today, negative = overdue by that many."""
    return _domain(  # type: ignore[no-any-return]
        due_rules.working_days_until,
        clock.local_naive(now or clock.now()),
        clock.local_naive(due_at),
        working_calendar(),
    )


def classify(resolved_at: datetime, due_at: datetime) -> Timeliness:
    """Early (trước hạn), on time (đúng hạn) or late (quá hạn), judged in Vietnam time."""
    return due_rules.classify(clock.local_naive(resolved_at), clock.local_naive(due_at))


def working_time_between(start: datetime, end: datetime) -> timedelta:
    """Office session time on working days between two aware instants."""
    return _domain(  # type: ignore[no-any-return]
        due_rules.working_time_between,
        clock.local_naive(start),
        clock.local_naive(end),
        working_calendar(),
        office_hours(),
    )


def is_working_day(day: date) -> bool:
    """Whether the office works on that (Vietnam) date."""
    return working_calendar().is_working_day(day)


# -- built-in reference data -------------------------------------------------------


def load_builtin_schedule() -> str | None:
    """Init loader: the announced schedules shipped in official_days_off.csv.

    A year is loaded only when the database has no entry at all for it, so a
    second init changes nothing and an admin's edits or deletions inside a year
    are never undone. An admin who deletes every entry of a shipped year gets it
    back at the next init: to change a shipped year, edit its entries or import
    a file for it. A year whose rows would overlap entries already there (e.g.
    30/12 kept in the previous year's schedule) is skipped and named in the note.
    """
    by_year: dict[int, list[ScheduleRow]] = {}
    for row in builtin_schedule():
        by_year.setdefault(row.year, []).append(row)
    present = set(db.session.scalars(db.select(CalendarEntry.year).distinct()))
    added: list[int] = []
    skipped: list[int] = []
    with transaction():
        for year, rows in sorted(by_year.items()):
            if year in present:
                continue
            if any(_overlapping(row) for row in rows):
                skipped.append(year)
                continue
            db.session.add_all(_entry_from_row(row, origin="builtin") for row in rows)
            added.append(year)
    notes = []
    if added:
        notes.append("lịch nghỉ công bố các năm " + ", ".join(map(str, added)))
    if skipped:
        notes.append(
            "không nạp lịch nghỉ có sẵn các năm "
            + ", ".join(map(str, skipped))
            + " vì trùng ngày với lịch đang có; kiểm tra trang Lịch nghỉ"
        )
    return "; ".join(notes) or None


def _overlapping(row: ScheduleRow) -> list[CalendarEntry]:
    return list(
        db.session.scalars(
            db.select(CalendarEntry).where(
                CalendarEntry.first_date <= row.last_date,
                CalendarEntry.last_date >= row.first_date,
            )
        )
    )


def _entry_from_row(row: ScheduleRow, *, origin: str, user_id: int | None = None) -> CalendarEntry:
    return CalendarEntry(
        first_date=row.first_date,
        last_date=row.last_date,
        year=row.year,
        kind=str(row.kind),
        label=row.label,
        source=row.source,
        origin=origin,
        updated_by_id=user_id,
    )


# -- the admin's schedule: view, add, edit, delete, import --------------------------

#: The years the lunar tables (and so the statutory days) cover.
FIRST_YEAR, LAST_YEAR = 1901, 2100
KIND_LABELS = {
    DayKind.DAY_OFF: N_("Ngày nghỉ"),
    DayKind.WORKING_DAY: N_("Làm bù"),
}
ORIGIN_LABELS = {
    "builtin": N_("Có sẵn (công bố)"),
    "admin": N_("Quản trị viên nhập"),
    "import": N_("Nhập từ tệp"),
}


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise NotAllowed(N_("Chỉ quản trị viên được sửa lịch nghỉ."))


def year_entries(year: int) -> list[CalendarEntry]:
    """The entries of a year's schedule (the year of their last day), by date."""
    return list(
        db.session.scalars(
            db.select(CalendarEntry)
            .where(CalendarEntry.year == year)
            .order_by(CalendarEntry.first_date, CalendarEntry.id)
        )
    )


def get_entry(entry_id: int) -> CalendarEntry:
    """One entry, or NotFound."""
    entry = db.session.get(CalendarEntry, entry_id)
    if entry is None:
        raise NotFound(N_("Không tìm thấy mục lịch nghỉ này (có thể đã bị xóa)."))
    return entry


@dataclass(frozen=True)
class DayCell:
    """One day of the year grid."""

    day: date
    weekend: bool
    status: str  # "working", "weekend", "day_off", "working_weekend"
    label: str


@dataclass(frozen=True)
class MonthGrid:
    """A month as weeks of seven cells (None outside the month), Monday first."""

    month: int
    weeks: list[list[DayCell | None]]


@dataclass(frozen=True)
class YearView:
    """What the admin calendar page shows for one year."""

    year: int
    has_schedule: bool
    entries: list[CalendarEntry]
    months: list[MonthGrid]
    statutory: list[tuple[date, str]]  # the statutory days, when no schedule is loaded
    days_off: int  # weekdays off
    working_weekends: int


def year_view(year: int) -> YearView:
    """The year's grid from the calendar every due date uses, and its entries."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise NotFound(
            N_("Năm ngoài phạm vi lịch (%(first)s–%(last)s)."), first=FIRST_YEAR, last=LAST_YEAR
        )
    calendar = working_calendar()
    months = []
    days_off = working_weekends = 0
    for month in range(1, 13):
        weeks: list[list[DayCell | None]] = []
        week: list[DayCell | None] = [None] * date(year, month, 1).weekday()
        day = date(year, month, 1)
        while day.month == month:
            cell = _day_cell(calendar, day)
            if cell.status == "day_off" and not cell.weekend:
                days_off += 1
            elif cell.status == "working_weekend":
                working_weekends += 1
            week.append(cell)
            if len(week) == 7:
                weeks.append(week)
                week = []
            day += timedelta(days=1)
        if week:
            weeks.append(week + [None] * (7 - len(week)))
        months.append(MonthGrid(month, weeks))
    has_schedule = calendar.has_schedule(year)
    return YearView(
        year=year,
        has_schedule=has_schedule,
        entries=year_entries(year),
        months=months,
        statutory=[] if has_schedule else sorted(statutory_days_off(year).items()),
        days_off=days_off,
        working_weekends=working_weekends,
    )


def _day_cell(calendar: WorkingCalendar, day: date) -> DayCell:
    weekend = day.weekday() in WEEKEND_NAMES
    reason = calendar.reason(day)
    if reason is None:
        if weekend:
            return DayCell(day, True, "working_weekend", "Làm bù")
        return DayCell(day, False, "working", "")
    if weekend and reason == WEEKEND_NAMES[day.weekday()]:
        return DayCell(day, True, "weekend", reason)
    return DayCell(day, weekend, "day_off", reason)


def missing_schedule_years(today: date | None = None) -> list[int]:
    """Years that need an announced schedule loaded now.

    The current year if it has none; from 1 November also the next year.
    """
    today = today or clock.today()
    calendar = working_calendar()
    years = [today.year]
    if today.month >= 11:
        years.append(today.year + 1)
    return [year for year in years if not calendar.has_schedule(year)]


_FIELD_HINTS = (
    ("loại ngày", "kind"),
    ("làm bù", "first_date"),
    ("trước ngày bắt đầu", "last_date"),
    ("dài quá", "last_date"),
)


def _row(
    first_date: date | None, last_date: date | None, kind: str, label: str, source: str
) -> ScheduleRow:
    if first_date is None:
        raise ValidationError(N_("Nhập ngày bắt đầu (dd/mm/yyyy)."), field="first_date")
    if last_date is None:
        last_date = first_date
    label = (label or "").strip()
    if not label:
        raise ValidationError(
            N_("Nhập tên ngày nghỉ hoặc ghi chú (ví dụ: Tết Nguyên Đán)."), field="label"
        )
    if len(label) > 200:
        raise ValidationError(N_("Tên dài quá 200 ký tự."), field="label")
    source = (source or "").strip()
    if len(source) > 500:
        raise ValidationError(N_("Nguồn dài quá 500 ký tự."), field="source")
    for value, field in ((first_date, "first_date"), (last_date, "last_date")):
        if not FIRST_YEAR <= value.year <= LAST_YEAR:
            raise ValidationError(
                N_("Năm %(year)s ngoài phạm vi lịch (%(first)s–%(last)s)."),
                field=field,
                year=value.year,
                first=FIRST_YEAR,
                last=LAST_YEAR,
            )
    try:
        return ScheduleRow(first_date, last_date, kind, label, source)  # type: ignore[arg-type]
    except CalendarError as err:
        field = next((f for hint, f in _FIELD_HINTS if hint in err.message), None)
        raise ValidationError(err.message.as_sentence(), field=field) from None


def _check_overlap(row: ScheduleRow, ignore_id: int | None = None) -> None:
    for other in _overlapping(row):
        if other.id == ignore_id:
            continue
        raise ValidationError(
            N_(
                "Khoảng ngày này trùng với mục đã có “%(label)s” "
                "(%(first)s–%(last)s). Hãy sửa mục đó."
            ),
            field="first_date",
            label=other.label,
            first=_vn(other.first_date),
            last=_vn(other.last_date),
        )


def _vn(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _describe(entry: CalendarEntry) -> str:
    return (
        f"{_vn(entry.first_date)}–{_vn(entry.last_date)} {entry.kind} "
        f"“{entry.label}” ({entry.source or '-'})"
    )


def add_entry(
    actor: Actor,
    *,
    first_date: date | None,
    last_date: date | None,
    kind: str,
    label: str,
    source: str = "",
) -> CalendarEntry:
    """An admin adds a range of days off or a working (làm bù) weekend day."""
    _require_admin(actor)
    row = _row(first_date, last_date, kind, label, source)
    _check_overlap(row)
    with transaction():
        entry = _entry_from_row(row, origin="admin", user_id=actor.user_id)
        db.session.add(entry)
        db.session.flush()
        audit.record(actor, "calendar_entry_added", str(row.year), _describe(entry))
    return entry


def update_entry(
    actor: Actor,
    entry_id: int,
    *,
    first_date: date | None,
    last_date: date | None,
    kind: str,
    label: str,
    source: str = "",
) -> CalendarEntry:
    """An admin edits an entry (its year follows its last day)."""
    _require_admin(actor)
    entry = get_entry(entry_id)
    row = _row(first_date, last_date, kind, label, source)
    _check_overlap(row, ignore_id=entry.id)
    before = _describe(entry)
    with transaction():
        entry.first_date, entry.last_date, entry.year = row.first_date, row.last_date, row.year
        entry.kind, entry.label, entry.source = str(row.kind), row.label, row.source
        entry.updated_by_id = actor.user_id
        audit.record(
            actor, "calendar_entry_updated", str(row.year), f"{before} → {_describe(entry)}"
        )
    return entry


def delete_entry(actor: Actor, entry_id: int) -> int:
    """An admin deletes an entry; returns the year it belonged to."""
    _require_admin(actor)
    entry = get_entry(entry_id)
    year = entry.year
    with transaction():
        audit.record(actor, "calendar_entry_deleted", str(year), _describe(entry))
        db.session.delete(entry)
    return year


#: A year's schedule is a few KB; the checked text also goes back in the confirm form,
#: which must stay under the form-memory limit (Flask's 500 KB).
SCHEDULE_MAX_BYTES = 256 * 1024


@dataclass
class SchedulePreview(ImportPreview[ScheduleRow]):
    """A checked schedule file: its rows, its line errors, and what it replaces by year."""

    #: year → entries now in the database that the import replaces
    replaced: dict[int, int] = dataclasses.field(default_factory=dict)

    @property
    def years(self) -> list[int]:
        """The years the file holds."""
        return sorted({row.year for row in self.rows})


def decode_upload(data: bytes) -> str:
    """The text of an uploaded CSV file (UTF-8, with or without BOM), at most 256 KB."""
    if len(data) > SCHEDULE_MAX_BYTES:
        raise ValidationError(
            N_(
                "Tệp quá lớn cho một lịch nghỉ (tối đa %(kb)s KB; lịch một năm chỉ vài KB). "
                "Hãy kiểm tra lại tệp."
            ),
            field="file",
            kb=SCHEDULE_MAX_BYTES // 1024,
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(
            N_(
                "Tệp không phải văn bản UTF-8. "
                "Trong Excel chọn Lưu thành “CSV UTF-8 (Comma delimited)”."
            ),
            field="file",
        ) from None


def check_schedule(text: str) -> SchedulePreview:
    """Parse and check a schedule file without saving: every bad line is listed.

    Each year in the file replaces that year's entries; a day may not be both a
    day off and a working day, in the file or against another year's entries.
    """
    rows, errors = load_schedule_csv(text)
    if not rows and not errors:
        errors = [RowError(1, N_("tệp không có dòng dữ liệu nào"))]
    years = {row.year for row in rows}
    replaced = {
        year: db.session.scalar(
            db.select(db.func.count(CalendarEntry.id)).where(CalendarEntry.year == year)
        )
        or 0
        for year in sorted(years)
    }
    if rows and not errors:
        lines = _data_lines(text)
        errors = [
            RowError(
                line,
                Message(
                    N_("năm %(year)s ngoài phạm vi lịch (%(first)s–%(last)s)"),
                    year=row.year,
                    first=FIRST_YEAR,
                    last=LAST_YEAR,
                ),
            )
            for row, line in zip(rows, lines, strict=False)
            if not (row.first_date.year >= FIRST_YEAR and row.last_date.year <= LAST_YEAR)
        ] or _conflicts_with_kept(rows, lines, years)
    return SchedulePreview(rows=rows, errors=errors, replaced=replaced)


def _data_lines(text: str) -> list[int]:
    """Line numbers of the non-blank records, as load_schedule_csv reads them."""
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
    lines = []
    for record in reader:
        if any((value or "").strip() for value in record.values() if isinstance(value, str)):
            lines.append(reader.line_num)
    return lines


def _conflicts_with_kept(
    rows: list[ScheduleRow], lines: list[int], years: set[int]
) -> list[RowError]:
    kept: dict[date, CalendarEntry] = {}
    for entry in db.session.scalars(
        db.select(CalendarEntry).where(CalendarEntry.year.not_in(years))
    ):
        day = entry.first_date
        while day <= entry.last_date:
            kept[day] = entry
            day += timedelta(days=1)
    errors = []
    for row, line in zip(rows, lines, strict=False):
        for rule in row.days():
            other = kept.get(rule.date)
            if other is not None:
                errors.append(
                    RowError(
                        line,
                        Message(
                            N_(
                                "ngày %(day)s đã có trong lịch năm %(year)s "
                                "(“%(label)s”); sửa lịch năm đó trước"
                            ),
                            day=_vn(rule.date),
                            year=other.year,
                            label=other.label,
                        ),
                    )
                )
                break
    return errors


def import_schedule(actor: Actor, text: str) -> SchedulePreview:
    """Replace each year in the file with the file's rows; all or nothing.

    Raises :class:`ImportRefused` (nothing saved) if any line is bad.
    """
    _require_admin(actor)
    plan = check_schedule(text)
    if not plan.can_apply:
        raise ImportRefused(plan)
    with transaction():
        for year in plan.years:
            for entry in year_entries(year):
                db.session.delete(entry)
        db.session.flush()
        for row in plan.rows:
            db.session.add(_entry_from_row(row, origin="import", user_id=actor.user_id))
        for year in plan.years:
            audit.record(
                actor,
                "calendar_imported",
                str(year),
                f"{sum(1 for row in plan.rows if row.year == year)} mục, "
                f"thay {plan.replaced.get(year, 0)} mục cũ",
            )
    return plan


def parse_due_request(
    received: str, limit: str, unit: str
) -> tuple[datetime, int | Decimal, LimitUnit]:
    """Text from a command line ("YYYY-MM-DD HH:MM" Vietnam time, a number, a unit) as values."""
    received = (received or "").strip()
    if not received:
        raise ValidationError(
            N_('Thiếu thời điểm nhận hồ sơ (--received "YYYY-MM-DD HH:MM").'), field="received"
        )
    try:
        moment = datetime.strptime(received.replace("T", " "), "%Y-%m-%d %H:%M")
    except ValueError:
        raise ValidationError(
            N_(
                "Thời điểm nhận hồ sơ không hợp lệ '%(received)s' "
                "(định dạng YYYY-MM-DD HH:MM, giờ Việt Nam)."
            ),
            field="received",
            received=received,
        ) from None
    limit = (limit or "").strip()
    if not limit:
        raise ValidationError(N_("Thiếu thời hạn giải quyết (--limit N)."), field="limit")
    try:
        amount = Decimal(limit.replace(",", "."))
    except ArithmeticError:
        raise ValidationError(
            N_("Thời hạn giải quyết phải là một số, không phải '%(limit)s'."),
            field="limit",
            limit=limit,
        ) from None
    if not amount.is_finite() or amount < 0:
        raise ValidationError(N_("Thời hạn giải quyết phải là một số không âm."), field="limit")
    number: int | Decimal = int(amount) if amount == amount.to_integral_value() else amount
    try:
        limit_unit = LimitUnit((unit or "").strip())
    except ValueError:
        choices = ", ".join(member.value for member in LimitUnit)
        raise ValidationError(
            N_("Đơn vị thời hạn không hợp lệ '%(unit)s' (chọn một trong: %(choices)s)."),
            field="unit",
            unit=unit,
            choices=choices,
        ) from None
    return clock.from_local_naive(moment), number, limit_unit
