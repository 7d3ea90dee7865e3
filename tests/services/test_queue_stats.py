"""The queue's statistics for leaders, from a known morning at fixed moments.

Every median and 90th percentile below was worked out by hand from the times in
:func:`two_days` (the 90th percentile by the nearest rank: ``sorted[ceil(0.9 n) - 1]``).
"""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask

from counter.domain.errors import ValidationError
from counter.services import Actor
from counter.services import queue as q
from counter.services.queue_stats import StatsRow, Times, percentile90, queue_stats
from tests.services.test_queue import at, counter, counters, issue, service

__all__ = ["counters"]  # the fixture, imported for the tests below

TUESDAY, WEDNESDAY = date(2026, 12, 1), date(2026, 12, 2)


@pytest.fixture
def two_days(counters: dict[int, Actor]) -> None:
    """Tuesday: A001–A003 and B001 at counter 1 (A, C) and counter 2 (B, C); Wednesday: C001."""
    one, two = counters[1], counters[2]
    c1, c2 = counter(1).id, counter(2).id
    a1, a2, a3 = issue("A", at(8, 0)), issue("A", at(8, 2)), issue("A", at(8, 5))
    b1 = issue("B", at(8, 10))
    assert q.call_next(one, c1, now=at(8, 4)).code == "A001"  # waited 4 min
    q.start(one, a1.id, now=at(8, 4))
    q.finish(one, a1.id, now=at(8, 10))  # served 6 min
    assert q.call_next(one, c1, now=at(8, 10)).code == "A002"  # waited 8 min
    q.start(one, a2.id, now=at(8, 11))
    q.finish(one, a2.id, now=at(8, 20))  # served 9 min
    assert q.call_next(one, c1, now=at(8, 20)).code == "A003"  # waited 15 min
    q.recall(one, a3.id, now=at(8, 22))
    q.recall(one, a3.id, now=at(8, 24))
    q.no_show(one, a3.id, now=at(8, 25))
    assert q.call_next(two, c2, now=at(8, 12)).code == "B001"  # waited 2 min
    q.start(two, b1.id, now=at(8, 12))
    q.transfer(two, b1.id, service_id=service("A").id, now=at(8, 15))  # served 3 min
    assert q.call_next(one, c1, now=at(8, 26)).code == "B001"  # waited 11 min, now in A
    q.start(one, b1.id, now=at(8, 26))
    q.finish(one, b1.id, now=at(8, 30))  # served 4 min
    c001 = issue("C", at(9, 30, day=2))
    assert q.call_next(two, c2, now=at(9, 31, day=2)).code == "C001"  # waited 1 min
    q.finish(two, c001.id, now=at(9, 40, day=2))  # finished from the call: no service time


def minutes(median: float, p90: float, count: int) -> Times:
    return Times(count, median * 60, p90 * 60)


def counts(row: StatsRow) -> tuple[int | None, int, int, int]:
    return row.issued, row.called, row.served, row.no_show


def test_percentile90_is_the_nearest_rank() -> None:
    assert percentile90([]) is None
    assert percentile90([5.0]) == 5.0
    assert percentile90([float(n) for n in range(1, 11)]) == 9.0  # ceil(9) = 9th
    assert percentile90([float(n) for n in range(1, 12)]) == 10.0  # ceil(9.9) = 10th
    assert percentile90([3.0, 1.0, 2.0, 4.0]) == 4.0


def test_the_totals_of_two_days(app: Flask, two_days: None) -> None:
    stats = queue_stats(TUESDAY, WEDNESDAY)
    # B001, called at counter 2 then again after its transfer, is one ticket called.
    assert counts(stats.total) == (5, 5, 4, 1)
    assert stats.total.unfinished == 0  # 5 taken = 4 served + 1 absent
    # waits 1, 2, 4, 8, 11, 15 min: median (4 + 8) / 2 = 6; p90 ceil(5.4) = 6th = 15
    assert stats.total.wait == minutes(6, 15, 6)
    # service 3, 4, 6, 9 min: median (4 + 6) / 2 = 5; p90 ceil(3.6) = 4th = 9
    assert stats.total.service == minutes(5, 9, 4)


def test_per_service_a_transferred_ticket_counts_where_it_was_called(
    app: Flask, two_days: None
) -> None:
    rows = {row.label: row for row in queue_stats(TUESDAY, WEDNESDAY).by_service}
    assert list(rows) == [
        "A — Hộ tịch",
        "B — Chứng thực",
        "C — Đất đai, kinh doanh và lĩnh vực khác",
    ]
    a, b, c = rows.values()
    assert counts(a) == (3, 4, 3, 1)
    assert a.wait == minutes(9.5, 15, 4)  # 4, 8, 11, 15: (8 + 11) / 2; ceil(3.6) = 4th
    assert a.service == minutes(6, 9, 3)  # 4, 6, 9
    assert counts(b) == (1, 1, 0, 0)
    assert (b.wait, b.service) == (minutes(2, 2, 1), minutes(3, 3, 1))
    assert counts(c) == (1, 1, 1, 0)
    assert (c.wait, c.service) == (minutes(1, 1, 1), Times())


def test_per_counter_and_per_officer(app: Flask, two_days: None) -> None:
    stats = queue_stats(TUESDAY, WEDNESDAY)
    one, two = stats.by_counter
    assert (one.label, two.label) == ("1 — Tư pháp - Hộ tịch", "2 — Chứng thực")
    assert counts(one) == (None, 4, 3, 1)
    assert (one.wait, one.service) == (minutes(9.5, 15, 4), minutes(6, 9, 3))
    assert counts(two) == (None, 2, 1, 0)
    assert (two.wait, two.service) == (minutes(1.5, 2, 2), minutes(3, 3, 1))
    officers = {row.key: row for row in stats.by_officer}
    assert officers[str(counters_officer(1))].wait == one.wait
    assert officers[str(counters_officer(2))].service == two.service


def counters_officer(number: int) -> int:
    officer_id = counter(number).officer_id
    assert officer_id is not None
    return officer_id


def test_per_day_and_the_busiest_hours(app: Flask, two_days: None) -> None:
    stats = queue_stats(TUESDAY, WEDNESDAY)
    tuesday, wednesday = stats.by_day
    assert (tuesday.label, wednesday.label) == ("01/12/2026", "02/12/2026")
    assert counts(tuesday) == (4, 4, 3, 1)
    assert tuesday.wait == minutes(8, 15, 5)  # 2, 4, 8, 11, 15; ceil(4.5) = 5th
    assert counts(wednesday) == (1, 1, 1, 0)
    assert stats.busiest_hours == [(8, 4), (9, 1)]
    only_tuesday = queue_stats(TUESDAY, TUESDAY)
    assert counts(only_tuesday.total) == (4, 4, 3, 1)
    assert only_tuesday.busiest_hours == [(8, 4)]


def test_tickets_not_finished_are_counted_where_they_were_taken(
    app: Flask, two_days: None, counters: dict[int, Actor]
) -> None:
    issue("A", at(8, 40))  # still waiting at the end of the morning
    b2 = issue("B", at(8, 41))
    assert q.call_next(counters[2], counter(2).id, now=at(8, 45)).id == b2.id  # at the counter
    stats = queue_stats(TUESDAY, WEDNESDAY)
    assert counts(stats.total) == (7, 6, 4, 1)
    assert stats.total.unfinished == 2  # 7 taken = 4 served + 1 absent + 2 not finished
    rows = {row.key: row for row in stats.by_service}
    assert (rows[str(service("A").id)].unfinished, rows[str(service("B").id)].unfinished) == (1, 1)
    tuesday, wednesday = stats.by_day
    assert (tuesday.unfinished, wednesday.unfinished) == (2, 0)
    assert all(row.unfinished is None for row in stats.by_counter)  # the kiosk issues


def test_a_range_backwards_or_too_long_is_refused_in_vietnamese(app: Flask) -> None:
    with pytest.raises(ValidationError) as err:
        queue_stats(WEDNESDAY, TUESDAY)
    assert str(err.value) == "Ngày cuối phải sau hoặc trùng ngày đầu."
    with pytest.raises(ValidationError) as err:
        queue_stats(date(2025, 1, 1), date(2026, 12, 31))
    assert "không quá 366 ngày" in str(err.value)
    empty = queue_stats(TUESDAY, TUESDAY)
    assert counts(empty.total) == (0, 0, 0, 0) and empty.busiest_hours == []
