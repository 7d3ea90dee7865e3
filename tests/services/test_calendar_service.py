"""The calendar service: due dates from the database's calendar and the office's hours."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask, has_request_context
from sqlalchemy import text

from counter.domain.due import Timeliness
from counter.domain.errors import ValidationError
from counter.extensions import db
from counter.models import CalendarEntry, Office
from counter.services import calendar as cal

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def vn(text: str) -> datetime:
    """An aware instant from Vietnam wall-clock text."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=VN)


def shown(instant: datetime) -> str:
    return instant.astimezone(VN).strftime("%Y-%m-%d %H:%M")


def test_init_loads_the_announced_2024_to_2026_schedules(app: Flask) -> None:
    calendar = cal.working_calendar()
    assert calendar.years_with_schedule() == [2024, 2025, 2026]
    # 2026 as announced: Tết 14–22/2, working Saturdays 10/1 and 22/8.
    assert not calendar.is_working_day(date(2026, 2, 16))
    assert not calendar.is_working_day(date(2026, 1, 2))
    assert calendar.is_working_day(date(2026, 1, 10))
    assert calendar.is_working_day(date(2026, 8, 22))
    assert not calendar.is_working_day(date(2026, 8, 31))
    assert not calendar.has_schedule(2027)


def test_builtin_loader_is_idempotent_and_keeps_admin_changes(app: Flask) -> None:
    count = db.session.scalar(db.select(db.func.count(CalendarEntry.id)))
    assert cal.load_builtin_schedule() is None
    assert db.session.scalar(db.select(db.func.count(CalendarEntry.id))) == count

    # An admin deleted one 2026 row: the next init does not bring it back.
    row = db.session.scalar(
        db.select(CalendarEntry).where(CalendarEntry.first_date == date(2026, 8, 22))
    )
    db.session.delete(row)
    db.session.commit()
    assert cal.load_builtin_schedule() is None
    assert db.session.scalar(db.select(db.func.count(CalendarEntry.id))) == count - 1

    # A year with no rows at all is loaded again.
    for entry in db.session.scalars(db.select(CalendarEntry).where(CalendarEntry.year == 2025)):
        db.session.delete(entry)
    db.session.commit()
    note = cal.load_builtin_schedule()
    assert note is not None and "2025" in note
    assert cal.working_calendar().has_schedule(2025)
    assert not cal.working_calendar().is_working_day(date(2025, 1, 28))


@pytest.mark.parametrize(
    ("received", "limit", "unit", "expected"),
    [
        # Friday before the Tết break 14–22/2/2026: 23, 24, 25 are the three days.
        ("2026-02-13 10:00", 3, "working_days", "2026-02-25 17:00"),
        # Same day after the 15:00 cutoff on Friday → Monday closing.
        ("2026-11-27 15:30", 0, "same_day", "2026-11-30 17:00"),
        ("2026-11-27 14:59", 0, "same_day", "2026-11-27 17:00"),
        # The swapped Saturday 10/1/2026 is a working day.
        ("2026-01-09 10:00", 1, "working_days", "2026-01-10 17:00"),
        # 8 working hours from Thursday 10:00 → Friday 10:00.
        ("2026-11-26 10:00", 8, "working_hours", "2026-11-27 10:00"),
        # 30 calendar days from 1/4/2026 → 1/5 (day off) → 4/5.
        ("2026-04-01 09:00", 30, "calendar_days", "2026-05-04 17:00"),
    ],
)
def test_due_at_uses_the_database_calendar(
    app: Flask, received: str, limit: int, unit: str, expected: str
) -> None:
    result = cal.due_at(vn(received), limit, unit)
    assert result.tzinfo is not None and result.utcoffset() == timedelta(0)
    assert shown(result) == expected


def test_due_at_takes_any_time_zone_and_rejects_naive(app: Flask) -> None:
    # 03:00 UTC is 10:00 in Vietnam.
    utc = datetime(2026, 2, 13, 3, 0, tzinfo=UTC)
    assert shown(cal.due_at(utc, 3, "working_days")) == "2026-02-25 17:00"
    with pytest.raises(ValueError):
        cal.due_at(datetime(2026, 2, 13, 10, 0), 3, "working_days")


def test_shipped_2026_schedule_has_24_november_off(app: Flask) -> None:
    # Tue 24/11/2026, Ngày Văn hóa Việt Nam: one working day from Monday is Wednesday.
    assert shown(cal.due_at(vn("2026-11-23 09:00"), 1, "working_days")) == "2026-11-25 17:00"
    assert shown(cal.due_at(vn("2026-11-23 15:30"), 0, "same_day")) == "2026-11-25 17:00"
    assert shown(cal.due_at(vn("2026-11-23 16:00"), 4, "working_hours")) == "2026-11-25 10:00"
    assert cal.working_calendar().reason(date(2026, 11, 24)) == "Ngày Văn hóa Việt Nam"
    entry = db.session.scalar(
        db.select(CalendarEntry).where(CalendarEntry.first_date == date(2026, 11, 24))
    )
    assert (entry.last_date, entry.year, entry.kind, entry.origin) == (
        date(2026, 11, 24),
        2026,
        "day_off",
        "builtin",
    )
    assert entry.label == "Ngày Văn hóa Việt Nam"
    assert "Resolution 28/2026/QH16" in entry.source


def test_statutory_24_november_applies_to_a_year_without_schedule(app: Flask) -> None:
    assert not cal.working_calendar().has_schedule(2027)
    assert shown(cal.due_at(vn("2027-11-23 09:00"), 1, "working_days")) == "2027-11-25 17:00"
    # Sat 24/11/2029 is made up on Monday 26/11.
    assert shown(cal.due_at(vn("2029-11-23 09:00"), 1, "working_days")) == "2029-11-27 17:00"
    assert shown(cal.due_at(vn("2025-11-21 09:00"), 1, "working_days")) == "2025-11-24 17:00"


def test_init_stores_builtin_labels_without_notes(app: Flask) -> None:
    entries = db.session.scalars(db.select(CalendarEntry)).all()
    assert {entry.label for entry in entries} == {
        "Tết Dương lịch",
        "Tết Nguyên Đán",
        "Giỗ Tổ Hùng Vương",
        "Giỗ Tổ",
        "30/4–1/5",
        "Quốc khánh",
        "Ngày Văn hóa Việt Nam",
        "Làm bù",
    }
    tet = next(entry for entry in entries if entry.first_date == date(2026, 2, 14))
    assert tet.source.startswith("27 Chạp–mùng 6; statutory 16–20/2; TB 9441/TB-BNV")


def test_due_at_follows_edits_of_the_calendar(app: Flask) -> None:
    assert shown(cal.due_at(vn("2026-11-25 09:00"), 1, "working_days")) == "2026-11-26 17:00"
    db.session.add(
        CalendarEntry(
            first_date=date(2026, 11, 26),
            last_date=date(2026, 11, 26),
            year=2026,
            kind="day_off",
            label="Nghỉ đột xuất",
            source="",
            origin="admin",
        )
    )
    db.session.commit()
    assert shown(cal.due_at(vn("2026-11-25 09:00"), 1, "working_days")) == "2026-11-27 17:00"


def test_due_at_uses_the_office_hours(app: Flask) -> None:
    office = db.session.get(Office, 1)
    office.afternoon_close = time(16, 30)
    office.same_day_cutoff = time(14, 0)
    db.session.commit()
    assert shown(cal.due_at(vn("2026-11-16 14:30"), 0, "same_day")) == "2026-11-17 16:30"
    assert shown(cal.due_at(vn("2026-11-16 09:00"), 2, "working_days")) == "2026-11-18 16:30"


@pytest.mark.parametrize(
    ("limit", "unit", "words"),
    [
        (3, "weeks", "Đơn vị thời hạn không hợp lệ"),
        (-1, "working_days", "không âm"),
        ("3", "working_days", "phải là một số"),
    ],
)
def test_due_at_bad_input_is_a_vietnamese_validation_error(
    app: Flask, limit: object, unit: str, words: str
) -> None:
    with pytest.raises(ValidationError) as err:
        cal.due_at(vn("2026-11-23 09:00"), limit, unit)  # type: ignore[arg-type]
    assert words in err.value.message


def test_resume_after_pause_moves_due_by_paused_working_time(app: Flask) -> None:
    due = vn("2026-11-30 17:00")
    # Paused Wednesday 15:00 → Thursday 09:00: 2 h + 2 h = 4 working hours.
    resumed = cal.resume_due_at(due, vn("2026-11-25 15:00"), vn("2026-11-26 09:00"))
    assert shown(resumed) == "2026-12-01 11:00"
    assert cal.working_time_between(vn("2026-11-25 15:00"), vn("2026-11-26 09:00")) == timedelta(
        hours=4
    )


def test_working_days_left_and_classify_in_vietnam_time(app: Flask) -> None:
    due = vn("2026-02-25 17:00")
    assert cal.working_days_left(due, now=vn("2026-02-13 10:00")) == 3
    assert cal.working_days_left(due, now=vn("2026-02-25 18:00")) == 0
    assert cal.working_days_left(due, now=vn("2026-02-27 08:00")) == -2
    # 23:30 UTC on the 24th is 06:30 on the 25th in Vietnam: the due day itself.
    assert cal.classify(datetime(2026, 2, 24, 23, 30, tzinfo=UTC), due) is Timeliness.ON_TIME
    assert cal.classify(vn("2026-02-24 16:00"), due) is Timeliness.EARLY
    assert cal.classify(vn("2026-02-25 17:01"), due) is Timeliness.LATE


def test_delay_sets_a_later_due_date_once(app: Flask) -> None:
    due = vn("2026-02-25 17:00")
    assert shown(cal.delayed_due_at(due, vn("2026-03-02 17:00"), False)) == "2026-03-02 17:00"
    with pytest.raises(ValidationError, match="một lần"):
        cal.delayed_due_at(due, vn("2026-03-02 17:00"), True)


def test_builtin_year_overlapping_kept_entries_is_skipped_not_merged(app: Flask) -> None:
    # The 2024 schedule starts with 30/12/2023; an admin made 30/12/2023 a working day.
    for entry in db.session.scalars(db.select(CalendarEntry).where(CalendarEntry.year == 2024)):
        db.session.delete(entry)
    db.session.add(
        CalendarEntry(
            first_date=date(2023, 12, 30),
            last_date=date(2023, 12, 30),
            year=2023,
            kind="working_day",
            label="Làm bù",
            source="",
            origin="admin",
        )
    )
    db.session.commit()
    note = cal.load_builtin_schedule()
    assert note is not None and "không nạp lịch nghỉ có sẵn các năm 2024" in note
    assert not cal.working_calendar().has_schedule(2024)
    # The calendar is still usable for due dates.
    assert shown(cal.due_at(vn("2026-02-13 10:00"), 3, "working_days")) == "2026-02-25 17:00"


def test_the_calendar_is_kept_outside_a_request_and_read_again_in_the_next_context(
    app: Flask,
) -> None:
    # A worker's app context has no request: the calendar is loaded once there too.
    assert not has_request_context()
    first = cal.working_calendar()
    assert cal.working_calendar() is first
    friday = date(2026, 12, 4)
    assert first.is_working_day(friday)

    # Another PC adds a day off (no event of this process sees it): the next app
    # context (the next request, the worker's next job) reads the entries again.
    db.session.execute(
        text(
            "INSERT INTO calendar_entry (first_date, last_date, year, kind, label, source,"
            " origin, updated_at) VALUES (:day, :day, 2026, 'day_off', 'Nghỉ bù', '',"
            " 'admin', :at)"
        ),
        {"day": friday, "at": datetime(2026, 12, 1, 2, 0)},
    )
    db.session.commit()
    with app.app_context():
        assert not cal.working_calendar().is_working_day(friday)
        assert shown(cal.due_at(vn("2026-12-03 09:00"), 1, "working_days")) == "2026-12-07 17:00"
