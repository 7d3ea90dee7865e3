"""The setup each process keeps (office hours, calendar, queue services, the kiosk's printer)
is never older than the database: a change through the admin services, the admin pages,
another process or a statement typed by hand shows on the next ticket.

Runs on SQLite and, with ``COUNTER_TEST_DATABASE_URL``, on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, text

from counter.domain.errors import NotFound, ValidationError
from counter.extensions import db
from counter.models import CalendarEntry, Office, QueueTicket
from counter.services import Actor, accounts, printing, setup_cache
from counter.services import calendar as cal
from counter.services import office as office_service
from counter.services import queue as q
from tests.services.test_queue import at, counter, service
from tests.services.test_queue import officer as officer_actor

ADMIN = Actor.system("admin")
OFFICE_FIELDS = (*office_service.PROFILE_FIELDS,)


def next_ticket(app: Flask, letter: str, when: Any) -> str:
    """The kiosk's next ticket, taken as the next request would: its own app context."""
    service_id = service(letter).id
    db.session.commit()
    with app.app_context():
        try:
            return q.issue_ticket(service_id, now=when).code
        finally:
            db.session.remove()


def refusal(app: Flask, letter: str, when: Any) -> str:
    """The kiosk's refusal of the next ticket."""
    with pytest.raises((ValidationError, NotFound)) as err:
        next_ticket(app, letter, when)
    return str(err.value)


def office_values(**changes: Any) -> dict[str, Any]:
    office = db.session.get(Office, 1)
    return {**{name: getattr(office, name) for name in OFFICE_FIELDS}, **changes}


def test_office_hours_changed_by_the_admin_show_on_the_next_ticket(app: Flask) -> None:
    assert next_ticket(app, "A", at(16, 30)) == "A001"  # open until 17:00: kept now
    office_service.update_office(ADMIN, **office_values(afternoon_close=time(16, 0)))
    assert "ngoài giờ làm việc" in refusal(app, "A", at(16, 30))
    # …and in the admin's own session, right after its commit.
    with pytest.raises(ValidationError):
        q.issue_ticket(service("A").id, now=at(16, 30))
    office_service.update_office(ADMIN, **office_values(afternoon_close=time(17, 0)))
    assert next_ticket(app, "A", at(16, 30)) == "A002"


def test_a_day_off_added_by_the_admin_closes_the_kiosk(app: Flask) -> None:
    assert next_ticket(app, "A", at(9, 0, day=3)) == "A001"
    entry = cal.add_entry(
        ADMIN, first_date=date(2026, 12, 3), last_date=date(2026, 12, 3), kind="day_off",
        label="Nghỉ bù",
    )  # fmt: skip
    assert "ngày nghỉ" in refusal(app, "A", at(9, 5, day=3))
    cal.delete_entry(ADMIN, entry.id)
    assert next_ticket(app, "A", at(9, 10, day=3)) == "A002"


def test_a_queue_service_changed_by_the_admin_shows_on_the_next_ticket(app: Flask) -> None:
    hotich = service("A")
    assert next_ticket(app, "A", at(8, 0)) == "A001"
    q.save_service(ADMIN, hotich.id, name=hotich.name, letter="H", fields=hotich.fields)
    assert next_ticket(app, "H", at(8, 1)) == "H001"  # the new letter
    q.save_service(ADMIN, hotich.id, name="Hộ tịch", letter="H", active=False)
    assert "Không tìm thấy dịch vụ" in refusal(app, "H", at(8, 2))
    added = q.save_service(ADMIN, None, name="Đất đai", letter="D")
    assert added.id in q.service_infos()  # a service added: known at once
    assert "Chưa có quầy nào phục vụ" in refusal(app, "D", at(8, 3))
    one = counter(1)
    q.save_counter(ADMIN, one.id, number=1, service_ids=[*(s.id for s in one.services), added.id])
    assert next_ticket(app, "D", at(8, 4)) == "D001"  # served by counter 1 from now on


def test_the_kiosk_printer_set_up_by_the_admin_is_used_at_once(app: Flask) -> None:
    assert q.kiosk_printer() is None
    printer = printing.save_printer(
        ADMIN, None, name="Kiosk", uri="file:kiosk.bin", width=576, active=True
    )
    assert q.kiosk_printer() == (printer.id, None)
    db.session.remove()
    with app.app_context():
        assert q.kiosk_printer() == (printer.id, None)
        db.session.remove()
    printing.save_printer(ADMIN, printer.id, name="Kiosk", uri="file:kiosk.bin", width=576, active=False)  # fmt: skip
    assert q.kiosk_printer() is None
    printer = printing.save_printer(ADMIN, None, name="KIOSK", uri="file:k.bin", width=384)
    assert q.kiosk_printer() == (printer.id, None)
    printing.delete_printer(ADMIN, printer.id)
    with app.app_context():
        assert q.kiosk_printer() is None
        db.session.remove()


def test_the_admin_pages_change_what_the_kiosk_page_issues(
    app: Flask, login_as: Callable[[str], Any]
) -> None:
    from tests.web.test_queue_pages import open_all_day_today

    open_all_day_today()
    kiosk = login_as("admin")  # any browser: the kiosk page needs no sign-in
    hotich = service("A")
    form = {"service": str(hotich.id), "priority": ""}
    assert kiosk.submit("/lay-so/", form).status_code == 302
    edit = {"name": hotich.name, "letter": "K", "fields": "", "default_minutes": "10"}
    edit.update(position="0", active="y")
    assert kiosk.submit(f"/quay/quan-tri/dich-vu/{hotich.id}", edit).status_code == 302
    assert kiosk.submit("/lay-so/", form).status_code == 302
    codes = db.session.scalars(db.select(QueueTicket.code).order_by(QueueTicket.id)).all()
    assert codes == ["A001", "K001"]


def test_a_change_made_by_another_process_shows_on_the_next_ticket(app: Flask) -> None:
    assert next_ticket(app, "A", at(16, 30)) == "A001"
    db.session.commit()
    other = create_engine(db.engine.url)  # another server or the command line: its own pool
    offices, entries = Office.__table__, CalendarEntry.__table__
    with other.begin() as conn:
        conn.execute(offices.update().values(afternoon_close=time(16, 0)))
    assert "ngoài giờ làm việc" in refusal(app, "A", at(16, 30))
    with other.begin() as conn:
        conn.execute(offices.update().values(afternoon_close=time(17, 0)))
        # typed by hand: no updated_at, nothing the app wrote
        conn.execute(text("UPDATE queue_service SET letter = 'Z' WHERE letter = 'B'"))
    assert next_ticket(app, "Z", at(16, 31)) == "Z001"
    with other.begin() as conn:
        day = date(2026, 12, 1)
        conn.execute(
            entries.insert().values(
                first_date=day, last_date=day, year=2026, kind="day_off", label="Nghỉ",
                source="", origin="admin", updated_at=at(7, 0),
            )
        )  # fmt: skip
    assert "ngày nghỉ" in refusal(app, "A", at(16, 32))
    other.dispose()


def test_a_change_not_yet_committed_is_seen_by_its_own_session_only(app: Flask) -> None:
    assert next_ticket(app, "A", at(16, 30)) == "A001"
    db.session.get(Office, 1).afternoon_close = time(16, 0)
    db.session.flush()
    assert setup_cache.version() is None  # nothing kept while the change is pending
    with pytest.raises(ValidationError):
        q.check_open(at(16, 30))  # its own session sees it
    db.session.rollback()
    q.check_open(at(16, 30))  # rolled back: open again, in this session and the next
    assert next_ticket(app, "A", at(16, 31)) == "A002"


def test_copies_are_shared_by_the_next_requests_while_nothing_changes(app: Flask) -> None:
    first = cal.working_calendar()
    hours = cal.office_hours()
    db.session.remove()
    with app.app_context():
        assert cal.working_calendar() is first and cal.office_hours() is hours
        db.session.remove()


def test_counters_and_services_changed_by_the_admin_show_on_the_next_counter_page(
    app: Flask, login_as: Callable[[str], Any]
) -> None:
    from tests.web.test_queue_pages import open_all_day_today

    open_all_day_today()  # the page shows today's ticket at the counter: one now
    officer = login_as("tiepnhan")
    here = counter(1).id
    me = officer_actor("tiepnhan")
    q.open_counter(me, here)
    q.issue_ticket(service("A").id)
    q.call_next(me, here)
    page = officer.get(f"/quay/{here}").get_data(as_text=True)  # a ticket at it: «Chuyển»
    assert "Quầy số 2" in page and "Quầy số 7" not in page and "Dịch vụ B: Chứng thực" in page
    assert officer.get(f"/quay/{here + 100}/danh-sach").status_code == 404
    added = q.save_counter(ADMIN, None, number=7, service_ids=[service("A").id])
    stopped = service("B")
    q.save_service(ADMIN, stopped.id, name=stopped.name, letter="B", active=False)
    page = officer.get(f"/quay/{here}").get_data(as_text=True)
    assert "Quầy số 7" in page and "Dịch vụ B: Chứng thực" not in page
    assert officer.get(f"/quay/{added.id}/danh-sach").status_code == 200
    q.save_counter(ADMIN, added.id, number=8, service_ids=[service("A").id], active=False)
    page = officer.get(f"/quay/{here}").get_data(as_text=True)
    assert "Quầy số 7" not in page and "Quầy số 8" not in page


def test_the_worklist_filters_follow_new_accounts_and_fields_at_once(
    app: Flask, login_as: Callable[[str], Any]
) -> None:
    leader = login_as("lanhdao")

    def filters() -> str:
        return leader.get("/ho-so/").get_data(as_text=True)

    assert "Trần Thị Mới" not in filters()
    accounts.create_user(
        ADMIN, username="moi", full_name="Trần Thị Mới", roles=["specialist"], password="x" * 12
    )
    assert "Trần Thị Mới" in filters()  # the admin's new account, on the next page
    other = create_engine(db.engine.url)  # another process, or a statement typed by hand
    with other.begin() as conn:
        conn.execute(text("UPDATE \"user\" SET full_name = 'Trần Thị Mai' WHERE username = 'moi'"))
        conn.execute(
            text(
                "UPDATE procedure SET field_code = 'Z99', field_name = 'Lĩnh vực mới' WHERE id = 1"
            )
        )
    page = filters()
    assert "Trần Thị Mai" in page and "Trần Thị Mới" not in page
    assert '<option value="Z99"' in page and "Lĩnh vực mới" in page
    with other.begin() as conn:
        conn.execute(text("UPDATE \"user\" SET active = false WHERE username = 'moi'"))
    assert "Trần Thị Mai" not in filters()  # a locked account is no longer offered
    other.dispose()
