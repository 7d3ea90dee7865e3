"""Working days between two dates from the calendar's table: the same as walking day by day.

The reference below is the day-walking count the worklist used before issue 15 (one step
per working day, so a ten-year-old overdue dossier cost thousands of look-ups per row).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from counter.domain.calendar import (
    DayKind,
    ScheduleRow,
    WorkingCalendar,
    builtin_schedule,
    lunar_new_year,
)
from counter.domain.due import working_days_until

BUILTIN = builtin_schedule()
#: Dates from well before to well after the shipped schedules (2024–2026) and any table range.
DAYS = st.dates(min_value=date(1995, 1, 1), max_value=date(2045, 12, 31))
#: Days around Tết and the New Year, where the holidays and swapped days are dense.
TET_DAYS = st.builds(
    lambda year, shift: lunar_new_year(year) + timedelta(days=shift),
    st.integers(1995, 2045),
    st.integers(-20, 20),
)
ANY_DAY = st.one_of(DAYS, TET_DAYS)
#: Two dates up to about four years apart, either way round (walking decades is slow).
SPAN = st.builds(
    lambda first, days: (first, first + timedelta(days=days)),
    ANY_DAY,
    st.integers(-1500, 1500),
)


def walked(first: date, last: date, cal: WorkingCalendar) -> int:
    """Working days in (first, last], one day at a time (the old way)."""
    count = 0
    day = cal.next_working_day(first)
    while day <= last:
        count += 1
        day = cal.next_working_day(day)
    return count


@st.composite
def schedules(draw: st.DrawFn) -> list[ScheduleRow]:
    """A few announced rows of a random year: days off, and Saturdays worked in exchange."""
    rows: list[ScheduleRow] = []
    taken: set[date] = set()
    for _ in range(draw(st.integers(0, 4))):
        first = draw(st.dates(min_value=date(2010, 1, 1), max_value=date(2035, 12, 1)))
        length = draw(st.integers(1, 9))
        days = {first + timedelta(days=k) for k in range(length)}
        if days & taken:
            continue
        taken |= days
        rows.append(ScheduleRow(first, first + timedelta(days=length - 1), DayKind.DAY_OFF, "Nghỉ"))
        saturday = first + timedelta(days=(5 - first.weekday()) % 7 + 7)
        if draw(st.booleans()) and saturday not in taken:
            taken.add(saturday)
            rows.append(ScheduleRow(saturday, saturday, DayKind.WORKING_DAY, "Làm bù"))
    return rows


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pairs=st.lists(SPAN, min_size=1, max_size=4))
def test_the_table_counts_what_walking_counts_with_the_shipped_schedules(
    pairs: list[tuple[date, date]],
) -> None:
    # One calendar for all the pairs: its table is built for the first and grown for the next.
    cal = WorkingCalendar(BUILTIN)
    for first, last in pairs:
        assert cal.working_days_after(first, last) == walked(first, last, cal)
        assert cal.working_days_after(last, first) == walked(last, first, cal)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=schedules(), span=SPAN)
def test_the_table_counts_what_walking_counts_with_any_schedule(
    rows: list[ScheduleRow], span: tuple[date, date]
) -> None:
    cal = WorkingCalendar(rows)
    first, last = span
    assert cal.working_days_after(first, last) == walked(first, last, cal)


def test_tet_and_weekends_are_not_counted() -> None:
    cal = WorkingCalendar(BUILTIN)
    # Tết 2026 (announced): off from Sat 14/2 to Sun 22/2; Fri 13/2 and Mon 23/2 are worked.
    assert cal.working_days_after(date(2026, 2, 13), date(2026, 2, 23)) == 1
    assert cal.working_days_after(date(2026, 2, 12), date(2026, 2, 13)) == 1
    assert cal.working_days_after(date(2026, 2, 13), date(2026, 2, 13)) == 0
    assert cal.working_days_after(date(2026, 2, 23), date(2026, 2, 13)) == 0


def test_an_overdue_of_ten_years_counts_back_exactly() -> None:
    cal = WorkingCalendar(BUILTIN)
    now, due = datetime(2026, 11, 18, 10, 0), datetime(2016, 11, 18, 17, 0)
    expected = -walked(due.date(), now.date(), cal)
    assert working_days_until(now, due, cal) == expected
    assert -2600 < expected < -2400  # about 250 working days a year
    assert working_days_until(due, now, cal) == -expected
