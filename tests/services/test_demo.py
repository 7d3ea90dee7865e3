"""Demo dossiers are received on working days of the office calendar, whatever today is."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import delete

from counter.domain import clock
from counter.extensions import db
from counter.models import CounterNotice, Dossier
from counter.services import calendar as cal
from counter.services.demo import load_demo_dossiers

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def vn(*args: int) -> datetime:
    return datetime(*args, tzinfo=VN).astimezone(UTC)


@pytest.fixture
def no_dossiers(app: Flask) -> Flask:
    """The initialised database without its demo dossiers, so the demo loads again."""
    db.session.execute(delete(CounterNotice))
    db.session.execute(delete(Dossier))
    db.session.commit()
    return app


@pytest.mark.parametrize(
    "now",
    [
        vn(2026, 12, 1, 10, 30),  # 5 working days back was Tue 24/11 before it became a day off
        vn(2026, 11, 24, 10, 0),  # today is the day off itself
        vn(2026, 11, 25, 7, 45),  # the morning after, before the first demo receipt time
        vn(2026, 11, 25, 14, 0),
        vn(2026, 11, 30, 16, 0),
        vn(2027, 2, 12, 9, 0),  # right after statutory Tết 2027 (no announced schedule)
    ],
    ids=lambda now: clock.local_naive(now).strftime("%Y-%m-%d %H:%M"),
)
def test_demo_receipts_fall_on_working_days(no_dossiers: Flask, now: datetime) -> None:
    assert load_demo_dossiers(now=now)
    dossiers = db.session.scalars(db.select(Dossier)).all()
    assert len(dossiers) >= 15
    days = {clock.local_naive(d.received_at).date() for d in dossiers}
    assert [day for day in sorted(days) if not cal.is_working_day(day)] == []
    assert date(2026, 11, 24) not in days
    # Nothing is received after "now", and the story of each dossier ends by then.
    assert all(d.received_at <= now for d in dossiers)
    assert all(e.at <= now for d in dossiers for e in d.events)
