"""Which backups to keep: daily, weekly and monthly generations (grandfather-father-son)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Retention:
    """How many generations of backups to keep; 0 keeps none of that kind."""

    daily: int = 7
    weekly: int = 4
    monthly: int = 12


def _day(t: datetime) -> Hashable:
    return t.date()


def _iso_week(t: datetime) -> Hashable:
    year, week, _ = t.isocalendar()
    return (year, week)


def _month(t: datetime) -> Hashable:
    return (t.year, t.month)


def kept(taken: Iterable[datetime], retention: Retention) -> set[datetime]:
    """The times of the backups to keep among those taken at ``taken`` (local times).

    For each kind, the newest backup of each of the last N days (ISO weeks, months)
    that have one; a day without a backup (the PC was off) uses up no generation.
    The newest backup is always kept.
    """
    ordered = sorted(set(taken), reverse=True)
    keep: set[datetime] = set(ordered[:1])
    rules: tuple[tuple[int, Callable[[datetime], Hashable]], ...] = (
        (retention.daily, _day),
        (retention.weekly, _iso_week),
        (retention.monthly, _month),
    )
    for count, bucket in rules:
        seen: set[Hashable] = set()
        for t in ordered:
            key = bucket(t)
            if key in seen:
                continue
            if len(seen) >= count:
                break
            seen.add(key)
            keep.add(t)
    return keep
