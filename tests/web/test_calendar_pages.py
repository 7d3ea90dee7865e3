"""The admin calendar pages, the schedule import and the missing-schedule banner."""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from html import unescape
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from counter.domain import clock
from counter.extensions import db
from counter.models import AuditEntry, CalendarEntry
from counter.services import calendar as calendar_service

GOOD_2027 = """first_date,last_date,kind,label,source
2027-01-01,2027-01-01,day_off,Tết Dương lịch,TB thử nghiệm 2027
2027-02-05,2027-02-10,day_off,Tết Nguyên Đán,TB thử nghiệm 2027
2027-04-16,2027-04-16,day_off,Giỗ Tổ Hùng Vương,TB thử nghiệm 2027
2027-04-30,2027-05-01,day_off,30/4–1/5,TB thử nghiệm 2027
2027-09-02,2027-09-03,day_off,Quốc khánh,TB thử nghiệm 2027
"""

BAD_2027 = """first_date,last_date,kind,label,source
2027-01-01,2027-01-01,day_off,Tết Dương lịch,ok
2027-02-10,2027-02-05,day_off,Tết ngược,x
2027-13-01,2027-13-01,day_off,Tháng 13,x
2027-01-06,2027-01-06,working_day,Thứ Tư làm bù,x
2027-04-30,2027-05-01,holiday,Sai loại,x
"""


@pytest.fixture(autouse=True)
def today_is_27_november_2026(monkeypatch: pytest.MonkeyPatch) -> None:
    """The banner depends on today's date; pin it to the day the issue was written."""
    monkeypatch.setattr(clock, "today", lambda: date(2026, 11, 27))


def text_of(response: Any) -> str:
    """The page as a reader sees it: tags dropped, entities decoded, spaces collapsed."""
    html = response.get_data(as_text=True)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def cell(html: str, day: date) -> str:
    """The <td> of one day in the year grid."""
    match = re.search(rf'<td[^>]*data-date="{day.isoformat()}"[^>]*>', html)
    assert match, f"no cell for {day}"
    return unescape(match.group(0))


def test_2026_is_shown_exactly_as_announced(login_as: Any) -> None:
    admin = login_as("admin")
    response = admin.get("/quan-tri/lich-nghi/nam/2026")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    text = text_of(response)
    assert "Theo lịch nghỉ đã công bố" in text
    # Every announced range in the table, with its label and source.
    for first, last, label in [
        ("01/01/2026", "04/01/2026", "Tết Dương lịch"),
        ("14/02/2026", "22/02/2026", "Tết Nguyên Đán"),
        ("25/04/2026", "27/04/2026", "Giỗ Tổ"),
        ("30/04/2026", "03/05/2026", "30/4–1/5"),
        ("29/08/2026", "02/09/2026", "Quốc khánh"),
        ("24/11/2026", "24/11/2026", "Ngày Văn hóa Việt Nam"),
        ("10/01/2026", "10/01/2026", "Làm bù"),
        ("22/08/2026", "22/08/2026", "Làm bù"),
    ]:
        # The name alone in its column; the notes lead the source column.
        assert re.search(rf"{first} {last} \d+ \S+ \S+ {re.escape(label)} \S", text), label
    assert "27 Chạp–mùng 6; statutory 16–20/2; TB 9441/TB-BNV" in text
    assert "Resolution 28/2026/QH16" in text
    assert not re.search(r"<td>[^<]*\((swap|Thu|Sun|1/9)", html)
    # The grid: each day off red with its label, both working Saturdays marked.
    for day in [date(2026, 1, 2), date(2026, 2, 16), date(2026, 2, 20), date(2026, 4, 27)]:
        td = cell(html, day)
        assert 'data-status="day_off"' in td and "cal-day-off" in td
    assert "Tết Nguyên Đán" in cell(html, date(2026, 2, 16))
    assert "Quốc khánh" in cell(html, date(2026, 8, 31))
    for saturday in [date(2026, 1, 10), date(2026, 8, 22)]:
        td = cell(html, saturday)
        assert 'data-status="working_weekend"' in td and "Làm bù" in td
    assert 'data-status="weekend"' in cell(html, date(2026, 1, 17))
    assert 'data-status="working"' in cell(html, date(2026, 2, 23))
    # Tue 24/11/2026, Ngày Văn hóa Việt Nam: off, named; the days around it are working days.
    td = cell(html, date(2026, 11, 24))
    assert 'data-status="day_off"' in td and "cal-day-off" in td
    assert 'title="24/11/2026: Ngày Văn hóa Việt Nam"' in td
    assert re.search(
        r'data-date="2026-11-24"[^>]*>24<span class="visually-hidden"> — Ngày Văn hóa Việt Nam<',
        html,
    )
    for day in [date(2026, 11, 23), date(2026, 11, 25)]:
        assert 'data-status="working"' in cell(html, day)
    assert len(re.findall(r'data-status="day_off"', html)) == 4 + 9 + 3 + 4 + 5 + 1
    assert "Trong năm: 14 ngày nghỉ lễ rơi vào ngày thường" in text


def test_year_without_schedule_lists_the_statutory_days(login_as: Any) -> None:
    admin = login_as("admin")
    response = admin.get("/quan-tri/lich-nghi/nam/2027")
    text = text_of(response)
    assert "Chưa có lịch nghỉ công bố cho năm 2027" in text
    # Tết 2027 is 6 February: 5–9/2 statutory; Giỗ Tổ 16/4; Sat 1/5 → Mon 3/5 nghỉ bù.
    for line in [
        "01/01/2027 T6 Tết Dương lịch",
        "05/02/2027 T6 Tết Nguyên Đán",
        "09/02/2027 T3 Tết Nguyên Đán",
        "16/04/2027 T6 Giỗ Tổ Hùng Vương",
        "03/05/2027 T2 Nghỉ bù Ngày Quốc tế Lao động",
        "02/09/2027 T5 Quốc khánh",
    ]:
        assert line in text, line
    assert 'data-status="day_off"' in cell(response.get_data(as_text=True), date(2027, 2, 8))


def test_year_navigation(login_as: Any) -> None:
    admin = login_as("admin")
    response = admin.get("/quan-tri/lich-nghi/")
    assert response.status_code == 302 and response.location.endswith("/nam/2026")
    html = admin.get("/quan-tri/lich-nghi/nam/2026").get_data(as_text=True)
    assert 'href="/quan-tri/lich-nghi/nam/2025"' in html
    assert 'href="/quan-tri/lich-nghi/nam/2027"' in html
    response = admin.get("/quan-tri/lich-nghi/?nam=2030")
    assert response.location.endswith("/nam/2030")
    assert admin.get("/quan-tri/lich-nghi/nam/99999").status_code == 404
    assert "Lịch nghỉ, ngày làm bù" in text_of(admin.get("/quan-tri/"))


@pytest.mark.parametrize("username", ["tiepnhan", "chuyenvien", "lanhdao"])
def test_only_admins_open_the_calendar(login_as: Any, username: str) -> None:
    staff = login_as(username)
    assert staff.get("/quan-tri/lich-nghi/nam/2026").status_code == 403
    assert staff.get("/quan-tri/lich-nghi/them").status_code == 403
    # With a valid CSRF token (from their home page), the role check still refuses.
    response = staff.submit("/quan-tri/lich-nghi/nhap/xac-nhan", {"content": GOOD_2027}, page="/")
    assert response.status_code == 403
    entry_id = db.session.scalar(db.select(CalendarEntry.id))
    response = staff.submit(f"/quan-tri/lich-nghi/muc/{entry_id}/xoa", {}, page="/")
    assert response.status_code == 403
    assert db.session.get(CalendarEntry, entry_id) is not None
    assert not calendar_service.working_calendar().has_schedule(2027)


def test_add_edit_delete_an_entry_changes_due_dates_and_is_audited(login_as: Any) -> None:
    admin = login_as("admin")
    response = admin.submit(
        "/quan-tri/lich-nghi/them",
        {
            "first_date": "26/11/2026",
            "last_date": "",
            "kind": "day_off",
            "label": "Nghỉ đột xuất",
            "source": "Quyết định thử",
        },
    )
    assert response.status_code == 302, text_of(response)
    page = admin.get("/quan-tri/lich-nghi/nam/2026")
    assert "Nghỉ đột xuất" in cell(page.get_data(as_text=True), date(2026, 11, 26))
    entry = db.session.scalar(
        db.select(CalendarEntry).where(CalendarEntry.label == "Nghỉ đột xuất")
    )
    assert entry.origin == "admin" and entry.year == 2026
    received = datetime(2026, 11, 25, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    assert clock.local_naive(calendar_service.due_at(received, 1, "working_days")).day == 27

    form = admin.get(f"/quan-tri/lich-nghi/muc/{entry.id}").get_data(as_text=True)
    assert re.search(r'<input[^>]*name="first_date"[^>]*value="2026-11-26"', form)
    assert 'value="Nghỉ đột xuất"' in form
    response = admin.submit(
        f"/quan-tri/lich-nghi/muc/{entry.id}",
        {
            "first_date": "2026-11-26",
            "last_date": "2026-11-27",
            "kind": "day_off",
            "label": "Nghỉ đột xuất (2 ngày)",
            "source": "Quyết định thử",
        },
    )
    assert response.status_code == 302
    db.session.refresh(entry)
    assert entry.last_date == date(2026, 11, 27)
    assert clock.local_naive(calendar_service.due_at(received, 1, "working_days")).day == 30

    entry_id = entry.id
    response = admin.submit(
        f"/quan-tri/lich-nghi/muc/{entry_id}/xoa", {}, page="/quan-tri/lich-nghi/nam/2026"
    )
    assert response.status_code == 302
    assert db.session.get(CalendarEntry, entry_id) is None
    assert clock.local_naive(calendar_service.due_at(received, 1, "working_days")).day == 26
    actions = db.session.scalars(
        db.select(AuditEntry.action)
        .where(AuditEntry.action.like("calendar_%"))
        .order_by(AuditEntry.id)
    ).all()
    assert actions == ["calendar_entry_added", "calendar_entry_updated", "calendar_entry_deleted"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"first_date": "31/02/2026", "kind": "day_off", "label": "x"}, "Ngày không hợp lệ"),
        (
            {
                "first_date": "2026-12-10",
                "last_date": "2026-12-01",
                "kind": "day_off",
                "label": "x",
            },
            "trước ngày bắt đầu",
        ),
        ({"first_date": "2026-12-09", "kind": "working_day", "label": "x"}, "không phải Thứ Bảy"),
        ({"first_date": "2026-12-09", "kind": "day_off", "label": ""}, "Nhập tên ngày nghỉ"),
        (
            {
                "first_date": "2026-12-01",
                "last_date": "2027-02-01",
                "kind": "day_off",
                "label": "x",
            },
            "dài quá 31 ngày",
        ),
        ({"first_date": "2026-02-20", "kind": "day_off", "label": "x"}, "trùng với mục đã có"),
        ({"first_date": "1800-01-01", "kind": "day_off", "label": "x"}, "Năm 1800 ngoài phạm vi"),
    ],
)
def test_bad_entry_is_refused_with_a_vietnamese_message(
    login_as: Any, data: dict[str, str], message: str
) -> None:
    admin = login_as("admin")
    count = db.session.scalar(db.select(db.func.count(CalendarEntry.id)))
    response = admin.submit("/quan-tri/lich-nghi/them", data)
    assert response.status_code == 422
    assert message in text_of(response)
    assert db.session.scalar(db.select(db.func.count(CalendarEntry.id))) == count


def upload(admin: Any, content: str | bytes, name: str = "lich.csv") -> Any:
    raw = content.encode("utf-8") if isinstance(content, str) else content
    return admin.submit(
        "/quan-tri/lich-nghi/nhap",
        {"file": (io.BytesIO(raw), name)},
        content_type="multipart/form-data",
    )


def test_import_good_file_previews_then_saves_and_the_banner_goes(login_as: Any) -> None:
    admin = login_as("admin")
    home = text_of(admin.get("/"))
    assert "Chưa nạp lịch nghỉ năm 2027" in home
    assert 'href="/quan-tri/lich-nghi/nam/2027"' in admin.get("/").get_data(as_text=True)

    preview = upload(admin, GOOD_2027)
    assert preview.status_code == 200
    text = text_of(preview)
    assert "Xem trước: 5 mục" in text
    assert "Năm 2027: thêm 5 mục" in text
    assert not calendar_service.working_calendar().has_schedule(2027)  # nothing saved yet

    html = preview.get_data(as_text=True)
    content = unescape(re.search(r'name="content"[^>]*value="([^"]*)"', html, re.S).group(1))
    response = admin.submit(
        "/quan-tri/lich-nghi/nhap/xac-nhan", {"content": content}, page="/quan-tri/lich-nghi/nhap"
    )
    assert response.status_code == 302 and response.location.endswith("/nam/2027")
    page = admin.get("/quan-tri/lich-nghi/nam/2027")
    text = text_of(page)
    assert "Theo lịch nghỉ đã công bố" in text
    assert "05/02/2027 10/02/2027 6" in text
    assert "Chưa nạp lịch nghỉ năm 2027" not in text
    assert "Chưa nạp lịch nghỉ" not in text_of(admin.get("/"))
    entries = db.session.scalars(db.select(CalendarEntry).where(CalendarEntry.year == 2027)).all()
    assert {e.origin for e in entries} == {"import"} and len(entries) == 5
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "calendar_imported"))


def test_import_replaces_the_year_it_contains(login_as: Any) -> None:
    admin = login_as("admin")
    text = (
        "first_date,last_date,kind,label,source\n2026-01-01,2026-01-01,day_off,Tết Dương lịch,x\n"
    )
    preview = upload(admin, text)
    assert "Năm 2026: thay 8 mục đang có bằng 1 mục trong tệp" in text_of(preview)
    admin.submit(
        "/quan-tri/lich-nghi/nhap/xac-nhan", {"content": text}, page="/quan-tri/lich-nghi/nhap"
    )
    entries = db.session.scalars(db.select(CalendarEntry).where(CalendarEntry.year == 2026)).all()
    assert [(e.first_date, e.label) for e in entries] == [(date(2026, 1, 1), "Tết Dương lịch")]
    assert (
        db.session.scalar(
            db.select(db.func.count(CalendarEntry.id)).where(CalendarEntry.year == 2025)
        )
        == 6
    )


def test_import_bad_file_lists_lines_and_saves_nothing(login_as: Any) -> None:
    admin = login_as("admin")
    before = db.session.scalar(db.select(db.func.count(CalendarEntry.id)))
    response = upload(admin, BAD_2027)
    assert response.status_code == 422
    text = text_of(response)
    assert "Tệp có 4 dòng lỗi — chưa lưu gì" in text
    assert "Dòng 3: ngày kết thúc 05/02/2027 trước ngày bắt đầu 10/02/2027" in text
    assert "Dòng 4: ngày không hợp lệ '2027-13-01'" in text
    assert "Dòng 5: ngày làm bù 06/01/2027 không phải Thứ Bảy hoặc Chủ nhật" in text
    assert "Dòng 6: loại ngày không hợp lệ 'holiday'" in text
    assert "Dòng 2" not in text
    assert 'name="content"' not in response.get_data(as_text=True)  # no way to save it
    # Posting it to the confirm step directly saves nothing either.
    response = admin.submit(
        "/quan-tri/lich-nghi/nhap/xac-nhan", {"content": BAD_2027}, page="/quan-tri/lich-nghi/nhap"
    )
    assert response.status_code == 422
    assert db.session.scalar(db.select(db.func.count(CalendarEntry.id))) == before
    assert "Chưa nạp lịch nghỉ năm 2027" in text_of(admin.get("/"))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "ngay,loai\n2027-01-01,day_off\n",
            "Dòng 1: thiếu cột: first_date, last_date, kind, label, source",
        ),
        ("first_date,last_date,kind,label,source\n", "Dòng 1: tệp không có dòng dữ liệu nào"),
        (
            "Tết Dương lịch".encode("cp1258", errors="replace") + b"\xff\xfe",
            "không phải văn bản UTF-8",
        ),
        (
            "first_date,last_date,kind,label,source\n2023-12-30,2023-12-31,working_day,Làm bù,x\n",
            "Dòng 2: ngày 30/12/2023 đã có trong lịch năm 2024",
        ),
        (
            "first_date,last_date,kind,label,source\n2027-01-01,2027-01-01,day_off,a,x\n"
            "2201-01-01,2201-01-01,day_off,b,x\n",
            "Dòng 3: năm 2201 ngoài phạm vi lịch",
        ),
    ],
)
def test_import_unusable_files(login_as: Any, content: str | bytes, message: str) -> None:
    admin = login_as("admin")
    before = db.session.scalar(db.select(db.func.count(CalendarEntry.id)))
    response = upload(admin, content)
    assert response.status_code == 422
    assert message in text_of(response)
    assert db.session.scalar(db.select(db.func.count(CalendarEntry.id))) == before


def test_banner_for_non_admins_has_no_link(login_as: Any) -> None:
    staff = login_as("tiepnhan")
    response = staff.get("/")
    text = text_of(response)
    assert "Chưa nạp lịch nghỉ năm 2027" in text and "Hãy báo quản trị viên" in text
    assert "/quan-tri/lich-nghi" not in response.get_data(as_text=True)


def test_banner_rules(app: Flask) -> None:
    assert calendar_service.missing_schedule_years(date(2026, 10, 31)) == []
    assert calendar_service.missing_schedule_years(date(2026, 11, 1)) == [2027]
    assert calendar_service.missing_schedule_years(date(2027, 3, 1)) == [2027]
    assert calendar_service.missing_schedule_years(date(2025, 12, 31)) == []
