"""The one clock: Vietnam's zone, today across its midnight, the conversions, freezing."""

from __future__ import annotations

import os
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask

from counter.domain import clock

#: These compare the clock with the system's: meaningless when the suite shifts it.
system_clock = pytest.mark.skipif(
    bool(os.environ.get("COUNTER_TEST_CLOCK_AT")), reason="the suite runs on a shifted clock"
)


def test_vietnam_is_seven_hours_ahead_of_utc_all_year() -> None:
    for month in (1, 4, 7, 10):  # no daylight saving
        assert datetime(2026, month, 15, 12, tzinfo=clock.VN).utcoffset() == timedelta(hours=7)
    assert clock.ZONE_NAME == "Asia/Ho_Chi_Minh"


@system_clock
def test_now_is_an_aware_utc_instant_close_to_the_system_clock() -> None:
    moment = clock.now()
    assert moment.utcoffset() == timedelta(0)
    assert abs(moment - datetime.now(UTC)) < timedelta(seconds=5)


@pytest.mark.parametrize(
    ("utc", "vietnam_day"),
    [
        (datetime(2026, 12, 1, 16, 59, 59, tzinfo=UTC), date(2026, 12, 1)),  # 23:59:59 there
        (datetime(2026, 12, 1, 17, 0, tzinfo=UTC), date(2026, 12, 2)),  # midnight there
        (datetime(2026, 12, 31, 17, 0, tzinfo=UTC), date(2027, 1, 1)),  # a new year there
    ],
)
def test_today_is_the_vietnam_date_across_its_midnight(utc: datetime, vietnam_day: date) -> None:
    with clock.frozen(utc):
        assert clock.today() == vietnam_day
        assert clock.local_date(clock.now()) == vietnam_day


def test_conversions_round_trip() -> None:
    instant = datetime(2026, 11, 27, 2, 5, tzinfo=UTC)
    wall = clock.local_naive(instant)
    assert wall == datetime(2026, 11, 27, 9, 5)
    assert clock.from_local_naive(wall) == instant
    assert clock.from_local_naive(wall).utcoffset() == timedelta(0)

    stored = clock.to_naive_utc(instant)
    assert stored == datetime(2026, 11, 27, 2, 5) and stored.tzinfo is None
    assert clock.from_naive_utc(stored) == instant
    # Any aware zone is stored as its UTC instant.
    assert clock.to_naive_utc(instant.astimezone(clock.VN)) == stored

    shown = clock.to_local(instant)
    assert (shown.hour, shown.minute, shown.utcoffset()) == (9, 5, timedelta(hours=7))
    assert clock.to_local(stored) == shown  # a naive value there is stored UTC
    assert clock.as_local(wall) == shown  # a naive value here is Vietnam wall time
    assert clock.as_local(instant) == shown

    assert clock.start_of_day(date(2026, 11, 27)) == datetime(2026, 11, 26, 17, 0, tzinfo=UTC)


def test_naive_values_are_refused_where_the_zone_would_be_a_guess() -> None:
    with pytest.raises(ValueError):
        clock.local_naive(datetime(2026, 11, 27, 9, 5))
    with pytest.raises(ValueError):
        clock.to_naive_utc(datetime(2026, 11, 27, 9, 5))
    with pytest.raises(ValueError), clock.frozen(datetime(2026, 11, 27, 9, 5)):
        pass


@system_clock
def test_freezing_moves_every_reader_and_is_undone_on_leaving() -> None:
    at = datetime(2030, 2, 3, 4, 5, 6, tzinfo=clock.VN)
    seen: list[datetime] = []
    with clock.frozen(at) as frozen_at:
        assert frozen_at == at and frozen_at.utcoffset() == timedelta(0)
        assert clock.now() == at and clock.now() == at  # it does not tick
        worker = threading.Thread(target=lambda: seen.append(clock.now()))
        worker.start()
        worker.join()
    assert seen == [at]
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)


@system_clock
def test_freezing_is_undone_when_the_block_fails_and_nests() -> None:
    outer = datetime(2026, 1, 1, tzinfo=UTC)
    inner = datetime(2027, 1, 1, tzinfo=UTC)
    with pytest.raises(RuntimeError), clock.frozen(outer):
        with clock.frozen(inner):
            assert clock.now() == inner
        assert clock.now() == outer
        raise RuntimeError("boom")
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)


def test_model_defaults_read_the_clock(app: Flask) -> None:
    from counter.extensions import db
    from counter.models import AuditEntry

    at = datetime(2026, 12, 1, 17, 30, tzinfo=UTC)
    with clock.frozen(at):
        entry = AuditEntry(action="test", target="clock")
        db.session.add(entry)
        db.session.flush()
    db.session.expire_all()
    assert db.session.get(AuditEntry, entry.id).at == at
    db.session.rollback()


def test_a_service_takes_the_instant_it_was_given_else_the_clock() -> None:
    # Services take ``now=`` for tests and replays; one helper reads it, not one per service.
    given = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    assert clock.now_or(given) is given
    frozen_at = datetime(2026, 12, 5, 16, 30, tzinfo=UTC)
    with clock.frozen(frozen_at):
        assert clock.now_or(None) == frozen_at
    with pytest.raises(ValueError, match="aware"):
        clock.now_or(datetime(2026, 12, 1, 10, 0))
