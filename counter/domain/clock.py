"""The one clock: Vietnam's zone, the current instant, today's date and the conversions.

Instants are stored in UTC (the ``UTCDateTime`` column keeps naive UTC in the database
and hands back aware UTC); screens, printouts and the rules speak Vietnam time
(Asia/Ho_Chi_Minh, UTC+7, no daylight saving). Everything that asks "what time is it"
or "what day is it" asks here, so :func:`frozen` moves the time for all of them at once
(the queue's daily restart and the reports' period boundaries depend on it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

#: The zone's name, for what wants a name (Flask-Babel's default time zone).
ZONE_NAME = "Asia/Ho_Chi_Minh"
#: Vietnam time: what every screen, printout and rule shows and counts in.
VN = ZoneInfo(ZONE_NAME)


def _system_now() -> datetime:
    return datetime.now(UTC)


_source: Callable[[], datetime] = _system_now


def now() -> datetime:
    """The current instant, aware, in UTC (what the models store)."""
    return _source()


def now_or(given: datetime | None) -> datetime:
    """The instant a caller passed (``now=`` of a service, for tests and replays), else :func:`now`.

    A naive value is refused: whether it meant UTC or Vietnam time would be a guess.
    """
    if given is None:
        return now()
    if given.tzinfo is None:
        raise ValueError("an aware datetime is required")
    return given


def today() -> date:
    """Today's date in Vietnam (after 17:00 UTC it is already tomorrow there)."""
    return local_date(now())


def to_local(instant: datetime) -> datetime:
    """An instant as aware Vietnam time; a naive value is taken as UTC (as stored)."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(VN)


def as_local(moment: datetime) -> datetime:
    """A moment as aware Vietnam time; a naive value is taken as Vietnam wall time (typed, printed)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=VN)
    return moment.astimezone(VN)


def local_naive(instant: datetime) -> datetime:
    """An aware instant as naive Vietnam wall-clock time (what the due-date rules speak)."""
    if instant.tzinfo is None:
        raise ValueError("an aware datetime is required (UTC or any zone)")
    return instant.astimezone(VN).replace(tzinfo=None)


def local_date(instant: datetime) -> date:
    """The Vietnam date of an aware instant."""
    return local_naive(instant).date()


def from_local_naive(moment: datetime) -> datetime:
    """Naive Vietnam wall-clock time as an aware UTC instant."""
    return moment.replace(tzinfo=VN).astimezone(UTC)


def start_of_day(day: date) -> datetime:
    """The instant a Vietnam day begins (00:00 there), as aware UTC."""
    return from_local_naive(datetime.combine(day, time(0)))


def to_naive_utc(instant: datetime) -> datetime:
    """An aware instant as naive UTC, the way the database keeps it."""
    if instant.tzinfo is None:
        raise ValueError("naive datetime given for a UTC column")
    return instant.astimezone(UTC).replace(tzinfo=None)


def from_naive_utc(value: datetime) -> datetime:
    """A naive UTC value read from the database as an aware instant."""
    return value.replace(tzinfo=UTC)


@contextmanager
def frozen(at: datetime) -> Iterator[datetime]:
    """Stop the clock at ``at`` (aware) inside the block, for tests; undone on leaving it.

    Every caller of :func:`now` and :func:`today` (services, model defaults, filters,
    printed forms) sees that instant, from any thread.
    """
    global _source
    if at.tzinfo is None:
        raise ValueError("an aware datetime is required (UTC or any zone)")
    instant = at.astimezone(UTC)
    previous = _source
    _source = lambda: instant  # noqa: E731
    try:
        yield instant
    finally:
        _source = previous
