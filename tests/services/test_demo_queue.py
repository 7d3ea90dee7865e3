"""The demo's queue history: past working days served at the two counters, made by the
real queue services, so a leader trying the demo sees statistics that add up."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import delete, select, update

from counter.domain import clock
from counter.domain.queue import TicketStatus
from counter.extensions import db
from counter.models import CounterSession, QueueCounter, QueueEvent, QueueTicket
from counter.services import calendar as cal
from counter.services.demo_queue import DAYS, load_demo_queue_history
from counter.services.queue_stats import queue_stats

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def vn(*args: int) -> datetime:
    return datetime(*args, tzinfo=VN).astimezone(UTC)


@pytest.fixture
def no_tickets(app: Flask) -> Flask:
    """The demo office's services and counters with no ticket yet and no counter open."""
    db.session.execute(delete(QueueEvent))
    db.session.execute(delete(QueueTicket))
    db.session.execute(delete(CounterSession))
    db.session.execute(update(QueueCounter).values(officer_id=None, opened_at=None))
    db.session.commit()
    return app


@pytest.mark.parametrize(
    "now",
    [vn(2026, 12, 2, 0, 25), vn(2026, 11, 25, 9, 0), vn(2026, 12, 5, 11, 0)],
    ids=["after-midnight", "after-the-24-11-holiday", "saturday"],
)
def test_history_covers_the_past_working_days_and_adds_up(no_tickets: Flask, now: datetime) -> None:
    assert load_demo_queue_history(now=now)
    tickets = db.session.scalars(select(QueueTicket)).all()
    days = sorted({t.day for t in tickets})
    today = clock.local_date(now)
    assert len(days) == DAYS and all(cal.is_working_day(d) and d < today for d in days)
    assert date(2026, 11, 24) not in days
    # Every ticket was issued in office hours and ended the day served or absent.
    for ticket in tickets:
        issued = clock.local_naive(ticket.issued_at).time()
        assert time(7, 0) <= issued <= time(11, 30) or time(13, 30) <= issued <= time(17, 0)
        assert ticket.status in (TicketStatus.DONE.value, TicketStatus.NO_SHOW.value)
    assert any(t.priority for t in tickets)
    # Nobody sits at a counter after the history: today's queue starts clean.
    assert db.session.scalars(select(QueueCounter.officer_id)).all() == [None] * len(
        db.session.scalars(select(QueueCounter.id)).all()
    )
    stats = queue_stats(days[0], days[-1])
    total = stats.total
    assert total.issued == len(tickets) > 30
    assert total.called == total.served + total.no_show and total.no_show >= 1
    assert len(stats.by_day) == DAYS and len(stats.by_officer) == 2
    # Waits and service times a leader would believe: minutes, not hours or zero.
    assert 0 < total.wait.median < 60 * 60 and 3 * 60 <= total.service.median <= 16 * 60
    assert sum(stats.issued_per_hour) == len(tickets)
    # Loaded once.
    assert load_demo_queue_history(now=now) is None
    assert db.session.scalar(select(db.func.count(QueueTicket.id))) == len(tickets)


def test_the_demo_install_serves_the_history_after_the_counters() -> None:
    """``init --demo`` (the README's first command) loads it, once the counters exist."""
    from counter.services.setup import DEMO_LOADERS

    history = DEMO_LOADERS.index("counter.services.demo_queue:load_demo_queue_history")
    assert DEMO_LOADERS.index("counter.services.queue:load_demo_queue") < history
