"""Demo queue history: the last working days' mornings and afternoons at the two counters.

Run by ``init --demo`` after the demo services and counters, so that the leaders'
queue statistics have something to show on a fresh install. Every step goes through
the real queue services (issue, open, call, recall, start, finish, absent, close) at
explicit past moments, so the figures are what the office itself would have recorded.
Made from a fixed seed: the same "now" gives the same history. Idempotent: adds
nothing once any ticket exists.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from counter import settings
from counter.domain import clock
from counter.domain import queue as rules
from counter.extensions import db
from counter.models import QueueCounter, QueueService, QueueTicket, User
from counter.services import Actor
from counter.services import calendar as cal
from counter.services import queue as q

#: How many past working days the history covers (today is left for the real queue).
DAYS = 2
#: The officers who sit at counters 1 and 2 in the demo.
OFFICERS = ("tiepnhan", "kiemnhiem")
#: Mean minutes between two citizens arriving, and the share who are served first.
ARRIVAL_MINUTES = 9.0
PRIORITY_SHARE = 0.12
#: The share of citizens who leave before they are called.
ABSENT_SHARE = 0.05
#: Sessions in which citizens arrive (the kiosk closes at the session's end).
SESSIONS = ((time(7, 15), time(11, 0)), (time(13, 40), time(16, 30)))


@dataclass
class _Desk:
    counter: QueueCounter
    actor: Actor
    free_at: datetime


def _past_working_days(today: date, count: int) -> list[date]:
    days, day = [], today
    while len(days) < count:
        day -= timedelta(days=1)
        if cal.is_working_day(day):
            days.append(day)
    return sorted(days)


def _at(day: date, moment: time) -> datetime:
    return clock.from_local_naive(datetime.combine(day, moment))


def _arrivals(rng: random.Random, day: date) -> list[datetime]:
    out = []
    for opens, closes in SESSIONS:
        at, end = _at(day, opens), _at(day, closes)
        while True:
            at += timedelta(minutes=rng.expovariate(1 / ARRIVAL_MINUTES))
            if at >= end:
                break
            out.append(at.replace(microsecond=0))
    return out


def _serve(rng: random.Random, desk: _Desk, at: datetime, recalls: int) -> datetime | None:
    """Call the next citizen at ``at``; return when the desk is free again (None: nobody)."""
    ticket = q.call_next(desk.actor, desk.counter.id, now=at)
    if ticket is None:
        return None
    if rng.random() < ABSENT_SHARE:
        step = at
        for _ in range(recalls):
            step += timedelta(minutes=1)
            q.recall(desk.actor, ticket.id, now=step)
        step += timedelta(minutes=1)
        q.no_show(desk.actor, ticket.id, now=step)
        return step
    started = at + timedelta(seconds=rng.randint(30, 150))
    q.start(desk.actor, ticket.id, now=started)
    # Same-day chứng thực is quick; a civil-status dossier takes longer.
    minutes = rng.uniform(3, 9) if ticket.service.letter == "B" else rng.uniform(5, 16)
    finished = started + timedelta(minutes=minutes)
    q.finish(desk.actor, ticket.id, now=finished)
    return finished


def _day(rng: random.Random, day: date, services: list[QueueService], desks: list[_Desk]) -> int:
    recalls = settings.current().queue_no_show_after_recalls
    arrivals = _arrivals(rng, day)
    weights = [5, 3, 2][: len(services)] + [1] * max(0, len(services) - 3)
    for desk in desks:
        desk.free_at = _at(day, SESSIONS[0][0])
        q.open_counter(desk.actor, desk.counter.id, now=desk.free_at)
    pending = list(arrivals)
    while pending or any(desk.free_at is not None for desk in desks):
        desk = min(
            (d for d in desks if d.free_at is not None), key=lambda d: d.free_at, default=None
        )
        if pending and (desk is None or pending[0] <= desk.free_at):
            at = pending.pop(0)
            service = rng.choices(services, weights)[0]
            kind = rng.choice(sorted(rules.PRIORITY_KINDS)) if rng.random() < PRIORITY_SHARE else ""
            q.issue_ticket(service.id, kind, now=at)
            continue
        if desk is None:
            break
        done = _serve(rng, desk, desk.free_at, recalls)
        if done is not None:
            desk.free_at = done
        elif pending:  # nobody waits: the officer is free until the next arrival
            desk.free_at = max(desk.free_at, pending[0]) + timedelta(seconds=20)
        else:
            desk.free_at = None  # the session is over and nobody waits
    closing = _at(day, time(17, 0))
    for desk in desks:
        q.close_counter(desk.actor, desk.counter.id, now=closing)
    return len(arrivals)


def load_demo_queue_history(now: datetime | None = None) -> str | None:
    """Tickets of the last few working days, served at the demo counters. Idempotent."""
    if db.session.scalar(db.select(QueueTicket.id).limit(1)) is not None:
        return None
    services = q.list_services(active_only=True)
    counters = q.list_counters(active_only=True)[: len(OFFICERS)]
    users = {
        u.username: u
        for u in db.session.scalars(db.select(User).where(User.username.in_(OFFICERS)))
    }
    if not services or len(counters) < len(OFFICERS) or len(users) < len(OFFICERS):
        return None
    if any(counter.officer_id is not None for counter in counters):
        return None  # someone already sits at a counter: leave the queue alone
    moment = now or clock.now()
    rng = random.Random(20261124)
    desks = [
        _Desk(counter, Actor.for_user(users[name], "demo"), moment)
        for counter, name in zip(counters, OFFICERS, strict=True)
    ]
    issued = 0
    for day in _past_working_days(clock.local_date(moment), DAYS):
        issued += _day(rng, day, services, desks)
    return f"demo queue history: {issued} tickets over {DAYS} working days"
