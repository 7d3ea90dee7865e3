"""The working-day calendar: announced schedules, statutory defaults, lunar dates."""

from __future__ import annotations

import csv
from datetime import date, time, timedelta
from pathlib import Path

import holidays
import pytest

import counter
from counter.domain.calendar import (
    CalendarError,
    DayKind,
    OfficeHours,
    ScheduleRow,
    WorkingCalendar,
    builtin_schedule,
    hung_kings_day,
    load_schedule_csv,
    lunar_new_year,
    split_builtin_label,
    statutory_days_off,
)
from counter.domain.imports import RowError

DATA = Path(counter.__file__).parent / "data"
TET_TABLE = list(csv.DictReader((DATA / "tet_dates.csv").read_text("utf-8").splitlines()))

BUILTIN = WorkingCalendar(builtin_schedule())


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


# --- lunar dates -----------------------------------------------------------


def test_tet_table_covers_1970_to_2050() -> None:
    assert [int(row["year"]) for row in TET_TABLE] == list(range(1970, 2051))


@pytest.mark.parametrize("row", TET_TABLE, ids=lambda row: row["year"])
def test_tet_and_hung_kings_match_the_vietnamese_calendar(row: dict[str, str]) -> None:
    year = int(row["year"])
    tet = date.fromisoformat(row["tet"])
    hung_kings = date.fromisoformat(row["hung_kings"])

    assert lunar_new_year(year) == tet
    assert hung_kings_day(year) == hung_kings

    # The public holidays.VN class agrees (it lists Giỗ Tổ only since 2007).
    listed = holidays.country_holidays("VN", years=year, observed=False, language="vi")
    assert listed.get(tet) == "Tết Nguyên Đán"
    if year >= 2007:
        assert listed.get(hung_kings) == "Ngày Giỗ Tổ Hùng Vương"


def test_tet_2030_follows_vietnam_not_china() -> None:
    assert lunar_new_year(2030) == date(2030, 2, 2)


def test_lunar_dates_outside_the_tables_raise() -> None:
    with pytest.raises(CalendarError):
        lunar_new_year(2200)


# --- statutory defaults ----------------------------------------------------


def test_statutory_2027_with_substitute_days() -> None:
    # Tết 2027: mùng 1 is Saturday 6/2, so Sat 6 and Sun 7 are made up on Wed 10 and Thu 11;
    # 1/5 is a Saturday, made up on Monday 3/5; 2/9 is a Thursday, adjacent day Friday 3/9.
    assert statutory_days_off(2027) == {
        date(2027, 1, 1): "Tết Dương lịch",
        date(2027, 2, 5): "Tết Nguyên Đán",
        date(2027, 2, 6): "Tết Nguyên Đán",
        date(2027, 2, 7): "Tết Nguyên Đán",
        date(2027, 2, 8): "Tết Nguyên Đán",
        date(2027, 2, 9): "Tết Nguyên Đán",
        date(2027, 2, 10): "Nghỉ bù Tết Nguyên Đán",
        date(2027, 2, 11): "Nghỉ bù Tết Nguyên Đán",
        date(2027, 4, 16): "Giỗ Tổ Hùng Vương",
        date(2027, 4, 30): "Ngày Chiến thắng",
        date(2027, 5, 1): "Ngày Quốc tế Lao động",
        date(2027, 5, 3): "Nghỉ bù Ngày Quốc tế Lao động",
        date(2027, 9, 2): "Quốc khánh",
        date(2027, 9, 3): "Quốc khánh",
        date(2027, 11, 24): "Ngày Văn hóa Việt Nam",
    }


def test_statutory_substitutes_skip_other_holidays() -> None:
    days = statutory_days_off(2028)
    assert days[date(2028, 1, 3)] == "Nghỉ bù Tết Dương lịch"  # 1/1 is a Saturday
    # 30/4 is a Sunday and Monday is 1/5 itself: made up on Tuesday.
    assert days[date(2028, 5, 2)] == "Nghỉ bù Ngày Chiến thắng"
    # 2/9 is a Saturday: Friday 1/9 is the adjacent day, Monday 4/9 makes up for Saturday.
    assert days[date(2028, 9, 1)] == "Quốc khánh"
    assert days[date(2028, 9, 4)] == "Nghỉ bù Quốc khánh"
    assert date(2028, 9, 3) not in days


@pytest.mark.parametrize("year", [2027, 2031, 2040, 2050])
def test_statutory_tet_is_the_eve_and_four_first_days(year: int) -> None:
    tet = lunar_new_year(year)
    days = statutory_days_off(year)
    for offset in range(-1, 4):
        assert days[tet + timedelta(days=offset)] == "Tết Nguyên Đán"
    assert tet - timedelta(days=2) not in days


def test_statutory_24_november_from_2026() -> None:
    # Ngày Văn hóa Việt Nam: Labour Code art. 112(1) as amended by Resolution 28/2026/QH16.
    assert statutory_days_off(2026)[date(2026, 11, 24)] == "Ngày Văn hóa Việt Nam"
    assert statutory_days_off(2027)[date(2027, 11, 24)] == "Ngày Văn hóa Việt Nam"
    assert statutory_days_off(2040)[date(2040, 11, 24)] == "Ngày Văn hóa Việt Nam"


@pytest.mark.parametrize("year", [2021, 2024, 2025])
def test_no_24_november_before_2026(year: int) -> None:
    assert not [day for day in statutory_days_off(year) if day.month == 11]


def test_24_november_on_a_saturday_is_made_up_on_monday() -> None:
    days = statutory_days_off(2029)
    assert days[date(2029, 11, 24)] == "Ngày Văn hóa Việt Nam"  # a Saturday
    assert days[date(2029, 11, 26)] == "Nghỉ bù Ngày Văn hóa Việt Nam"
    assert date(2029, 11, 25) not in days and date(2029, 11, 27) not in days
    calendar = WorkingCalendar()
    assert not calendar.is_working_day(date(2029, 11, 26))
    assert calendar.next_working_day(date(2029, 11, 23)) == date(2029, 11, 27)


@pytest.mark.parametrize("year", range(2021, 2051))
def test_statutory_november_agrees_with_the_holidays_package(year: int) -> None:
    # holidays lists 24/11 from 2026 and its nghỉ bù when it falls on a weekend.
    listed = holidays.country_holidays("VN", years=year, language="vi")
    november = {day for day in listed if day.month == 11}
    assert {day for day in statutory_days_off(year) if day.month == 11} == november


# --- the announced schedule 2024–2026 --------------------------------------


def test_builtin_schedule_loads() -> None:
    rows = builtin_schedule()
    assert len(rows) == 20
    assert BUILTIN.years_with_schedule() == [2024, 2025, 2026]


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        (date(2026, 1, 1), "Tết Dương lịch"),
        (date(2026, 1, 2), "Tết Dương lịch"),
        (date(2026, 1, 5), None),
        (date(2026, 1, 10), None),  # làm bù Saturday
        (date(2026, 1, 17), "Thứ Bảy"),
        (date(2026, 1, 18), "Chủ nhật"),
        (date(2026, 2, 13), None),
        (date(2026, 2, 23), None),
        (date(2026, 4, 27), "Giỗ Tổ"),
        (date(2026, 4, 30), "30/4–1/5"),
        (date(2026, 5, 1), "30/4–1/5"),
        (date(2026, 5, 4), None),
        (date(2026, 8, 22), None),  # làm bù Saturday
        (date(2026, 8, 31), "Quốc khánh"),
        (date(2026, 9, 2), "Quốc khánh"),
        (date(2026, 9, 3), None),
        (date(2026, 11, 23), None),
        (date(2026, 11, 24), "Ngày Văn hóa Việt Nam"),  # a public holiday from 2026
        (date(2026, 11, 25), None),
        (date(2025, 11, 24), None),  # not before 2026
        (date(2025, 4, 26), None),  # làm bù Saturday
        (date(2025, 5, 2), "30/4–1/5"),
        (date(2025, 9, 1), "Quốc khánh"),
        (date(2024, 4, 29), "30/4–1/5"),
        (date(2024, 5, 4), None),  # làm bù Saturday
        (date(2023, 12, 30), "Tết Dương lịch"),  # a 2024 row reaching into 2023
        (date(2023, 12, 29), None),
    ],
)
def test_announced_schedule(day: date, reason: str | None) -> None:
    assert BUILTIN.reason(day) == reason
    assert BUILTIN.is_working_day(day) is (reason is None)


def test_tet_2026_is_off_from_14_to_22_february() -> None:
    assert [
        d for d in _days(date(2026, 2, 12), date(2026, 2, 24)) if BUILTIN.is_working_day(d)
    ] == [
        date(2026, 2, 12),
        date(2026, 2, 13),
        date(2026, 2, 23),
        date(2026, 2, 24),
    ]
    # The loaded break replaces the statutory one: no nghỉ bù on top of it.
    assert BUILTIN.reason(date(2026, 2, 17)) == "Tết Nguyên Đán"


@pytest.mark.parametrize(
    ("day", "following"),
    [
        (date(2026, 2, 13), date(2026, 2, 23)),
        (date(2026, 1, 9), date(2026, 1, 10)),
        (date(2026, 1, 1), date(2026, 1, 5)),
        (date(2026, 3, 9), date(2026, 3, 10)),
        (date(2027, 2, 4), date(2027, 2, 12)),
    ],
)
def test_next_working_day(day: date, following: date) -> None:
    assert BUILTIN.next_working_day(day) == following


# --- loaded schedule versus statutory defaults -----------------------------


def test_year_without_schedule_uses_statutory_days() -> None:
    assert not BUILTIN.has_schedule(2027)
    for day in _days(date(2027, 2, 5), date(2027, 2, 11)):
        assert not BUILTIN.is_working_day(day)
    assert BUILTIN.reason(date(2027, 2, 6)) == "Tết Nguyên Đán"
    assert BUILTIN.reason(date(2027, 2, 10)) == "Nghỉ bù Tết Nguyên Đán"
    assert BUILTIN.is_working_day(date(2027, 2, 12))
    assert BUILTIN.reason(date(2027, 4, 16)) == "Giỗ Tổ Hùng Vương"


def test_any_loaded_row_replaces_statutory_days_of_its_year() -> None:
    cal = WorkingCalendar(
        [ScheduleRow(date(2027, 3, 1), date(2027, 3, 1), DayKind.DAY_OFF, "Nghỉ thử")]
    )
    assert cal.has_schedule(2027)
    assert cal.reason(date(2027, 3, 1)) == "Nghỉ thử"
    assert cal.is_working_day(date(2027, 2, 8))  # statutory Tết 2027, not announced
    assert cal.reason(date(2027, 2, 6)) == "Thứ Bảy"
    assert not cal.is_working_day(date(2028, 1, 3))  # 2028 still statutory


def test_row_across_new_year_belongs_to_the_later_year() -> None:
    cal = WorkingCalendar(
        [ScheduleRow(date(2026, 12, 31), date(2027, 1, 1), DayKind.DAY_OFF, "Tết Dương lịch")]
    )
    assert cal.years_with_schedule() == [2027]
    assert not cal.has_schedule(2026)
    assert not cal.is_working_day(date(2026, 12, 31))
    assert not cal.is_working_day(date(2026, 2, 17))  # statutory Tết 2026 still applies


def test_conflicting_rows_are_refused() -> None:
    rows = [
        ScheduleRow(date(2027, 1, 2), date(2027, 1, 3), DayKind.DAY_OFF, "Nghỉ"),
        ScheduleRow(date(2027, 1, 2), date(2027, 1, 2), DayKind.WORKING_DAY, "Làm bù"),
    ]
    with pytest.raises(CalendarError, match="02/01/2027"):
        WorkingCalendar(rows)


def test_calendar_without_any_working_day_raises() -> None:
    start = date(2027, 1, 1)
    rows = [
        ScheduleRow(
            start + timedelta(days=31 * n), start + timedelta(days=31 * n + 30), "day_off", "x"
        )
        for n in range(14)
    ]
    with pytest.raises(CalendarError):
        WorkingCalendar(rows).next_working_day(start)


# --- CSV import ------------------------------------------------------------

BAD_CSV = """\
first_date,last_date,kind,label,source
2027-01-01,2027-01-01,day_off,Tết Dương lịch,ok
abc,2027-01-02,day_off,x,
2027-02-30,2027-03-01,day_off,x,
2027-03-05,2027-03-01,day_off,x,
2027-01-01,2027-03-01,day_off,x,
2027-05-01,2027-05-01,holiday,x,

2027-05-05,2027-05-05,working_day,làm bù,
,2027-05-05,day_off,x,
2027-01-02,2027-01-02,working_day,,
2027-01-02,2027-01-02,day_off,x,
2027/01/05,2027-01-05,day_off,x,
2027-06-01,2027-06-01,day_off,x,y,extra
"""


def test_csv_errors_carry_line_numbers() -> None:
    rows, errors = load_schedule_csv(BAD_CSV)
    assert [str(error) for error in errors] == [
        "Dòng 3: ngày không hợp lệ 'abc' (định dạng YYYY-MM-DD)",
        "Dòng 4: ngày không hợp lệ '2027-02-30' (định dạng YYYY-MM-DD)",
        "Dòng 5: ngày kết thúc 01/03/2027 trước ngày bắt đầu 05/03/2027",
        "Dòng 6: khoảng 60 ngày, dài quá 31 ngày",
        "Dòng 7: loại ngày không hợp lệ 'holiday' (chỉ nhận day_off hoặc working_day)",
        "Dòng 9: ngày làm bù 05/05/2027 không phải Thứ Bảy hoặc Chủ nhật",
        "Dòng 10: thiếu giá trị cột first_date",
        "Dòng 12: ngày 02/01/2027 vừa là ngày nghỉ vừa là ngày làm việc (xem dòng 11)",
        "Dòng 13: ngày không hợp lệ '2027/01/05' (định dạng YYYY-MM-DD)",
        "Dòng 14: thừa giá trị ngoài các cột đã khai báo",
    ]
    assert errors[0] == RowError(3, "ngày không hợp lệ 'abc' (định dạng YYYY-MM-DD)")
    # Valid rows come back too; the caller saves nothing while errors remain.
    assert [(row.first_date, row.kind, row.label) for row in rows] == [
        (date(2027, 1, 1), DayKind.DAY_OFF, "Tết Dương lịch"),
        (date(2027, 1, 2), DayKind.WORKING_DAY, "Làm bù"),
        (date(2027, 1, 2), DayKind.DAY_OFF, "x"),
    ]


def test_csv_missing_column() -> None:
    rows, errors = load_schedule_csv("first_date,last_date,label\n2027-01-01,2027-01-01,x\n")
    assert rows == []
    assert [error.message for error in errors] == ["Dòng 1: thiếu cột: kind, source"]


def test_csv_with_excel_bom_and_quoted_label() -> None:
    text = (
        "\ufefffirst_date,last_date,kind,label,source\r\n"
        '2027-02-04,2027-02-12,day_off,"Tết Nguyên Đán, 9 ngày",TB 1/2026\r\n'
    )
    rows, errors = load_schedule_csv(text)
    assert errors == []
    assert rows == [
        ScheduleRow(
            date(2027, 2, 4),
            date(2027, 2, 12),
            DayKind.DAY_OFF,
            "Tết Nguyên Đán, 9 ngày",
            "TB 1/2026",
        )
    ]
    assert len(list(rows[0].days())) == 9


def test_builtin_file_matches_the_calendar_it_builds() -> None:
    text = (DATA / "official_days_off.csv").read_text("utf-8")
    rows, errors = load_schedule_csv(text)
    assert errors == []
    built = builtin_schedule()
    assert [(r.first_date, r.last_date, r.kind) for r in built] == [
        (r.first_date, r.last_date, r.kind) for r in rows
    ]
    # The label is the Vietnamese name; the file's note in parentheses leads the source.
    tet_2026 = next(r for r in built if r.first_date == date(2026, 2, 14))
    assert tet_2026.label == "Tết Nguyên Đán"
    assert tet_2026.source == (
        "27 Chạp–mùng 6; statutory 16–20/2; TB 9441/TB-BNV 16/10/2025; CV 9859/VPCP-KGVX; "
        "vietnamnews.vn/politics-laws/1727514"
    )
    assert next(r for r in built if r.first_date == date(2025, 1, 1)).source == (
        "statutory (no swap found)"
    )


def test_builtin_labels_are_vietnamese_names_only() -> None:
    labels = {row.label for row in builtin_schedule()}
    assert labels == {
        "Tết Dương lịch",
        "Tết Nguyên Đán",
        "Giỗ Tổ Hùng Vương",
        "Giỗ Tổ",
        "30/4–1/5",
        "Quốc khánh",
        "Ngày Văn hóa Việt Nam",
        "Làm bù",
    }


@pytest.mark.parametrize(
    ("label", "source", "expected"),
    [
        ("Tết Dương lịch", "CV 1", ("Tết Dương lịch", "CV 1")),
        ("làm bù", "see swap", ("Làm bù", "see swap")),
        ("30/4–1/5 (Thu–Fri)", "thanhnien.vn", ("30/4–1/5", "Thu–Fri; thanhnien.vn")),
        ("Quốc khánh (1/9 + 2/9)", "", ("Quốc khánh", "1/9 + 2/9")),
        ("Tết (a) b", "x", ("Tết (a) b", "x")),  # not a trailing note: kept
    ],
)
def test_split_builtin_label(label: str, source: str, expected: tuple[str, str]) -> None:
    assert split_builtin_label(label, source) == expected


# --- office hours ----------------------------------------------------------


def test_default_office_hours() -> None:
    hours = OfficeHours()
    assert hours.sessions == ((time(7), time(11, 30)), (time(13, 30), time(17)))
    assert (hours.opening, hours.closing, hours.same_day_cutoff) == (time(7), time(17), time(15))


def test_office_hours_accept_lists() -> None:
    hours = OfficeHours(sessions=[[time(7, 30), time(16, 30)]])  # type: ignore[arg-type]
    assert hours.sessions == ((time(7, 30), time(16, 30)),)


@pytest.mark.parametrize(
    ("sessions", "cutoff"),
    [
        ((), time(15)),
        (((time(11), time(7)),), time(9)),
        (((time(7), time(7)),), time(7)),
        (((time(7), time(12)), (time(11), time(17))), time(15)),
        (((time(13), time(17)), (time(7), time(11))), time(15)),
        (((time(7), time(11, 30)), (time(13, 30), time(17))), time(18)),
        (((time(7), time(11, 30)), (time(13, 30), time(17))), time(6)),
    ],
)
def test_invalid_office_hours(sessions: tuple[tuple[time, time], ...], cutoff: time) -> None:
    with pytest.raises(CalendarError):
        OfficeHours(sessions=sessions, same_day_cutoff=cutoff)
