"""The office's working-day calendar and THE due-date entry point of the app.

Every due date shown, printed, synced or reported comes from :func:`due_at` (and
:func:`resume_due_at` after a pause); nothing else computes one. The functions
here take and return aware instants; the domain (counter.domain.due) works in
naive Vietnam local time, so the conversion happens in this one place.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask import g, has_app_context
from sqlalchemy import event

from counter.domain import due as due_rules
from counter.domain.calendar import (
    CalendarError,
    DayKind,
    OfficeHours,
    ScheduleRow,
    WorkingCalendar,
)
from counter.domain.due import DueDateError, LimitUnit, Timeliness
from counter.domain.errors import ValidationError
from counter.extensions import db
from counter.models import CalendarEntry, utcnow

VN = ZoneInfo("Asia/Ho_Chi_Minh")

# Bumped whenever a CalendarEntry row is flushed, so a calendar cached on ``g``
# (one per app context) is rebuilt after any change, whoever made it.
_generation = itertools.count()
_current_generation = next(_generation)


@event.listens_for(CalendarEntry, "after_insert")
@event.listens_for(CalendarEntry, "after_update")
@event.listens_for(CalendarEntry, "after_delete")
def _calendar_changed(*_args: Any) -> None:
    global _current_generation
    _current_generation = next(_generation)


# -- time zone helpers -------------------------------------------------------------


def local_naive(instant: datetime) -> datetime:
    """An aware instant as naive Vietnam wall-clock time (what the domain speaks)."""
    if instant.tzinfo is None:
        raise ValueError("an aware datetime is required (UTC or any zone)")
    return instant.astimezone(VN).replace(tzinfo=None)


def from_local_naive(moment: datetime) -> datetime:
    """Naive Vietnam wall-clock time as an aware UTC instant."""
    return moment.replace(tzinfo=VN).astimezone(UTC)


def local_today() -> date:
    """Today's date in Vietnam."""
    return local_naive(utcnow()).date()


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
            f"Lịch nghỉ đang lưu không dùng được: {err.message}. "
            "Quản trị viên cần sửa trang Lịch nghỉ."
        ) from None


def working_calendar() -> WorkingCalendar:
    """The office's calendar: loaded schedules, statutory days for other years.

    Cached for the app context (one request) and rebuilt after any change to the
    entries.
    """
    if not has_app_context():
        return _load_calendar()
    cached = g.get("_working_calendar")
    if cached is not None and cached[0] == _current_generation:
        return cached[1]  # type: ignore[no-any-return]
    generation = _current_generation
    calendar = _load_calendar()
    g._working_calendar = (generation, calendar)
    return calendar


def office_hours() -> OfficeHours:
    """The office's sessions (morning, afternoon) and same-day cutoff."""
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
            f"Giờ làm việc của đơn vị không dùng được: {err.message}.", field="morning_open"
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
        local_naive(received_at),
        limit,
        unit,
        working_calendar(),
        office_hours(),
    )
    return from_local_naive(due)


def resume_due_at(due_at: datetime, paused_from: datetime, resumed_at: datetime) -> datetime:
    """The due date after a pause (e.g. a supplement request) ends: moved by the paused working time."""
    due = _domain(
        due_rules.resume_after_pause,
        local_naive(due_at),
        local_naive(paused_from),
        local_naive(resumed_at),
        working_calendar(),
        office_hours(),
    )
    return from_local_naive(due)


def delayed_due_at(current_due: datetime, new_due: datetime, already_delayed: bool) -> datetime:
    """The new due date of a delay (form 04): once only, and later than the current one."""
    due = _domain(
        due_rules.apply_delay, local_naive(current_due), local_naive(new_due), already_delayed
    )
    return from_local_naive(due)


def working_days_left(due_at: datetime, now: datetime | None = None) -> int:
    """Working days from today to the due day: 0 = due today, negative = overdue by that many."""
    return _domain(  # type: ignore[no-any-return]
        due_rules.working_days_until,
        local_naive(now or utcnow()),
        local_naive(due_at),
        working_calendar(),
    )


def classify(resolved_at: datetime, due_at: datetime) -> Timeliness:
    """Early (trước hạn), on time (đúng hạn) or late (quá hạn), judged in Vietnam time."""
    return due_rules.classify(local_naive(resolved_at), local_naive(due_at))


def working_time_between(start: datetime, end: datetime) -> timedelta:
    """Office session time on working days between two aware instants."""
    return _domain(  # type: ignore[no-any-return]
        due_rules.working_time_between,
        local_naive(start),
        local_naive(end),
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
    are never undone. (An admin who deletes every entry of a shipped year gets
    it back at the next init; to use the statutory days instead, edit it.)
    """
    from counter.domain.calendar import builtin_schedule
    from counter.services import transaction

    rows = builtin_schedule()
    present = set(db.session.scalars(db.select(CalendarEntry.year).distinct()))
    added: list[int] = []
    with transaction():
        for row in rows:
            if row.year in present:
                continue
            db.session.add(_entry_from_row(row, origin="builtin"))
            if row.year not in added:
                added.append(row.year)
    if not added:
        return None
    years = ", ".join(str(year) for year in sorted(added))
    return f"lịch nghỉ công bố các năm {years}"


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
