"""Due dates: the rules on the slip, pauses, the one delay, and timeliness."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from counter.domain.calendar import OfficeHours, WorkingCalendar, builtin_schedule
from counter.domain.due import (
    DelayError,
    DueDateError,
    LimitUnit,
    Timeliness,
    apply_delay,
    classify,
    clock_start,
    compute_due,
    extend_by_working_time,
    paused_working_minutes,
    resume_after_pause,
    working_days_until,
    working_time_between,
)
from counter.domain.errors import ValidationError

CAL = WorkingCalendar(builtin_schedule())
HOURS = OfficeHours()

WD = LimitUnit.WORKING_DAYS
WH = LimitUnit.WORKING_HOURS
SD = LimitUnit.SAME_DAY
CD = LimitUnit.CALENDAR_DAYS


def at(text: str) -> datetime:
    """'2026-03-09 10:00' → datetime; short to keep the tables readable."""
    return datetime.fromisoformat(text)


def due(received: str, limit: int | Decimal, unit: LimitUnit) -> datetime:
    return compute_due(at(received), limit, unit, CAL, HOURS)


# 2026-03-09 is a Monday in an ordinary week; 13/2/2026 the Friday before Tết.


@pytest.mark.parametrize(
    ("received", "limit", "expected"),
    [
        ("2026-03-09 09:00", 3, "2026-03-12 17:00"),  # Mon → Thu
        ("2026-03-09 16:30", 3, "2026-03-12 17:00"),  # after the cutoff: still counts from Mon
        ("2026-03-09 06:30", 3, "2026-03-12 17:00"),  # before opening
        ("2026-03-14 09:00", 3, "2026-03-19 17:00"),  # Saturday: starts Mon 16/3
        ("2026-03-13 18:00", 3, "2026-03-19 17:00"),  # Friday after closing: starts Mon
        ("2026-02-13 10:00", 3, "2026-02-25 17:00"),  # before Tết: 23, 24, 25/2
        ("2026-02-18 10:00", 3, "2026-02-26 17:00"),  # during Tết: starts Mon 23/2
        ("2026-01-08 10:00", 2, "2026-01-10 17:00"),  # Fri 9/1, Sat 10/1 (làm bù)
        ("2026-04-28 10:00", 5, "2026-05-07 17:00"),  # over 30/4–3/5
        ("2026-08-20 10:00", 2, "2026-08-22 17:00"),  # Fri 21/8, Sat 22/8 (làm bù)
        ("2026-08-27 10:00", 3, "2026-09-04 17:00"),  # Fri 28/8, then 29/8–2/9 off
        ("2027-02-04 10:00", 2, "2027-02-15 17:00"),  # statutory Tết 2027 with nghỉ bù
        ("2026-11-23 09:00", 1, "2026-11-25 17:00"),  # Tue 24/11/2026 Ngày Văn hóa Việt Nam
        ("2026-11-23 16:30", 2, "2026-11-26 17:00"),
        ("2027-11-23 09:00", 1, "2027-11-25 17:00"),  # statutory 24/11 (a Wednesday)
        ("2029-11-23 09:00", 1, "2029-11-27 17:00"),  # Sat 24/11/2029 → nghỉ bù Mon 26/11
        ("2025-11-21 09:00", 1, "2025-11-24 17:00"),  # 24/11/2025 was a working Monday
    ],
)
def test_working_days(received: str, limit: int, expected: str) -> None:
    assert due(received, limit, WD) == at(expected)


def test_zero_working_days_is_same_day() -> None:
    assert due("2026-03-09 10:00", 0, WD) == at("2026-03-09 17:00")
    assert due("2026-03-09 15:30", 0, WD) == at("2026-03-10 17:00")


@pytest.mark.parametrize(
    ("received", "expected"),
    [
        ("2026-03-09 14:59", "2026-03-09 17:00"),
        ("2026-03-09 15:00", "2026-03-10 17:00"),
        ("2026-03-09 16:59", "2026-03-10 17:00"),
        ("2026-03-09 17:00", "2026-03-10 17:00"),
        ("2026-03-13 15:30", "2026-03-16 17:00"),  # Friday → Monday
        ("2026-03-13 12:00", "2026-03-13 17:00"),  # lunch: starts 13:30, before the cutoff
        ("2026-03-13 18:00", "2026-03-16 17:00"),
        ("2026-03-14 09:00", "2026-03-16 17:00"),  # Saturday
        ("2026-01-09 15:30", "2026-01-10 17:00"),  # Friday → Saturday làm bù
        ("2026-04-24 15:30", "2026-04-28 17:00"),  # Giỗ Tổ and its nghỉ bù Monday
    ],
)
def test_same_day_15_00_rule(received: str, expected: str) -> None:
    assert due(received, 0, SD) == at(expected)


@pytest.mark.parametrize(
    ("received", "hours", "expected"),
    [
        ("2026-03-09 10:00", 8, "2026-03-10 10:00"),  # 1.5 h + 3.5 h Mon, 3 h Tue
        ("2026-03-09 10:00", Decimal("1.5"), "2026-03-09 11:30"),  # ends on lunch: stays
        ("2026-03-09 12:00", Decimal("3.5"), "2026-03-09 17:00"),  # lunch start → 13:30
        ("2026-03-09 12:00", 4, "2026-03-10 07:30"),
        ("2026-03-09 17:30", 2, "2026-03-10 09:00"),  # after closing → next morning
        ("2026-03-09 06:00", 0, "2026-03-09 07:00"),
        ("2026-03-09 10:00", Decimal("0.25"), "2026-03-09 10:15"),
        ("2026-02-13 15:00", 8, "2026-02-23 15:00"),  # over Tết 2026
        ("2026-01-09 16:00", 4, "2026-01-10 10:00"),  # onto the làm bù Saturday
    ],
)
def test_working_hours(received: str, hours: int | Decimal, expected: str) -> None:
    assert due(received, hours, WH) == at(expected)


@pytest.mark.parametrize(
    ("received", "days", "expected"),
    [
        ("2026-03-09 10:00", 10, "2026-03-19 17:00"),
        ("2026-03-09 10:00", 5, "2026-03-16 17:00"),  # lands on Saturday → Monday
        ("2026-02-05 10:00", 10, "2026-02-23 17:00"),  # lands in Tết → after it
        ("2026-03-14 10:00", 10, "2026-03-26 17:00"),  # Saturday: counts from Monday
    ],
)
def test_calendar_days(received: str, days: int, expected: str) -> None:
    assert due(received, days, CD) == at(expected)


def test_office_hours_of_the_office_are_used() -> None:
    hours = OfficeHours(
        sessions=((time(7, 30), time(11, 30)), (time(13), time(16, 30))),
        same_day_cutoff=time(14),
    )
    assert compute_due(at("2026-03-09 10:00"), 3, WD, CAL, hours) == at("2026-03-12 16:30")
    assert compute_due(at("2026-03-09 12:00"), 1, WH, CAL, hours) == at("2026-03-09 14:00")
    assert compute_due(at("2026-03-09 14:00"), 0, SD, CAL, hours) == at("2026-03-10 16:30")


def test_clock_start() -> None:
    assert clock_start(at("2026-03-09 09:10"), CAL, HOURS) == at("2026-03-09 09:10")
    assert clock_start(at("2026-03-09 11:30"), CAL, HOURS) == at("2026-03-09 13:30")
    assert clock_start(at("2026-03-09 17:00"), CAL, HOURS) == at("2026-03-10 07:00")
    assert clock_start(at("2026-02-13 17:00"), CAL, HOURS) == at("2026-02-23 07:00")


@pytest.mark.parametrize(
    ("limit", "unit"),
    [
        (-1, WD),
        (Decimal("2.5"), WD),
        (Decimal("1.5"), CD),
        (Decimal("NaN"), WH),
        (1.5, WH),
        (True, WD),
        (3, "weeks"),
    ],
)
def test_invalid_limits(limit: object, unit: str) -> None:
    with pytest.raises(DueDateError) as caught:
        compute_due(at("2026-03-09 10:00"), limit, unit, CAL, HOURS)  # type: ignore[arg-type]
    assert caught.value.message


def test_aware_datetimes_are_refused() -> None:
    with pytest.raises(DueDateError, match="múi giờ"):
        compute_due(datetime(2026, 3, 9, 3, tzinfo=UTC), 3, WD, CAL, HOURS)


def test_unit_labels() -> None:
    assert LimitUnit("working_days").label == "ngày làm việc"
    assert SD.label == "trong ngày"


# --- pauses ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "worked"),
    [
        ("2026-03-09 10:00", "2026-03-10 10:00", timedelta(hours=8)),
        ("2026-03-09 11:00", "2026-03-09 14:00", timedelta(hours=1)),  # lunch excluded
        ("2026-03-13 16:00", "2026-03-16 08:00", timedelta(hours=2)),  # weekend excluded
        ("2026-03-14 08:00", "2026-03-15 18:00", timedelta()),
        ("2026-03-09 10:00", "2026-03-09 10:00", timedelta()),
        ("2026-02-13 07:00", "2026-02-23 07:00", timedelta(hours=8)),  # Tết excluded
    ],
)
def test_working_time_between(start: str, end: str, worked: timedelta) -> None:
    assert working_time_between(at(start), at(end), CAL, HOURS) == worked


def test_working_time_between_needs_order() -> None:
    with pytest.raises(DueDateError):
        working_time_between(at("2026-03-10 10:00"), at("2026-03-09 10:00"), CAL, HOURS)


@pytest.mark.parametrize(
    ("due_at", "paused", "expected"),
    [
        ("2026-03-12 17:00", timedelta(hours=8), "2026-03-13 17:00"),
        ("2026-03-12 17:00", timedelta(hours=2), "2026-03-13 09:00"),
        ("2026-03-12 17:00", timedelta(), "2026-03-12 17:00"),
        ("2026-03-12 10:00", timedelta(hours=1, minutes=30), "2026-03-12 11:30"),
        ("2026-03-12 10:00", timedelta(hours=2), "2026-03-12 14:00"),
        ("2026-02-13 17:00", timedelta(hours=1), "2026-02-23 08:00"),
    ],
)
def test_extend_by_working_time(due_at: str, paused: timedelta, expected: str) -> None:
    assert extend_by_working_time(at(due_at), paused, CAL, HOURS) == at(expected)


def test_negative_pause_is_refused() -> None:
    with pytest.raises(DueDateError):
        extend_by_working_time(at("2026-03-12 17:00"), timedelta(hours=-1), CAL, HOURS)


def test_resume_after_pause_moves_due_by_paused_working_time() -> None:
    # Supplement requested Mon 10:00, received back Tue 10:00: one working day.
    moved = resume_after_pause(
        at("2026-03-12 17:00"), at("2026-03-09 10:00"), at("2026-03-10 10:00"), CAL, HOURS
    )
    assert moved == at("2026-03-13 17:00")


def test_pause_over_a_weekend_only_moves_nothing() -> None:
    moved = resume_after_pause(
        at("2026-03-19 17:00"), at("2026-03-13 17:30"), at("2026-03-16 06:45"), CAL, HOURS
    )
    assert moved == at("2026-03-19 17:00")


@pytest.mark.parametrize(
    ("due_at", "paused_from", "resumed_at", "expected"),
    [
        # Asked for a supplement and got it back seconds later: the due date stays.
        ("2026-11-27 17:00", "2026-11-25 10:00:00", "2026-11-25 10:00:05", "2026-11-27 17:00"),
        ("2026-11-27 17:00", "2026-11-25 10:00:00", "2026-11-25 10:00:59.999999", None),
        ("2026-11-27 11:30", "2026-11-25 10:00:10", "2026-11-25 10:00:50", None),
        # Only whole working minutes count: 1 min 30 s moves it by one minute.
        ("2026-11-27 17:00", "2026-11-25 10:00:00", "2026-11-25 10:01:30", "2026-11-30 07:01"),
        ("2026-11-27 11:30", "2026-11-25 10:00:00", "2026-11-25 10:02:59", "2026-11-27 13:32"),
        # Over a night: 16:59:30 → 07:00:40 is 30 s + 40 s, one minute of working time.
        ("2026-11-27 17:00", "2026-11-25 16:59:30", "2026-11-26 07:00:40", "2026-11-30 07:01"),
        # Over 24/11/2026 (a day off): Mon 16:00 → Wed 08:00 is 2 working hours.
        ("2026-11-26 17:00", "2026-11-23 16:00", "2026-11-25 08:00", "2026-11-27 09:00"),
    ],
)
def test_resume_moves_by_whole_paused_working_minutes(
    due_at: str, paused_from: str, resumed_at: str, expected: str | None
) -> None:
    moved = resume_after_pause(at(due_at), at(paused_from), at(resumed_at), CAL, HOURS)
    assert moved == at(expected or due_at)


@pytest.mark.parametrize(
    ("paused_from", "resumed_at", "minutes"),
    [
        ("2026-11-25 10:00:00", "2026-11-25 10:00:05", 0),
        ("2026-11-25 10:00:00", "2026-11-25 10:00:59.999999", 0),
        ("2026-11-25 10:00:00", "2026-11-25 10:01:00", 1),
        ("2026-11-25 16:59:30", "2026-11-26 07:00:40", 1),
        ("2026-11-23 16:00", "2026-11-25 08:00", 120),
        ("2026-11-27 17:00", "2026-11-30 06:00", 0),
    ],
)
def test_paused_working_minutes(paused_from: str, resumed_at: str, minutes: int) -> None:
    assert paused_working_minutes(at(paused_from), at(resumed_at), CAL, HOURS) == minutes


def test_a_due_time_on_a_session_end_stays_after_a_zero_pause() -> None:
    for due_at in ("2026-11-27 17:00", "2026-11-27 11:30"):
        assert extend_by_working_time(at(due_at), timedelta(), CAL, HOURS) == at(due_at)
        assert resume_after_pause(
            at(due_at), at("2026-11-26 10:00"), at("2026-11-26 10:00:30"), CAL, HOURS
        ) == at(due_at)


# --- the one delay (form 04) -----------------------------------------------


def test_delay_once() -> None:
    assert apply_delay(at("2026-03-12 17:00"), at("2026-03-16 17:00"), False) == at(
        "2026-03-16 17:00"
    )


def test_second_delay_is_refused() -> None:
    with pytest.raises(DelayError) as caught:
        apply_delay(at("2026-03-12 17:00"), at("2026-03-16 17:00"), True)
    assert caught.value.message == "Hồ sơ đã được gia hạn một lần, không thể gia hạn thêm."
    assert isinstance(caught.value, ValidationError)  # one root error type: the web shows it


@pytest.mark.parametrize("new_due", ["2026-03-12 17:00", "2026-03-11 17:00"])
def test_delay_must_move_later(new_due: str) -> None:
    with pytest.raises(DelayError, match="phải sau"):
        apply_delay(at("2026-03-12 17:00"), at(new_due), False)


# --- timeliness ------------------------------------------------------------


@pytest.mark.parametrize(
    ("resolved", "expected"),
    [
        ("2026-03-11 16:59", Timeliness.EARLY),
        ("2026-03-12 07:00", Timeliness.ON_TIME),
        ("2026-03-12 17:00", Timeliness.ON_TIME),
        ("2026-03-12 17:01", Timeliness.LATE),
        ("2026-03-13 08:00", Timeliness.LATE),
    ],
)
def test_classify(resolved: str, expected: Timeliness) -> None:
    assert classify(at(resolved), at("2026-03-12 17:00")) is expected


def test_timeliness_labels() -> None:
    assert [t.label for t in Timeliness] == ["trước hạn", "đúng hạn", "quá hạn"]


@pytest.mark.parametrize(
    ("now", "due_at", "days"),
    [
        ("2026-03-09 08:00", "2026-03-12 17:00", 3),
        ("2026-03-12 10:00", "2026-03-12 17:00", 0),
        ("2026-03-12 17:30", "2026-03-12 17:00", 0),
        ("2026-03-14 10:00", "2026-03-12 17:00", -1),  # Saturday: Friday has passed
        ("2026-03-16 10:00", "2026-03-12 17:00", -2),
        ("2026-03-14 10:00", "2026-03-16 17:00", 1),
        ("2026-02-13 10:00", "2026-02-25 17:00", 3),
    ],
)
def test_working_days_until(now: str, due_at: str, days: int) -> None:
    assert working_days_until(at(now), at(due_at), CAL, HOURS) == days


# --- properties over 2024–2027 ---------------------------------------------

received_times = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2027, 12, 31, 23, 59)
)
hour_limits = st.decimals(min_value=0, max_value=80, places=2)
limits = st.one_of(
    st.tuples(st.just(WD), st.integers(0, 15)),
    st.tuples(st.just(WH), hour_limits),
    st.tuples(st.just(SD), st.just(0)),
    st.tuples(st.just(CD), st.integers(0, 60)),
)
FAST = settings(max_examples=200, deadline=None)


def inside_office_hours(moment: datetime) -> bool:
    return CAL.is_working_day(moment.date()) and any(
        start <= moment.time() <= end for start, end in HOURS.sessions
    )


@FAST
@given(received=received_times, limit=limits)
def test_due_is_a_working_moment_not_before_receipt(
    received: datetime, limit: tuple[LimitUnit, int | Decimal]
) -> None:
    unit, amount = limit
    result = compute_due(received, amount, unit, CAL, HOURS)
    assert result >= received
    assert inside_office_hours(result)


@FAST
@given(received=received_times, limit=limits, more=st.integers(0, 20))
def test_due_grows_with_the_limit(
    received: datetime, limit: tuple[LimitUnit, int | Decimal], more: int
) -> None:
    unit, amount = limit
    assert compute_due(received, amount, unit, CAL, HOURS) <= compute_due(
        received, amount + more, unit, CAL, HOURS
    )


@FAST
@given(
    received=received_times,
    limit=limits,
    later=st.timedeltas(min_value=timedelta(), max_value=timedelta(days=20)),
)
def test_due_grows_with_the_receipt_time(
    received: datetime, limit: tuple[LimitUnit, int | Decimal], later: timedelta
) -> None:
    unit, amount = limit
    assert compute_due(received, amount, unit, CAL, HOURS) <= compute_due(
        received + later, amount, unit, CAL, HOURS
    )


@FAST
@given(received=received_times, hours=hour_limits)
def test_working_hours_due_is_that_much_working_time_after_the_start(
    received: datetime, hours: Decimal
) -> None:
    result = compute_due(received, hours, WH, CAL, HOURS)
    worked = working_time_between(clock_start(received, CAL, HOURS), result, CAL, HOURS)
    assert worked == timedelta(seconds=int(hours * 3600))


@FAST
@given(received=received_times, paused=st.integers(0, 60 * 40))
def test_extension_adds_exactly_the_paused_working_time(received: datetime, paused: int) -> None:
    start = clock_start(received, CAL, HOURS)
    moved = extend_by_working_time(start, timedelta(minutes=paused), CAL, HOURS)
    assert inside_office_hours(moved)
    assert working_time_between(start, moved, CAL, HOURS) == timedelta(minutes=paused)


# --- properties of a pause -------------------------------------------------

settings.register_profile("pauses", max_examples=150, deadline=None)
PAUSES = settings.get_profile("pauses")

#: Receipts anywhere in 2024–2027, and often in the weeks of 24/11/2026 and of the
#: Saturday 24/11/2029 (made up on Monday 26/11).
pause_receipts = st.one_of(
    received_times,
    st.datetimes(min_value=datetime(2026, 11, 16), max_value=datetime(2026, 11, 30, 23, 59)),
    st.datetimes(min_value=datetime(2029, 11, 19), max_value=datetime(2029, 11, 30, 23, 59)),
)
#: When the pause starts after receipt, and how long it lasts: seconds (a supplement
#: handed in at once), hours, or days over nights, weekends and holidays.
pause_offsets = st.timedeltas(min_value=timedelta(), max_value=timedelta(days=15))
pause_lengths = st.one_of(
    st.timedeltas(min_value=timedelta(), max_value=timedelta(minutes=3)),
    st.timedeltas(min_value=timedelta(), max_value=timedelta(days=1)),
    st.timedeltas(min_value=timedelta(), max_value=timedelta(days=12)),
)
ONE_MINUTE = timedelta(minutes=1)
TICK = timedelta(microseconds=1)


def assert_moved_by_exactly(old_due: datetime, new_due: datetime, minutes: int) -> None:
    """The due date moved later by ``minutes`` of working time, to the earliest such instant."""
    assert new_due >= old_due
    assert working_time_between(old_due, new_due, CAL, HOURS) == minutes * ONE_MINUTE
    if minutes == 0:
        assert new_due == old_due  # never the next morning
    else:
        assert working_time_between(old_due, new_due - TICK, CAL, HOURS) < minutes * ONE_MINUTE


@PAUSES
@given(
    received=pause_receipts,
    limit=limits,
    offset=pause_offsets,
    length=pause_lengths,
)
def test_a_pause_moves_the_due_date_by_its_whole_working_minutes(
    received: datetime,
    limit: tuple[LimitUnit, int | Decimal],
    offset: timedelta,
    length: timedelta,
) -> None:
    unit, amount = limit
    old_due = compute_due(received, amount, unit, CAL, HOURS)
    paused_from = received + offset
    resumed_at = paused_from + length
    minutes = paused_working_minutes(paused_from, resumed_at, CAL, HOURS)
    assert minutes == working_time_between(paused_from, resumed_at, CAL, HOURS) // ONE_MINUTE
    new_due = resume_after_pause(old_due, paused_from, resumed_at, CAL, HOURS)
    assert_moved_by_exactly(old_due, new_due, minutes)
    assert inside_office_hours(new_due)


@PAUSES
@given(
    old_due=pause_receipts,
    minutes=st.one_of(st.just(0), st.integers(0, 5), st.integers(0, 60 * 8 * 12)),
)
def test_extending_any_due_time_by_whole_minutes(old_due: datetime, minutes: int) -> None:
    # A delay (form 04) may set a due time outside office hours; a pause still moves
    # it by exactly its working minutes, and not at all for zero.
    new_due = extend_by_working_time(old_due, minutes * ONE_MINUTE, CAL, HOURS)
    assert_moved_by_exactly(old_due, new_due, minutes)
