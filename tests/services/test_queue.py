"""The local queue's services: numbers, order, counters, transfers, no-shows, the board.

Runs on SQLite and, with ``COUNTER_TEST_DATABASE_URL``, on PostgreSQL.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from counter.domain.errors import Conflict, NotAllowed, ValidationError
from counter.extensions import db
from counter.models import QueueCounter, QueueService, QueueTicket, User
from counter.services import Actor
from counter.services import queue as q
from counter.services.accounts import hash_password

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(hour: int, minute: int = 0, day: int = 1, month: int = 12) -> datetime:
    """A moment in Vietnam time, December 2026 (Tuesday the 1st is a working day)."""
    return datetime(2026, month, day, hour, minute, tzinfo=VN).astimezone(UTC)


def officer(username: str) -> Actor:
    user = db.session.scalar(db.select(User).where(User.username == username))
    return Actor.for_user(user, "127.0.0.1")


def service(letter: str) -> QueueService:
    return db.session.scalar(db.select(QueueService).where(QueueService.letter == letter))


def counter(number: int) -> QueueCounter:
    return db.session.scalar(db.select(QueueCounter).where(QueueCounter.number == number))


def issue(letter: str, when: datetime, priority: str = "") -> QueueTicket:
    return q.issue_ticket(service(letter).id, priority, now=when)


@pytest.fixture
def counters(app: Flask) -> dict[int, Actor]:
    """Counter 1 (A, C) opened by tiepnhan, counter 2 (B, C) by kiemnhiem."""
    one, two = officer("tiepnhan"), officer("kiemnhiem")
    q.open_counter(one, counter(1).id, now=at(7, 30))
    q.open_counter(two, counter(2).id, now=at(7, 30))
    return {1: one, 2: two}


def test_numbers_follow_each_other_per_service_and_restart_each_day(app: Flask) -> None:
    codes = [issue("A", at(8, 1)).code, issue("A", at(8, 2)).code, issue("B", at(8, 3)).code]
    assert codes == ["A001", "A002", "B001"]
    assert issue("A", at(8, 0, day=2)).code == "A001"  # Wednesday: a new day, a new A001
    assert issue("B", at(8, 1, day=2)).code == "B001"


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (at(6, 59), "Hiện ngoài giờ làm việc. Bộ phận Một cửa mở cửa lúc 07:00 hôm nay."),
        (at(12, 0), "Hiện ngoài giờ làm việc. Bộ phận Một cửa mở cửa lúc 13:30 hôm nay."),
        (
            at(17, 0),
            "Hiện ngoài giờ làm việc. Bộ phận Một cửa mở cửa lúc 07:00 ngày 02/12/2026.",
        ),
        (
            at(9, 0, day=5),  # Saturday
            "Hôm nay là ngày nghỉ (Thứ Bảy). Bộ phận Một cửa mở cửa lúc 07:00 ngày 07/12/2026.",
        ),
        (
            at(9, 0, day=1, month=1) + timedelta(days=365),  # 1 January 2027: New Year's Day
            "Hôm nay là ngày nghỉ",
        ),
    ],
)
def test_the_kiosk_is_closed_outside_hours_and_on_days_off_and_says_when_it_opens(
    app: Flask, when: datetime, expected: str
) -> None:
    with pytest.raises(ValidationError) as err:
        issue("A", when)
    assert str(err.value).startswith(expected)
    assert db.session.scalar(db.select(db.func.count(QueueTicket.id))) == 0


def test_priority_first_then_the_oldest(app: Flask, counters: dict[int, Actor]) -> None:
    issue("A", at(8, 0))
    issue("C", at(8, 1))
    issue("A", at(8, 2), priority="elderly")
    issue("B", at(8, 3), priority="any")  # counter 1 does not serve B
    issue("A", at(8, 4), priority="pregnant")
    me = counters[1]
    called = []
    for minute in range(10, 20):
        ticket = q.call_next(me, counter(1).id, now=at(8, minute))
        if ticket is None:
            break
        called.append(ticket.code)
        q.start(me, ticket.id, now=at(8, minute))
    assert called == ["A002", "A003", "A001", "C001"]


def test_a_ticket_waits_ahead_and_gets_an_estimate(app: Flask, counters: dict[int, Actor]) -> None:
    first = issue("A", at(8, 0))
    second = issue("A", at(8, 1))
    urgent = issue("A", at(8, 2), priority="disability")
    assert q.place_of(first).ahead == 1  # the priority ticket goes first
    assert q.place_of(second).ahead == 2
    assert q.place_of(urgent).ahead == 0
    # Hộ tịch's default is 10 minutes; one open counter serves A.
    assert q.place_of(second).minutes == 20
    assert q.place_of(urgent).minutes == 0


def test_no_estimate_while_no_open_counter_serves_the_ticket(app: Flask) -> None:
    issue("A", at(8, 0))
    second = issue("A", at(8, 1))
    assert q.place_of(second) == q.Place(1, None)  # nobody would call it: no minutes promised
    q.open_counter(officer("tiepnhan"), counter(1).id, now=at(8, 2))
    assert q.place_of(second) == q.Place(1, 10)


def test_estimate_follows_todays_service_times(app: Flask, counters: dict[int, Actor]) -> None:
    me = counters[1]
    for minute in range(0, 4):
        issue("A", at(8, minute))
    for minute in (10, 14, 18):  # three citizens served in 4 minutes each
        ticket = q.call_next(me, counter(1).id, now=at(8, minute))
        q.start(me, ticket.id, now=at(8, minute))
        q.finish(me, ticket.id, now=at(8, minute + 4))
    later = issue("A", at(8, 30))
    assert q.place_of(later).ahead == 1
    assert q.place_of(later).minutes == 4


def test_transfer_keeps_the_place(app: Flask, counters: dict[int, Actor]) -> None:
    early = issue("A", at(8, 0))
    for minute in range(1, 4):
        issue("B", at(8, minute))
    one, two = counters[1], counters[2]
    ticket = q.call_next(one, counter(1).id, now=at(8, 10))
    assert ticket.id == early.id
    q.start(one, ticket.id, now=at(8, 10))
    moved = q.transfer(one, ticket.id, service_id=service("B").id, now=at(8, 15))
    assert (moved.status, moved.code, moved.issued_at) == ("transferred", "A001", early.issued_at)
    assert q.current_ticket(counter(1).id, now=at(8, 16)) is None
    # Issued at 08:00, before every B ticket: counter 2 calls it first.
    assert q.call_next(two, counter(2).id, now=at(8, 16)).code == "A001"


def test_transfer_to_a_counter_waits_for_that_counter_only(
    app: Flask, counters: dict[int, Actor]
) -> None:
    issue("C", at(8, 0))
    later = issue("C", at(8, 5))
    one, two = counters[1], counters[2]
    ticket = q.call_next(one, counter(1).id, now=at(8, 10))
    q.transfer(one, ticket.id, counter_id=counter(2).id, now=at(8, 11))
    # Counter 1 does not take it back; counter 2 calls it before the later C ticket.
    q.start(one, q.call_next(one, counter(1).id, now=at(8, 12)).id, now=at(8, 12))
    assert q.current_ticket(counter(1).id, now=at(8, 12)).id == later.id
    assert q.call_next(two, counter(2).id, now=at(8, 13)).code == "C001"


def test_no_transfer_to_a_closed_counter(app: Flask, counters: dict[int, Actor]) -> None:
    issue("A", at(8, 0))
    one, two = counters[1], counters[2]
    q.close_counter(two, counter(2).id, now=at(8, 1))
    ticket = q.call_next(one, counter(1).id, now=at(8, 2))
    with pytest.raises(ValidationError) as err:
        q.transfer(one, ticket.id, counter_id=counter(2).id, now=at(8, 3))
    assert "Quầy số 2 đang đóng" in str(err.value)  # nobody there would call the citizen
    assert q.current_ticket(counter(1).id, now=at(8, 3)).id == ticket.id  # still at 1
    q.open_counter(two, counter(2).id, now=at(8, 4))
    q.transfer(one, ticket.id, counter_id=counter(2).id, now=at(8, 5))
    assert q.call_next(two, counter(2).id, now=at(8, 6)).code == "A001"


def test_no_show_only_after_the_recalls(app: Flask, counters: dict[int, Actor]) -> None:
    issue("A", at(8, 0))
    me = counters[1]
    ticket = q.call_next(me, counter(1).id, now=at(8, 1))
    with pytest.raises(NotAllowed) as err:
        q.no_show(me, ticket.id, now=at(8, 2))
    assert "gọi lại thêm 2 lần" in str(err.value)
    q.recall(me, ticket.id, now=at(8, 3))
    q.recall(me, ticket.id, now=at(8, 4))
    gone = q.no_show(me, ticket.id, now=at(8, 5))
    assert (gone.status, gone.recalls) == ("no_show", 2)
    assert q.current_ticket(counter(1).id, now=at(8, 6)) is None
    # «Vừa gọi» lists each number once, at its latest call: recalls push no one off.
    calls = q.board(now=at(8, 6))["calls"]
    assert [(c["code"], c["counter"], c["recall"]) for c in calls] == [("A001", 1, True)]


def test_a_called_ticket_must_be_settled_before_the_next_call(
    app: Flask, counters: dict[int, Actor]
) -> None:
    issue("A", at(8, 0))
    issue("A", at(8, 1))
    me = counters[1]
    first = q.call_next(me, counter(1).id, now=at(8, 2))
    with pytest.raises(Conflict):
        q.call_next(me, counter(1).id, now=at(8, 3))
    q.start(me, first.id, now=at(8, 3))
    second = q.call_next(me, counter(1).id, now=at(8, 9))  # finishes the one being served
    db.session.refresh(first)
    assert (first.status, first.finished_at) == ("done", at(8, 9))
    assert second.code == "A002"


def test_counters_belong_to_one_officer_each(app: Flask, counters: dict[int, Actor]) -> None:
    with pytest.raises(Conflict):
        q.open_counter(officer("tiepnhan"), counter(2).id)
    with pytest.raises(NotAllowed):
        q.open_counter(officer("chuyenvien"), counter(1).id)  # not a reception officer
    issue("A", at(8, 0))
    with pytest.raises(NotAllowed):
        q.call_next(counters[2], counter(1).id, now=at(8, 1))


def test_the_board_shows_each_counter_its_number_and_the_waiting(
    app: Flask, counters: dict[int, Actor]
) -> None:
    issue("A", at(8, 0))
    issue("B", at(8, 1))
    issue("B", at(8, 2))
    before = q.board_tag()
    assert q.board_tag() == before
    q.call_next(counters[2], counter(2).id, now=at(8, 5))
    assert q.board_tag() != before
    shown = q.board(now=at(8, 6))
    assert [(c["number"], c["open"], c["code"]) for c in shown["counters"]] == [
        (1, True, ""),
        (2, True, "B001"),
    ]
    assert [(w["letter"], w["count"]) for w in shown["waiting"]] == [("A", 1), ("B", 1), ("C", 0)]


def test_the_board_shows_at_each_counter_only_the_number_at_it_now(
    app: Flask, counters: dict[int, Actor]
) -> None:
    one, two = counters[1], counters[2]
    issue("A", at(8, 0))
    issue("A", at(8, 1))

    def tiles() -> dict[int, str]:
        return {c["number"]: c["code"] for c in q.board(now=at(9, 0))["counters"]}

    first = q.call_next(one, counter(1).id, now=at(8, 2))
    assert tiles() == {1: "A001", 2: ""}
    q.transfer(one, first.id, counter_id=counter(2).id, now=at(8, 3))
    assert tiles() == {1: "", 2: ""}  # A001 waits for counter 2: nobody is called yet
    q.call_next(two, counter(2).id, now=at(8, 4))
    assert tiles() == {1: "", 2: "A001"}  # at counter 2 only
    second = q.call_next(one, counter(1).id, now=at(8, 5))
    assert tiles() == {1: "A002", 2: "A001"}
    q.recall(one, second.id, now=at(8, 6))
    q.recall(one, second.id, now=at(8, 7))
    q.no_show(one, second.id, now=at(8, 8))
    assert tiles() == {1: "", 2: "A001"}  # absent: nobody to send to counter 1
    q.finish(two, first.id, now=at(8, 9))
    assert tiles() == {1: "", 2: ""}
    q.close_counter(one, counter(1).id, now=at(8, 10))
    q.open_counter(one, counter(1).id, now=at(8, 11))
    assert tiles() == {1: "", 2: ""}  # reopened: no number from before


def _make_officers(count: int) -> list[Actor]:
    """``count`` more reception officers, each at a counter of their own serving C."""
    c = service("C")
    actors = []
    for n in range(count):
        user = User(
            username=f"quay{n}",
            full_name=f"Cán bộ {n}",
            roles={"reception"},
            password_hash=hash_password("x" * 12),
        )
        db.session.add(user)
        db.session.add(QueueCounter(number=10 + n, name="", services=[c]))
        db.session.commit()
        actors.append(Actor.for_user(user, "127.0.0.1"))
    for n, actor in enumerate(actors):
        q.open_counter(actor, counter(10 + n).id, now=at(7, 30))
    return actors


def test_counters_calling_at_the_same_moment_never_get_the_same_ticket(app: Flask) -> None:
    actors = _make_officers(6)
    issued = {issue("C", at(8, 0) + timedelta(seconds=n)).code for n in range(30)}
    barrier = threading.Barrier(len(actors))
    got: dict[int, list[str]] = {n: [] for n in range(len(actors))}
    errors: list[BaseException] = []

    def work(n: int, actor: Actor) -> None:
        try:
            with app.app_context():
                counter_id = counter(10 + n).id
                barrier.wait()
                while True:
                    ticket = q.call_next(actor, counter_id, now=at(9, 0))
                    if ticket is None:
                        return
                    got[n].append(ticket.code)
                    q.start(actor, ticket.id, now=at(9, 0))
        except BaseException as err:  # reported below, in the test's thread
            errors.append(err)

    threads = [threading.Thread(target=work, args=(n, a)) for n, a in enumerate(actors)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    every = [code for codes in got.values() for code in codes]
    assert sorted(every) == sorted(issued)  # each ticket called once, none lost
    assert sum(1 for codes in got.values() if codes) > 1  # the counters really competed
    db.session.expire_all()
    statuses = db.session.scalars(db.select(QueueTicket.status)).all()
    # Each call finished the ticket served before it; each counter's last is still served.
    assert sorted(set(statuses)) == ["done", "serving"]
    assert statuses.count("serving") == sum(1 for codes in got.values() if codes)


_SHOWN = (
    "code",
    "status",
    "counter_id",
    "officer_id",
    "target_counter_id",
    "called_at",
    "started_at",
    "recalls",
    "issued_at",
    "priority",
)


def _shown(ticket: QueueTicket) -> dict[str, object]:
    return {name: getattr(ticket, name) for name in _SHOWN}


def test_issued_and_called_tickets_answer_with_what_the_database_holds(
    app: Flask, counters: dict[int, Actor]
) -> None:
    """The kiosk's and call next's tickets are not read again after their commit: what
    they answer must still be what was stored, even for a ticket the caller held before."""
    issued = issue("A", at(8, 0))
    as_issued, ticket_id = _shown(issued), issued.id
    db.session.expire_all()
    assert _shown(db.session.get(QueueTicket, ticket_id)) == as_issued
    held = db.session.get(QueueTicket, ticket_id)  # a page holding the waiting ticket
    assert held.status == "waiting"
    called = q.call_next(counters[1], counter(1).id, now=at(8, 1))
    assert called is held  # one object per row: the holder sees the call too
    as_called = _shown(called)
    assert as_called["status"] == "called" and as_called["counter_id"] == counter(1).id
    db.session.expire_all()
    assert _shown(db.session.get(QueueTicket, ticket_id)) == as_called


def test_an_admin_closing_a_counter_left_open_settles_its_ticket_fairly(
    app: Flask, counters: dict[int, Actor]
) -> None:
    """The officer left with a ticket at the counter: the admin's «Đóng quầy» is not
    refused. A called citizen never came to the counter: they wait again in their old
    place; one being served was served."""
    admin = officer("admin")
    me = counters[1]
    issue("A", at(8, 0))
    issue("A", at(8, 5))
    issue("A", at(8, 10))
    first = q.call_next(me, counter(1).id, now=at(8, 20))
    assert first is not None and first.code == "A001"
    released = q.close_counter(admin, counter(1).id, now=at(8, 30))
    assert not released.is_open
    db.session.expire_all()
    a001 = db.session.get(QueueTicket, first.id)
    assert (a001.status, a001.counter_id, a001.officer_id) == ("transferred", None, None)
    assert a001.service.letter == "A"  # same service, same place: called first again
    q.close_counter(counters[2], counter(2).id, now=at(8, 39))
    q.open_counter(counters[2], counter(1).id, now=at(8, 40))  # kiemnhiem takes counter 1
    again = q.call_next(counters[2], counter(1).id, now=at(8, 41))
    assert again is not None and again.code == "A001"
    q.start(counters[2], again.id, now=at(8, 42))
    released = q.close_counter(admin, counter(1).id, now=at(9, 0))
    db.session.expire_all()
    served = db.session.get(QueueTicket, again.id)
    assert served.status == "done" and served.finished_at is not None
    assert not released.is_open
    # The officer themself still settles their own ticket first.
    q.open_counter(me, counter(1).id, now=at(9, 5))
    q.call_next(me, counter(1).id, now=at(9, 6))
    with pytest.raises(Conflict):
        q.close_counter(me, counter(1).id, now=at(9, 7))


def test_an_admins_close_counts_for_the_officer_and_leaves_last_nights_ticket_unfinished(
    app: Flask, counters: dict[int, Actor]
) -> None:
    from datetime import date

    from counter.services.queue_stats import queue_stats

    admin, me = officer("admin"), counters[1]
    issue("A", at(16, 0))
    issue("A", at(16, 5))
    first = q.call_next(me, counter(1).id, now=at(16, 50))
    assert first is not None
    # Tuesday evening the officer left A001 called; Wednesday 08:00 the admin closes.
    closed = q.close(admin, counter(1).id, now=at(8, 0, day=2))
    assert not closed.counter.is_open
    assert closed.released is None  # yesterday's ticket is no longer the counter's
    db.session.expire_all()
    a001 = db.session.get(QueueTicket, first.id)
    assert (a001.status, a001.counter_id) == ("called", counter(1).id)  # as it was left
    stats = queue_stats(date(2026, 12, 1), date(2026, 12, 2))
    assert (stats.total.issued, stats.total.served, stats.total.unfinished) == (2, 0, 2)
    assert {row.label for row in stats.by_officer} == {"Lò Thị Hoa"}  # not the admin
    # No step moves it any more, from an old page or a reception.
    q.open_counter(me, counter(1).id, now=at(7, 55, day=2))
    with pytest.raises(NotAllowed) as refused:
        q.finish(me, first.id, now=at(8, 1, day=2))
    assert "ngày 01/12/2026" in str(refused.value)
    with pytest.raises(NotAllowed):
        q.ticket_for_reception(me, first.id, now=at(8, 1, day=2))
    q.close_counter(me, counter(1).id, now=at(8, 2, day=2))
    # Today: served by kiemnhiem, who leaves; the admin's close counts for kiemnhiem.
    issue("A", at(8, 1, day=2))
    q.close_counter(counters[2], counter(2).id, now=at(8, 2, day=2))
    q.open_counter(counters[2], counter(1).id, now=at(8, 3, day=2))
    served = q.call_next(counters[2], counter(1).id, now=at(8, 4, day=2))
    q.start(counters[2], served.id, now=at(8, 5, day=2))
    closed = q.close(admin, counter(1).id, now=at(9, 0, day=2))
    assert (closed.released, closed.outcome) == (served.code, "finished")
    stats = queue_stats(date(2026, 12, 2), date(2026, 12, 2))
    assert {row.label for row in stats.by_officer} == {"Lường Văn Tâm"}
    assert stats.total.served == 1


def test_an_admins_close_sees_the_ticket_as_it_is_now_not_as_a_page_read_it(
    app: Flask, counters: dict[int, Actor]
) -> None:
    issue("A", at(8, 0))
    ticket = q.call_next(counters[1], counter(1).id, now=at(8, 1))
    assert db.session.get(QueueTicket, ticket.id).status == "called"  # read, then…
    with db.engine.begin() as other:  # …the officer's other tab starts serving it
        other.execute(
            db.update(QueueTicket)
            .where(QueueTicket.id == ticket.id)
            .values(status="serving", started_at=at(8, 2))
        )
    closed = q.close(officer("admin"), counter(1).id, now=at(8, 30))
    assert (closed.released, closed.outcome) == ("A001", "finished")  # not a Conflict


def test_a_notice_given_from_a_ticket_that_moved_on_meanwhile_is_still_kept(
    app: Flask, counters: dict[int, Actor]
) -> None:
    from counter.services import notices
    from counter.services.reception import ReceptionInput

    me = counters[1]
    issue("A", at(8, 0))
    ticket = q.call_next(me, counter(1).id, now=at(8, 1))
    assert db.session.get(QueueTicket, ticket.id).status == "called"  # as the page read it
    with db.engine.begin() as other:  # meanwhile, another tab starts serving it
        other.execute(
            db.update(QueueTicket).where(QueueTicket.id == ticket.id).values(status="serving")
        )
    notice = notices.record_notice(
        me,
        "refused",
        ReceptionInput(applicant_name="Lò Văn Páo", queue_ticket_id=ticket.id),
        reason="Không thuộc thẩm quyền giải quyết của xã",
    )
    assert notice.number.startswith("03-")
    db.session.expire_all()
    assert db.session.get(QueueTicket, ticket.id).status == "serving"


def test_closing_a_counter_with_a_ticket_at_it_is_refused(
    app: Flask, counters: dict[int, Actor]
) -> None:
    issue("A", at(8, 0))
    me = counters[1]
    ticket = q.call_next(me, counter(1).id, now=at(8, 1))
    with pytest.raises(Conflict) as err:
        q.close_counter(me, counter(1).id, now=at(8, 2))
    assert "A001" in str(err.value)
    q.start(me, ticket.id, now=at(8, 2))
    q.finish(me, ticket.id, now=at(8, 3))
    closed = q.close_counter(me, counter(1).id, now=at(8, 4))
    assert not closed.is_open
