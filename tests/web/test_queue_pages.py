"""The queue's pages: kiosk, display board (ETag/304), counter page, admin pages, access."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from counter.domain.clock import today as local_today
from counter.extensions import db
from counter.models import (
    CalendarEntry,
    Printer,
    QueueCounter,
    QueueService,
    QueueTicket,
    User,
)
from counter.services.calendar import working_calendar
from counter.services.office import get_office
from tests.conftest import csrf_from
from tests.printing.gsv0 import decode


def open_all_day_today() -> None:
    """Make the office open now, whatever the clock says: sessions cover the whole day, and
    today is a working day in the stored calendar (test data, through the real models)."""
    office = get_office()
    office.morning_open, office.morning_close = time(0, 0), time(12, 0)
    office.afternoon_open, office.afternoon_close = time(12, 0), time(23, 59, 59)
    office.same_day_cutoff = time(12, 0)
    today = local_today()
    _clear(today)
    if today.weekday() >= 5:
        db.session.add(_entry(today, "working_day", "Làm bù (kiểm thử)"))
    elif not working_calendar().has_schedule(today.year):
        other = (
            date(today.year, 1, 1) if today != date(today.year, 1, 1) else date(today.year, 1, 2)
        )
        db.session.add(_entry(other, "day_off", "Nghỉ (kiểm thử)"))
    db.session.commit()
    assert working_calendar().is_working_day(today)


def day_off_today() -> None:
    """Make today a day off in the stored calendar."""
    today = local_today()
    _clear(today)
    db.session.add(_entry(today, "day_off", "Nghỉ bù (kiểm thử)"))
    db.session.commit()


def _clear(day: date) -> None:
    """Remove the stored calendar entries covering ``day``."""
    for entry in db.session.scalars(
        db.select(CalendarEntry).where(
            CalendarEntry.first_date <= day, CalendarEntry.last_date >= day
        )
    ):
        db.session.delete(entry)
    db.session.flush()


def _entry(day: date, kind: str, label: str) -> CalendarEntry:
    return CalendarEntry(
        first_date=day, last_date=day, year=day.year, kind=kind, label=label, origin="admin"
    )


def service(letter: str) -> QueueService:
    return db.session.scalar(db.select(QueueService).where(QueueService.letter == letter))


def counter(number: int) -> QueueCounter:
    return db.session.scalar(db.select(QueueCounter).where(QueueCounter.number == number))


def take(client: Any, letter: str, priority: str = "") -> Any:
    page = client.get("/lay-so/").get_data(as_text=True)
    return client.post(
        "/lay-so/",
        data={"csrf_token": csrf_from(page), "service": service(letter).id, "priority": priority},
    )


@pytest.fixture
def open_now(app: Flask) -> None:
    open_all_day_today()


def tickets() -> list[QueueTicket]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(QueueTicket).order_by(QueueTicket.id)))


# -- the kiosk -------------------------------------------------------------------------


def test_the_kiosk_issues_numbers_and_shows_the_place_in_the_queue(
    client: Any, open_now: None
) -> None:
    page = client.get("/lay-so/").get_data(as_text=True)
    assert "Hộ tịch" in page and "Chứng thực" in page
    assert "người cao tuổi, người khuyết tật, phụ nữ mang thai" in page  # who goes first
    first = take(client, "A")
    assert first.status_code == 302
    shown = client.get(first.location).get_data(as_text=True)
    assert "A001" in shown and "Hộ tịch" in shown and "Số người đang chờ trước bạn: 0" in shown
    second_page = take(client, "A").location
    second = client.get(second_page).get_data(as_text=True)
    assert "A002" in second and "Số người đang chờ trước bạn: 1" in second
    # No counter serving Hộ tịch is open yet: no estimate, and the citizen is told why.
    assert "Thời gian chờ dự kiến" not in second
    assert "Chưa có quầy nào đang mở phục vụ dịch vụ này" in second
    from counter.services import Actor
    from counter.services import queue as q

    officer = db.session.scalar(db.select(User).where(User.username == "tiepnhan"))
    q.open_counter(Actor.for_user(officer, "127.0.0.1"), counter(1).id)
    second = client.get(second_page).get_data(as_text=True)
    assert "Thời gian chờ dự kiến: khoảng 10 phút" in second  # Hộ tịch's 10 minutes each
    urgent = client.get(take(client, "A", "any").location).get_data(as_text=True)
    assert "A003" in urgent and "Ưu tiên" in urgent and "trước bạn: 0" in urgent
    assert [t.code for t in tickets()] == ["A001", "A002", "A003"]


def test_the_kiosk_offers_no_service_that_no_counter_serves(
    login_as: Any, client: Any, open_now: None
) -> None:
    admin = login_as("admin")
    assert (
        admin.submit(
            "/quay/quan-tri/dich-vu",
            {
                "name": "Người có công",
                "letter": "D",
                "default_minutes": "15",
                "position": "9",
                "active": "y",
            },
        ).status_code
        == 302
    )
    services = admin.get("/quay/quan-tri/dich-vu").get_data(as_text=True)
    row = services.split("<strong>D</strong>", 1)[1].split("</tr>", 1)[0]
    assert "Chưa có quầy nào phục vụ" in row
    kiosk = client.get("/lay-so/").get_data(as_text=True)
    assert "Người có công" not in kiosk and "Hộ tịch" in kiosk  # a number nobody would call
    chosen = client.get(f"/lay-so/uu-tien/{service('D').id}", follow_redirects=True)
    assert "Chưa có quầy nào phục vụ dịch vụ này" in chosen.get_data(as_text=True)
    take(client, "A")
    officer = login_as("tiepnhan")
    press(officer, f"/quay/{counter(1).id}/mo")
    press(officer, f"/quay/{counter(1).id}/goi")
    desk = officer.get(f"/quay/{counter(1).id}").get_data(as_text=True)
    assert "Người có công" not in desk  # not offered for a transfer either
    a001 = tickets()[0]
    press(officer, f"/quay/so/{a001.id}/chuyen", {"target": f"s{service('D').id}"})
    assert (tickets()[0].status, tickets()[0].service.letter) == ("called", "A")
    desk = officer.get(f"/quay/{counter(1).id}").get_data(as_text=True)
    assert "Chưa có quầy nào phục vụ dịch vụ này" in desk
    press(officer, f"/quay/so/{a001.id}/xong")
    page = client.get("/lay-so/").get_data(as_text=True)
    refused = client.post(
        "/lay-so/",
        data={"csrf_token": csrf_from(page), "service": service("D").id},
        follow_redirects=True,
    )
    assert "Chưa có quầy nào phục vụ dịch vụ này" in refused.get_data(as_text=True)
    assert [t.code for t in tickets()] == ["A001"]  # no D ticket
    one = counter(1)
    wanted = [str(s.id) for s in one.services] + [str(service("D").id)]
    assert (
        admin.submit(
            f"/quay/quan-tri/quay/{one.id}",
            {"number": "1", "name": one.name or "", "services": wanted, "active": "y"},
        ).status_code
        == 302
    )
    assert "Người có công" in client.get("/lay-so/").get_data(as_text=True)
    take(client, "D")
    assert [t.code for t in tickets()] == ["A001", "D001"]
    services = admin.get("/quay/quan-tri/dich-vu").get_data(as_text=True)
    assert "Chưa có quầy nào phục vụ" not in services


def test_the_admin_closes_a_counter_its_officer_left_with_a_number_called(
    login_as: Any, client: Any, open_now: None
) -> None:
    officer, ticket = _b001_called_at_counter_2(client, login_as)  # then the officer left
    admin = login_as("admin")
    admin.get("/quay/quan-tri/quay")
    closed = admin.submit(f"/quay/{counter(2).id}/dong", {}, page="/quay/quan-tri/quay")
    assert closed.status_code == 302 and closed.location.endswith("/quay/quan-tri/quay")
    page = admin.get(closed.location).get_data(as_text=True)
    assert "Đã đóng quầy số 2." in page
    assert "Số B001 (đã gọi, chưa đến quầy) trở lại hàng chờ ở vị trí cũ." in page
    assert (tickets()[0].status, tickets()[0].counter_id) == ("transferred", None)
    assert counter(2).officer_id is None
    press(officer, f"/quay/{counter(2).id}/mo")  # back later: B001 is called first again
    press(officer, f"/quay/{counter(2).id}/goi")
    press(officer, f"/quay/so/{ticket.id}/bat-dau")  # and left again while serving it
    closed = admin.submit(f"/quay/{counter(2).id}/dong", {}, page="/quay/quan-tri/quay")
    page = admin.get(closed.location).get_data(as_text=True)
    assert "Số B001 đang được phục vụ: đã ghi là xong." in page
    assert tickets()[0].status == "done"


def test_the_counters_waiting_counts_are_the_tickets_it_may_call(
    login_as: Any, client: Any, open_now: None
) -> None:
    take(client, "A")
    take(client, "A")
    take(client, "B")
    one, two = login_as("tiepnhan"), login_as("kiemnhiem")
    press(one, f"/quay/{counter(1).id}/mo")
    press(two, f"/quay/{counter(2).id}/mo")
    press(one, f"/quay/{counter(1).id}/goi")  # A001 at counter 1…
    a001 = tickets()[0]
    press(one, f"/quay/so/{a001.id}/chuyen", {"target": f"c{counter(2).id}"})  # …sent to 2

    def header(browser: Any, number: int) -> str:
        page = browser.get(f"/quay/{counter(number).id}/danh-sach").get_data(as_text=True)
        return " ".join(page.split("<h2>Đang chờ</h2>", 1)[1].split("</p>", 1)[0].split())

    assert "A Hộ tịch: <strong>1</strong>" in header(one, 1)  # A002; A001 waits for 2
    # Counter 2 serves B and C, and A001 was sent to it: it says so.
    assert "A Hộ tịch: <strong>1</strong>" in header(two, 2)
    assert "B Chứng thực: <strong>1</strong>" in header(two, 2)


def test_the_kiosk_needs_its_form_token(client: Any, open_now: None) -> None:
    resp = client.post("/lay-so/", data={"service": service("A").id, "priority": ""})
    assert resp.status_code == 400
    assert tickets() == []


def test_the_kiosk_is_rate_limited_per_address(app: Flask, client: Any, open_now: None) -> None:
    app.config["KIOSK_PER_MINUTE"] = 2
    assert take(client, "A").status_code == 302
    assert take(client, "B").status_code == 302
    busy = take(client, "A")
    assert busy.status_code == 429 and "Vui lòng đợi" in busy.get_data(as_text=True)
    assert len(tickets()) == 2


def test_the_kiosks_refusal_says_when_to_try_again_as_the_look_ups_does(
    app: Flask, client: Any, open_now: None
) -> None:
    app.config["KIOSK_PER_MINUTE"] = 1
    assert take(client, "A").status_code == 302
    busy = take(client, "A")
    assert busy.status_code == 429
    seconds = int(busy.headers["Retry-After"])
    assert 1 <= seconds <= 60
    assert str(seconds) in busy.get_data(as_text=True)


def test_the_kiosk_is_closed_on_a_day_off_and_says_when_it_opens(client: Any) -> None:
    day_off_today()
    page = client.get("/lay-so/").get_data(as_text=True)
    assert "Hôm nay là ngày nghỉ (Nghỉ bù (kiểm thử)). Bộ phận Một cửa mở cửa lúc" in page
    assert 'name="service"' not in page
    assert "Mời chọn dịch vụ" not in page  # nothing to choose: no invitation to
    token = csrf_from(client.get("/dang-nhap").get_data(as_text=True))
    resp = client.post(
        "/lay-so/", data={"csrf_token": token, "service": service("A").id, "priority": ""}
    )
    assert resp.status_code == 302
    assert "Hôm nay là ngày nghỉ" in client.get(resp.location).get_data(as_text=True)
    assert tickets() == []
    # The board says it too, on the page and in what it polls.
    assert "Hôm nay là ngày nghỉ (Nghỉ bù (kiểm thử))" in client.get("/man-hinh/").get_data(
        as_text=True
    )
    assert client.get("/man-hinh/trang-thai").get_json()["closed"].startswith("Hôm nay là ngày")


def test_the_kiosk_prints_the_ticket_on_its_printer(
    app: Flask, client: Any, open_now: None
) -> None:
    out = Path(app.instance_path) / "kiosk.bin"
    db.session.add(Printer(name="Kiosk", uri=f"file:{out}", width=576, text_mode=True))
    db.session.commit()
    take(client, "B")
    shown = client.get(take(client, "B", "any").location).get_data(as_text=True)
    assert "B002" in shown
    printed = unicodedata.normalize("NFC", decode(out.read_bytes()).text())
    assert "B002" in printed and "Chứng thực" in printed and "ƯU TIÊN" in printed.upper()
    assert "Số người đang chờ trước bạn: 0" in printed
    assert "Mường Phăng".upper() in printed  # the office, on the first line


def test_the_ticket_prints_as_a_picture_too(app: Flask, client: Any, open_now: None) -> None:
    out = Path(app.instance_path) / "kiosk.bin"
    db.session.add(Printer(name="kiosk", uri=f"file:{out}", width=384))
    db.session.commit()
    take(client, "C")
    image = decode(out.read_bytes()).image()
    assert image.width == 384 and image.height > 300


def test_a_broken_kiosk_printer_still_shows_the_ticket(
    app: Flask, client: Any, open_now: None
) -> None:
    db.session.add(Printer(name="Kiosk", uri="tcp://127.0.0.1:9", width=576))
    db.session.commit()
    resp = take(client, "A")
    shown = client.get(resp.location).get_data(as_text=True)
    assert "A001" in shown and "Máy in phiếu đang gặp sự cố" in shown


# -- the display board --------------------------------------------------------------------


def test_the_board_answers_304_until_something_changes(client: Any, open_now: None) -> None:
    first = client.get("/man-hinh/trang-thai")
    assert first.status_code == 200 and first.headers["ETag"]
    assert [w["count"] for w in first.json["waiting"]] == [0, 0, 0]
    tag = first.headers["ETag"]
    same = client.get("/man-hinh/trang-thai", headers={"If-None-Match": tag})
    assert same.status_code == 304 and same.data == b""
    take(client, "B")
    changed = client.get("/man-hinh/trang-thai", headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["ETag"] != tag
    assert [(w["letter"], w["count"]) for w in changed.json["waiting"]] == [
        ("A", 0),
        ("B", 1),
        ("C", 0),
    ]


def test_the_board_page_shows_the_office_the_counters_and_a_script(client: Any) -> None:
    page = client.get("/man-hinh/").get_data(as_text=True)
    assert "Mường Phăng" in page and "Quầy số 1" in page and "Quầy số 2" in page
    assert "/static/js/display.js" in page and 'data-state-url="/man-hinh/trang-thai"' in page


# -- the counter page ------------------------------------------------------------------------


def press(b: Any, url: str, data: dict[str, Any] | None = None) -> Any:
    """Post a counter button with the counter page's form token."""
    return b.submit(url, data or {}, page="/")


def test_a_morning_at_the_counter(login_as: Any, client: Any, open_now: None) -> None:
    take(client, "A")
    take(client, "C")
    officer = login_as("tiepnhan")
    c1 = counter(1)
    assert press(officer, f"/quay/{c1.id}/mo").status_code == 302
    page = officer.get(f"/quay/{c1.id}").get_data(as_text=True)
    assert "Gọi số tiếp theo" in page and "A001" in page  # A001 waits next
    press(officer, f"/quay/{c1.id}/goi")
    page = officer.get(f"/quay/{c1.id}").get_data(as_text=True)
    assert "Mời số A001." in page and "Tiếp nhận hồ sơ" in page
    a001 = tickets()[0]
    press(officer, f"/quay/so/{a001.id}/goi-lai")
    assert tickets()[0].recalls == 1
    press(officer, f"/quay/so/{a001.id}/vang-mat")  # one recall is not enough
    assert tickets()[0].status == "called"
    assert "gọi lại thêm 1 lần" in officer.get(f"/quay/{c1.id}").get_data(as_text=True)
    press(officer, f"/quay/so/{a001.id}/bat-dau")
    press(officer, f"/quay/so/{a001.id}/chuyen", {"target": f"s{service('B').id}"})
    assert (tickets()[0].status, tickets()[0].service.letter) == ("transferred", "B")
    press(officer, f"/quay/{c1.id}/goi")
    assert tickets()[1].status == "called"  # C001: counter 1 serves C, not B
    reception = officer.get(f"/tiep-nhan/?ve={tickets()[1].id}").get_data(as_text=True)
    assert "Tiếp nhận cho số thứ tự C001" in reception
    assert f'name="queue_ticket" type="hidden" value="{tickets()[1].id}"' in reception
    # The procedures of C's fields come first in the list, the others after them.
    groups = re.findall(r'<optgroup label="([^"]+)"', reception)
    assert groups[0] == "Thành lập và hoạt động của hộ kinh doanh" and len(groups) == 3


def test_the_counter_lists_say_how_many_more_wait_and_what_happened_here(
    login_as: Any, open_now: None
) -> None:
    from counter.services import queue as q

    for _n in range(13):
        q.issue_ticket(service("A").id)
    one, two = login_as("tiepnhan"), login_as("kiemnhiem")
    c1, c2 = counter(1).id, counter(2).id
    press(one, f"/quay/{c1}/mo")
    press(two, f"/quay/{c2}/mo")
    press(one, f"/quay/{c1}/goi")  # A001, then sent to counter 2
    press(one, f"/quay/so/{tickets()[0].id}/chuyen", {"target": f"c{c2}"})
    press(two, f"/quay/{c2}/goi")
    press(two, f"/quay/so/{tickets()[0].id}/xong")
    press(one, f"/quay/{c1}/goi")  # A002: absent after the recalls
    a002 = tickets()[1].id
    for _n in range(2):
        press(one, f"/quay/so/{a002}/goi-lai")
    press(one, f"/quay/so/{a002}/vang-mat")
    lists = one.get(f"/quay/{c1}/danh-sach").get_data(as_text=True)
    # 11 wait: the first 10 listed, and the officer told of the rest.
    assert "A012" in lists and "A013" not in lists and "và 1 số nữa đang chờ" in lists
    assert "Đã qua quầy hôm nay" in lists
    here = lists.split("Đã qua quầy hôm nay", 1)[1]
    assert "A001" in here and "Đã chuyển đi" in here and "Vắng mặt" in here
    assert "Đã xong" not in here  # A001 was served at counter 2, not here
    there = two.get(f"/quay/{c2}/danh-sach").get_data(as_text=True)
    assert "Đã xong" in there.split("Đã qua quầy hôm nay", 1)[1]


def _b001_called_at_counter_2(client: Any, login_as: Any) -> tuple[Any, QueueTicket]:
    """A citizen takes B001 at the kiosk; tiepnhan opens counter 2 and calls it."""
    take(client, "B")
    officer = login_as("tiepnhan")
    press(officer, f"/quay/{counter(2).id}/mo")
    press(officer, f"/quay/{counter(2).id}/goi")
    return officer, tickets()[0]


def test_a_reception_whose_ticket_left_the_counter_keeps_what_was_typed(
    login_as: Any, client: Any, open_now: None
) -> None:
    from counter.models import Dossier, Procedure
    from tests.web.test_reception_pages import form_data

    officer, ticket = _b001_called_at_counter_2(client, login_as)
    officer.get(f"/tiep-nhan/?ve={ticket.id}")
    # Meanwhile, in another tab, the ticket is finished.
    press(officer, f"/quay/so/{ticket.id}/xong")
    procedure = db.session.scalar(db.select(Procedure).where(Procedure.national_code == "2.000815"))
    typed = form_data(procedure, applicant_name="Lò Thị Ánh", queue_ticket=str(ticket.id))
    refused = officer.submit("/tiep-nhan/", typed)
    assert refused.status_code == 422  # the form again, not a bare «Không có quyền» page
    page = refused.get_data(as_text=True)
    assert "Số B001 đã phục vụ xong." in page and "Hồ sơ chưa được lưu" in page
    assert 'value="Lò Thị Ánh"' in page  # nothing typed is lost
    assert 'name="queue_ticket" type="hidden" value=""' in page  # the link is let go
    saved = officer.submit("/tiep-nhan/", {**typed, "queue_ticket": ""})
    assert saved.status_code == 302
    assert db.session.scalar(db.select(Dossier).where(Dossier.applicant_name == "Lò Thị Ánh"))


def test_reception_opened_from_a_ticket_no_longer_here_says_why_and_opens_without_it(
    login_as: Any, client: Any, open_now: None
) -> None:
    officer, ticket = _b001_called_at_counter_2(client, login_as)
    for _ in range(2):  # recalled twice, then marked absent in another tab meanwhile
        press(officer, f"/quay/so/{ticket.id}/goi-lai")
    press(officer, f"/quay/so/{ticket.id}/vang-mat")
    assert tickets()[0].status == "no_show"
    opened = officer.get(f"/tiep-nhan/?ve={ticket.id}")  # the counter page's old button
    assert opened.status_code == 200  # the reception form, not «Không có quyền»
    page = opened.get_data(as_text=True)
    assert "Số B001 đã được ghi vắng mặt." in page
    assert 'name="queue_ticket" type="hidden" value=""' in page
    take(client, "B")  # B002 waits: not called to this counter yet
    page = officer.get(f"/tiep-nhan/?ve={tickets()[-1].id}").get_data(as_text=True)
    assert "Số B002 đang chờ, chưa được gọi đến quầy của bạn." in page
    take(client, "A")
    other = login_as("kiemnhiem")
    press(other, f"/quay/{counter(1).id}/mo")
    press(other, f"/quay/{counter(1).id}/goi")  # A001, called by the other officer
    assert tickets()[-1].status == "called"
    page = officer.get(f"/tiep-nhan/?ve={tickets()[-1].id}").get_data(as_text=True)
    assert "Số A001 đang ở quầy của cán bộ khác." in page


def test_a_form_02_given_from_a_called_ticket_starts_serving_it(
    login_as: Any, client: Any, open_now: None
) -> None:
    from counter.models import CounterNotice, Procedure
    from tests.web.test_reception_pages import form_data

    officer, ticket = _b001_called_at_counter_2(client, login_as)
    officer.get(f"/tiep-nhan/?ve={ticket.id}")
    procedure = db.session.scalar(db.select(Procedure).where(Procedure.national_code == "2.000815"))
    typed = form_data(
        procedure,
        applicant_name="Lò Thị Ánh",
        queue_ticket=str(ticket.id),
        action="incomplete",
        notice_items="Bản sao phải rõ nét",
    )
    assert officer.submit("/tiep-nhan/", typed).status_code == 302
    assert db.session.scalar(db.select(CounterNotice.kind)) == "incomplete"
    # The citizen was at the counter: no recall, no «Vắng mặt», no no-show in the statistics.
    assert tickets()[0].status == "serving"
    page = officer.get(f"/quay/{counter(2).id}").get_data(as_text=True)
    assert "Đang phục vụ" in page and "Vắng mặt" not in page


def test_the_dossier_received_from_a_ticket_shows_it(
    login_as: Any, client: Any, open_now: None
) -> None:
    from counter.models import Procedure, User
    from counter.services import Actor
    from counter.services.reception import DocumentLine, ReceptionInput, receive

    officer, ticket = _b001_called_at_counter_2(client, login_as)
    user = db.session.scalar(db.select(User).where(User.username == "tiepnhan"))
    procedure = db.session.scalar(db.select(Procedure).where(Procedure.national_code == "2.000815"))
    dossier = receive(
        Actor.for_user(user),
        ReceptionInput(
            procedure_id=procedure.id,
            applicant_name="Lò Thị Ánh",
            id_number="011190001234",
            phone="0912345678",
            address="Bản Phăng",
            documents=[DocumentLine("Giấy khai sinh", "original", 1)],
            queue_ticket_id=ticket.id,
        ),
    )
    assert tickets()[0].dossier_id == dossier.id
    # Receiving a dossier is serving the citizen: the ticket is no longer «called», and
    # neither «Gọi lại» nor «Vắng mặt» is offered for someone whose dossier was received.
    assert tickets()[0].status == "serving" and tickets()[0].started_at is not None
    counter_page = officer.get(f"/quay/{counter(2).id}").get_data(as_text=True)
    assert "Vắng mặt" not in counter_page and "Gọi lại" not in counter_page
    page = officer.get(f"/ho-so/{dossier.id}").get_data(as_text=True)
    assert "Số thứ tự" in page and "B001" in page and "quầy số 2" in page
    counter_page = officer.get(f"/quay/{counter(2).id}").get_data(as_text=True)
    assert "Xem hồ sơ đã tiếp nhận" in counter_page
    # The slip page leads back to the counter the citizen stands at.
    slip = officer.get(f"/in/ho-so/{dossier.id}/mau-01").get_data(as_text=True)
    assert f'href="/quay/{counter(2).id}"' in slip and "Về quầy số 2" in slip
    # The citizen goes on to counter 1 for something else: the dossier was still received
    # at counter 2, and its page says so.
    from counter.services import queue as q

    other = Actor.for_user(db.session.scalar(db.select(User).where(User.username == "kiemnhiem")))
    q.open_counter(other, counter(1).id)
    q.transfer(Actor.for_user(user), ticket.id, counter_id=counter(1).id)
    assert q.call_next(other, counter(1).id).id == ticket.id
    page = officer.get(f"/ho-so/{dossier.id}").get_data(as_text=True)
    assert "B001" in page and "quầy số 2" in page and "quầy số 1" not in page


def test_the_transfer_list_says_which_counters_are_closed(
    login_as: Any, client: Any, open_now: None
) -> None:
    officer, _ticket = _b001_called_at_counter_2(client, login_as)
    page = officer.get(f"/quay/{counter(2).id}").get_data(as_text=True)
    assert f'<option value="c{counter(1).id}">Quầy số 1 (đang đóng)</option>' in page
    press(login_as("kiemnhiem"), f"/quay/{counter(1).id}/mo")
    page = officer.get(f"/quay/{counter(2).id}").get_data(as_text=True)
    assert f'<option value="c{counter(1).id}">Quầy số 1</option>' in page


# -- who may open what ------------------------------------------------------------------------


def test_staff_pages_need_the_reception_or_admin_role(login_as: Any, client: Any) -> None:
    assert client.get("/quay/").status_code == 302  # to the sign-in page
    assert login_as("chuyenvien").get("/quay/").status_code == 403
    reception = login_as("tiepnhan")
    assert reception.get("/quay/").status_code == 200
    assert reception.get("/quay/quan-tri/dich-vu").status_code == 403
    assert reception.get("/quay/quan-tri/quay").status_code == 403
    # A public page stays public.
    assert client.get("/lay-so/").status_code == 200
    assert client.get("/man-hinh/").status_code == 200


def test_counter_buttons_need_the_form_token(login_as: Any) -> None:
    officer = login_as("tiepnhan")
    resp = officer.client.post(f"/quay/{counter(1).id}/mo")
    assert resp.status_code == 400
    assert not counter(1).is_open


def test_the_service_form_says_everything_wrong_at_once_and_numbers_a_new_one_last(
    login_as: Any,
) -> None:
    admin = login_as("admin")
    form = admin.get("/quay/quan-tri/dich-vu").get_data(as_text=True)
    assert re.search(r'name="position"[^>]*value="3"', form)  # after A, B and C (0, 1, 2)
    both = admin.submit(
        "/quay/quan-tri/dich-vu",
        {"name": "Hộ tịch", "letter": "B", "default_minutes": "0", "position": "3", "active": "y"},
    )
    assert both.status_code == 422
    page = both.get_data(as_text=True)
    assert "Đã có dịch vụ mang tên này." in page
    assert "Chữ cái này đã dùng cho dịch vụ khác." in page
    assert "Hãy nhập một số nguyên từ 1 đến 240." in page


def test_admin_adds_a_service_and_a_counter(login_as: Any) -> None:
    admin = login_as("admin")
    bad = admin.submit(
        "/quay/quan-tri/dich-vu",
        {"name": "Đất đai", "letter": "Đ", "default_minutes": "15", "position": "4", "active": "y"},
    )
    assert bad.status_code == 422
    assert "một chữ cái từ A đến Z" in bad.get_data(as_text=True)
    land_form = {
        "name": "Đất đai",
        "letter": "d",
        "fields": "Dat dai / ho tich",  # no such field in the catalog
        "default_minutes": "15",
        "position": "4",
        "active": "y",
    }
    typo = admin.submit("/quay/quan-tri/dich-vu", land_form)
    assert typo.status_code == 422
    page = typo.get_data(as_text=True)
    assert "Lĩnh vực «Dat dai / ho tich» không có trong danh mục thủ tục" in page
    assert "Hộ tịch; Chứng thực" in page or "Chứng thực; Hộ tịch" in page  # what there is
    # Typed without marks or capitals, a field of the catalog is kept as the catalog spells it.
    ok = admin.submit(
        "/quay/quan-tri/dich-vu",
        {**land_form, "fields": "thanh lap va hoat dong cua ho kinh doanh\n  HỘ TỊCH "},
    )
    assert ok.status_code == 302
    land = service("D")
    assert (land.name, land.field_names, land.default_minutes) == (
        "Đất đai",
        ["Thành lập và hoạt động của hộ kinh doanh", "Hộ tịch"],
        15,
    )
    ok = admin.submit(
        "/quay/quan-tri/quay",
        {"number": "3", "name": "Địa chính", "services": [str(land.id)], "active": "y"},
    )
    assert ok.status_code == 302
    assert [s.letter for s in counter(3).services] == ["D"]
    clash = admin.submit(
        "/quay/quan-tri/quay", {"number": "3", "services": [str(land.id)], "active": "y"}
    )
    assert clash.status_code == 422 and "Đã có quầy mang số này." in clash.get_data(as_text=True)
