"""Due dates (ngày hẹn trả): one engine for the slip, the pauses, the delay and the reports.

Every datetime here is naive Vietnam local time (Asia/Ho_Chi_Minh, UTC+7, no
daylight saving): callers convert from UTC before calling and back after. The
slip and the law speak wall-clock time, and without DST no local time is
ambiguous, so naive values are safe and keep the arithmetic plain.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from counter.domain.calendar import ONE_DAY, OfficeHours, WorkingCalendar
from counter.domain.errors import ValidationError
from counter.domain.i18n import N_

_MICROSECONDS_PER_HOUR = 3_600_000_000
_ONE_MINUTE = timedelta(minutes=1)


class DueDateError(ValidationError):
    """A due date cannot be computed or changed (a bad limit, time or delay)."""


class DelayError(DueDateError):
    """A delay (form 04) that the rules do not allow."""


class LimitUnit(StrEnum):
    """Unit of a procedure's time limit, as published in the catalog."""

    WORKING_DAYS = "working_days"
    WORKING_HOURS = "working_hours"
    SAME_DAY = "same_day"
    CALENDAR_DAYS = "calendar_days"

    @property
    def label(self) -> str:
        """Vietnamese wording, e.g. for "3 ngày làm việc" on the slip."""
        return _UNIT_LABELS[self]


_UNIT_LABELS = {
    LimitUnit.WORKING_DAYS: N_("ngày làm việc"),
    LimitUnit.WORKING_HOURS: N_("giờ làm việc"),
    LimitUnit.SAME_DAY: N_("trong ngày"),
    LimitUnit.CALENDAR_DAYS: N_("ngày"),
}


class Timeliness(StrEnum):
    """How a resolved dossier met its due date."""

    EARLY = "early"
    ON_TIME = "on_time"
    LATE = "late"

    @property
    def label(self) -> str:
        """The word used on form 06 and in reports."""
        return _TIMELINESS_LABELS[self]


_TIMELINESS_LABELS = {
    Timeliness.EARLY: N_("trước hạn"),
    Timeliness.ON_TIME: N_("đúng hạn"),
    Timeliness.LATE: N_("quá hạn"),
}


def _require_naive(*values: datetime) -> None:
    if any(value.tzinfo is not None for value in values):
        raise DueDateError(N_("Thời điểm phải là giờ Việt Nam không kèm múi giờ."))


def _closing_of(day: date, hours: OfficeHours) -> datetime:
    return datetime.combine(day, hours.closing)


def clock_start(received: datetime, cal: WorkingCalendar, hours: OfficeHours) -> datetime:
    """When the clock starts: at receipt inside a session, else at the next opening.

    During the lunch break that is the afternoon session; at or after closing, or
    on a day off, the next working day's opening.
    """
    _require_naive(received)
    day, moment = received.date(), received.time()
    if cal.is_working_day(day):
        for start, end in hours.sessions:
            if moment < start:
                return datetime.combine(day, start)
            if moment < end:
                return received
    return datetime.combine(cal.next_working_day(day), hours.opening)


def _add_working_time(
    moment: datetime, amount: timedelta, cal: WorkingCalendar, hours: OfficeHours
) -> datetime:
    """``moment`` plus ``amount`` of working time; a result on a session's end stays there."""
    day, clock = moment.date(), moment.time()
    if not cal.is_working_day(day):
        day, clock = cal.next_working_day(day), hours.opening
    while True:
        for start, end in hours.sessions:
            if clock > end:
                continue
            begin = datetime.combine(day, max(clock, start))
            available = datetime.combine(day, end) - begin
            if amount <= available:
                return begin + amount
            amount -= available
        day, clock = cal.next_working_day(day), hours.opening


def _same_day(start: datetime, cal: WorkingCalendar, hours: OfficeHours) -> datetime:
    if start.time() < hours.same_day_cutoff:
        return _closing_of(start.date(), hours)
    return _closing_of(cal.next_working_day(start.date()), hours)


def _checked_limit(limit: int | Decimal, unit: LimitUnit) -> Decimal:
    if isinstance(limit, bool) or not isinstance(limit, int | Decimal):
        raise DueDateError(
            N_("Thời hạn giải quyết phải là một số, không phải '%(limit)s'."), limit=limit
        )
    amount = Decimal(limit)
    if not amount.is_finite() or amount < 0:
        raise DueDateError(N_("Thời hạn giải quyết phải là một số không âm."))
    if unit is not LimitUnit.WORKING_HOURS and amount != amount.to_integral_value():
        raise DueDateError(N_("Thời hạn tính theo %(unit)s phải là số nguyên."), unit=unit.label)
    return amount


def compute_due(
    received: datetime,
    limit: int | Decimal,
    unit: LimitUnit | str,
    cal: WorkingCalendar,
    hours: OfficeHours,
) -> datetime:
    """The due date-time of a dossier received at ``received`` (naive Vietnam time).

    The clock starts at :func:`clock_start`; call its day the start day.

    - ``working_days``: closing time of the N-th working day after the start
      day, e.g. received Mon 09:00, 3 days → Thu 17:00. Received on Saturday, or
      Friday after closing, starts Monday 07:00, so Monday is the start day and
      3 days → Thu 17:00. A limit of 0 is ``same_day``.
    - ``working_hours``: N hours of session time from the start; a due time on
      a session's end (11:30, 17:00) stays there.
    - ``same_day``: closing of the start day if the clock starts before the
      cutoff (15:00), else closing of the next working day. Received Saturday →
      Monday 17:00; Friday 16:00 → Monday 17:00; Friday 12:00 → Friday 17:00.
      The limit is ignored.
    - ``calendar_days``: closing of the start day + N days; if that day is off,
      the next working day (Civil Code: a time limit ending on a day off ends on
      the next working day).
    """
    try:
        unit = LimitUnit(unit)
    except ValueError:
        raise DueDateError(N_("Đơn vị thời hạn không hợp lệ '%(unit)s'."), unit=unit) from None
    amount = _checked_limit(limit, unit)
    start = clock_start(received, cal, hours)
    if unit is LimitUnit.WORKING_HOURS:
        microseconds = int(amount * _MICROSECONDS_PER_HOUR)
        return _add_working_time(start, timedelta(microseconds=microseconds), cal, hours)
    if unit is LimitUnit.SAME_DAY or (unit is LimitUnit.WORKING_DAYS and amount == 0):
        return _same_day(start, cal, hours)
    if unit is LimitUnit.WORKING_DAYS:
        day = start.date()
        for _ in range(int(amount)):
            day = cal.next_working_day(day)
        return _closing_of(day, hours)
    day = start.date() + timedelta(days=int(amount))
    if not cal.is_working_day(day):
        day = cal.next_working_day(day)
    return _closing_of(day, hours)


def working_time_between(
    start: datetime, end: datetime, cal: WorkingCalendar, hours: OfficeHours
) -> timedelta:
    """Session time on working days between two instants (e.g. how long a pause lasted)."""
    _require_naive(start, end)
    if end < start:
        raise DueDateError(N_("Thời điểm kết thúc phải sau thời điểm bắt đầu."))
    total = timedelta()
    day = start.date()
    while day <= end.date():
        if cal.is_working_day(day):
            for session_start, session_end in hours.sessions:
                low = max(datetime.combine(day, session_start), start)
                high = min(datetime.combine(day, session_end), end)
                if high > low:
                    total += high - low
        day += ONE_DAY
    return total


def paused_working_minutes(
    paused_from: datetime, resumed_at: datetime, cal: WorkingCalendar, hours: OfficeHours
) -> int:
    """Whole working minutes of a pause (what its event records); a part minute is not counted."""
    return working_time_between(paused_from, resumed_at, cal, hours) // _ONE_MINUTE


def extend_by_working_time(
    due: datetime, paused: timedelta, cal: WorkingCalendar, hours: OfficeHours
) -> datetime:
    """``due`` moved later by ``paused`` working time; the result is inside office hours.

    A zero pause leaves the due date as it is.
    """
    _require_naive(due)
    if paused < timedelta():
        raise DueDateError(N_("Thời gian tạm dừng không được âm."))
    if not paused:
        return due
    return _add_working_time(due, paused, cal, hours)


def resume_after_pause(
    due_before: datetime,
    paused_from: datetime,
    resumed_at: datetime,
    cal: WorkingCalendar,
    hours: OfficeHours,
) -> datetime:
    """The due date after a pause (e.g. a supplement request) ends.

    It moves by the pause's whole working minutes (:func:`paused_working_minutes`,
    what the pause's event records), to the earliest instant that is that much
    working time later. A pause of less than a working minute leaves it where it
    was, also on a session's end: Fri 17:00 stays Fri 17:00, not Mon 07:00.
    """
    minutes = paused_working_minutes(paused_from, resumed_at, cal, hours)
    return extend_by_working_time(due_before, minutes * _ONE_MINUTE, cal, hours)


def apply_delay(current_due: datetime, new_due: datetime, already_delayed: bool) -> datetime:
    """The new due date of a delay (form 04), which may be granted once and must be later."""
    _require_naive(current_due, new_due)
    if already_delayed:
        raise DelayError(N_("Hồ sơ đã được gia hạn một lần, không thể gia hạn thêm."))
    if new_due <= current_due:
        raise DelayError(N_("Ngày hẹn trả mới phải sau ngày hẹn trả hiện tại."))
    return new_due


def classify(resolved_at: datetime, due_at: datetime) -> Timeliness:
    """Early if resolved on a day before the due day, on time up to the due instant, else late."""
    _require_naive(resolved_at, due_at)
    if resolved_at.date() < due_at.date():
        return Timeliness.EARLY
    if resolved_at <= due_at:
        return Timeliness.ON_TIME
    return Timeliness.LATE


def working_days_until(
    now: datetime, due: datetime, cal: WorkingCalendar, hours: OfficeHours | None = None
) -> int:
    """Working days from today to the due day: 0 = due today, negative = overdue by that many.

    Counted by dates: the working days after today up to the due day, or, once the
    due day has passed, minus the working days after it up to today. A dossier due
    at 17:00 today is still 0 at 17:30: test ``now > due`` for the overdue flag.
    Constant time whatever the age of the due date (the worklist asks it per row).
    ``hours`` is accepted for a uniform signature and not needed.
    """
    _require_naive(now, due)
    today, due_day = now.date(), due.date()
    if due_day >= today:
        return cal.working_days_after(today, due_day)
    return -cal.working_days_after(due_day, today)
