"""Reports: the period report and the leaders' dashboard, counted in SQL.

What each cell means is in :mod:`counter.domain.reports`. The counting is one
grouped query over the dossiers active in the period (received before its end and
not finished before its start), each cell a ``SUM(CASE …)``; Python only adds up
the few grouped lines. The current state (what is pending and overdue now) uses
the worklist's own tab conditions (:func:`counter.services.dossiers.tab_clause`),
so a report or a dashboard number equals the worklist's count; a period already
over reads a dossier's state at its end from the event log (the last step before
it: its status and the due date then in force).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, literal, or_, select, union, union_all

from counter.domain import clock
from counter.domain import events as ev
from counter.domain.lifecycle import Status
from counter.domain.reports import Counts, Period, date_range, sum_counts
from counter.domain.reports import month as month_period
from counter.extensions import db
from counter.models import CounterNotice, Dossier, DossierEvent, Procedure, User
from counter.services import Actor, satisfaction
from counter.services import dossiers as worklist

#: The event kinds that end a dossier without a result.
_CLOSING = (ev.Refused.kind, ev.Withdrawn.kind, ev.Stopped.kind)
#: Never received: not counted as received, carried or pending.
_NOT_ACCEPTED = (Status.SUBMITTED.value, Status.REFUSED.value)
_RUNNING = worklist.RUNNING
#: The cells counted per dossier (the others are sums of these).
CELLS = tuple(name for name in Counts.__dataclass_fields__)
_NOBODY = Actor.system("reports")


#: The statuses a dossier ends in without a result.
_ENDED = (Status.REFUSED.value, Status.WITHDRAWN.value, Status.STOPPED.value)


def _closed_at() -> Any:
    """When a refused, withdrawn or stopped dossier ended (its first such step); else NULL.

    Looked up per dossier only for those statuses (a few in a hundred), by the
    event's dossier index: cheaper than grouping the whole event log.
    """
    first = (
        select(func.min(DossierEvent.at))
        .where(DossierEvent.dossier_id == Dossier.id, DossierEvent.action.in_(_CLOSING))
        .correlate(Dossier)
        .scalar_subquery()
    )
    return case((Dossier.status.in_(_ENDED), first), else_=None)


def _overdue_at(moment: datetime) -> Any:
    """1 when a dossier was overdue at ``moment``: the last step before then left its clock
    running (received, in progress) with the due date then in force already past; else 0."""
    due = func.coalesce(DossierEvent.due_after, Dossier.due_at)
    return (
        select(case((DossierEvent.to_status.in_(_RUNNING) & (due < moment), 1), else_=0))
        .where(DossierEvent.dossier_id == Dossier.id, DossierEvent.at < moment)
        .order_by(DossierEvent.at.desc(), DossierEvent.id.desc())
        .limit(1)
        .correlate(Dossier)
        .scalar_subquery()
    )


def _cells(period: Period, now: datetime, closed: Any) -> dict[str, Any]:
    """Each cell of :class:`Counts` as a 0/1 expression for one dossier, for ``period``."""
    start = clock.start_of_day(period.start)
    end = clock.start_of_day(period.after_end)
    finished = func.coalesce(Dossier.resolved_at, closed)
    accepted = Dossier.status.notin_(_NOT_ACCEPTED)

    def within(column: Any) -> Any:
        return and_(column >= start, column < end)

    def unfinished_at(moment: datetime) -> Any:
        return or_(finished.is_(None), finished >= moment)

    received = accepted & within(Dossier.received_at)
    resolved = within(Dossier.resolved_at)
    pending = accepted & (Dossier.received_at < end) & unfinished_at(end)
    # Not over yet: pending is what is open now, overdue what the worklist shows.
    overdue = worklist.tab_clause("overdue", now, _NOBODY) if end > now else _overdue_at(end) == 1
    closed_in = within(closed)

    def one(condition: Any) -> Any:
        return case((condition, 1), else_=0)

    return {
        "carried": one(accepted & (Dossier.received_at < start) & unfinished_at(start)),
        "received_counter": one(received & (Dossier.channel == "counter")),
        "received_online": one(received & (Dossier.channel == "online")),
        "received_post": one(received & (Dossier.channel == "post")),
        "resolved_early": one(resolved & (Dossier.timeliness == "early")),
        "resolved_on_time": one(resolved & (Dossier.timeliness == "on_time")),
        "resolved_late": one(resolved & (Dossier.timeliness == "late")),
        # All pending here; _split leaves the not-yet-due (pending less overdue) in the cell.
        "pending_not_due": one(pending),
        # Nested so that the state lookup runs only for pending dossiers.
        "pending_overdue": case((pending, case((overdue, 1), else_=0)), else_=0),
        "supplement": literal(0),  # counted from the event log: _add_supplements
        "refused": one((Dossier.status == Status.REFUSED.value) & closed_in),
        "ended": one(
            Dossier.status.in_((Status.WITHDRAWN.value, Status.STOPPED.value)) & closed_in
        ),
    }


#: Statuses still being worked on (never resolved yet).
_UNFINISHED = (Status.SUBMITTED.value, *worklist.PENDING)


def _active(periods: Iterable[Period]) -> Any:
    """A superset of the dossiers that may count in the periods, found by indexes.

    Received since the span began, resolved since then, still unfinished, or
    refused, withdrawn or stopped since then: the cells then count exactly. Each
    part is read from its index (received_at, resolved_at, status, the event log's
    action and time), so a month's report reads about a month's dossiers, not the
    whole table.
    """
    first = min(clock.start_of_day(p.start) for p in periods)
    # A UNION of id lists, each read from its own index (an OR of the four is a table scan).
    ids = union(
        select(Dossier.id).where(Dossier.received_at >= first),
        select(Dossier.id).where(Dossier.resolved_at >= first),
        select(Dossier.id).where(Dossier.status.in_(_UNFINISHED)),
        select(DossierEvent.dossier_id).where(
            DossierEvent.action.in_(_CLOSING), DossierEvent.at >= first
        ),
    )
    return Dossier.id.in_(ids)


Key = tuple[Any, ...]


def _tally(periods: dict[str, Period], now: datetime) -> dict[Key, dict[str, Counts]]:
    """Counts per named period, grouped by (procedure, channel, receiver, assignee): one query.

    The groups are few (procedures × channels × officers), whatever the number of
    dossiers; the report and the dashboard add them up by field, procedure,
    channel or officer. The counter's refusals (form 03, no dossier) are added.
    """
    columns = []
    for name, period in periods.items():
        for cell, expression in _cells(period, now, _closed_at()).items():
            columns.append(expression.label(f"{name}__{cell}"))
    keys = (Dossier.procedure_id, Dossier.channel, Dossier.received_by_id, Dossier.assigned_to_id)
    flags = select(*keys, *columns).where(_active(periods.values())).subquery("flags")
    names = [c.name for c in columns]
    group = [flags.c[k.key] for k in keys]
    query = select(*group, *[func.sum(flags.c[n]) for n in names]).group_by(*group)
    out: dict[Key, dict[str, Counts]] = {}
    for row in db.session.execute(query):
        out[tuple(row[:4])] = _split(periods, names, row[4:])
    _add_supplements(out, periods)
    _add_counter_refusals(out, periods)
    return out


def _split(
    periods: dict[str, Period], names: list[str], values: Iterable[Any]
) -> dict[str, Counts]:
    by_period: dict[str, dict[str, int]] = {name: {} for name in periods}
    for label, value in zip(names, values, strict=True):
        period_name, cell = label.split("__", 1)
        by_period[period_name][cell] = int(value or 0)
    for cells in by_period.values():
        cells["pending_not_due"] -= cells["pending_overdue"]  # the SQL counted all pending
    return {name: Counts(**cells) for name, cells in by_period.items()}


def _add_supplements(out: dict[Key, dict[str, Counts]], periods: dict[str, Period]) -> None:
    """Dossiers returned for a supplement in each period (each once), read by the event index."""
    keys = (Dossier.procedure_id, Dossier.channel, Dossier.received_by_id, Dossier.assigned_to_id)
    counts = []
    for name, period in periods.items():
        start = clock.start_of_day(period.start)
        end = clock.start_of_day(period.after_end)
        when = and_(DossierEvent.at >= start, DossierEvent.at < end)
        counts.append(func.count(func.distinct(case((when, Dossier.id)))).label(name))
    first = min(clock.start_of_day(p.start) for p in periods.values())
    query = (
        select(*keys, *counts)
        .select_from(DossierEvent)
        .join(Dossier, Dossier.id == DossierEvent.dossier_id)
        .where(DossierEvent.action == ev.SupplementRequested.kind, DossierEvent.at >= first)
        .group_by(*keys)
    )
    for row in db.session.execute(query):
        cells = out.setdefault(tuple(row[:4]), {name: Counts() for name in periods})
        for name in periods:
            cells[name] = cells[name] + Counts(supplement=int(row._mapping[name] or 0))


def _add_counter_refusals(out: dict[Key, dict[str, Counts]], periods: dict[str, Period]) -> None:
    """Form 03 given at the counter: a refusal with no dossier (channel: the counter)."""
    sums = []
    for name, period in periods.items():
        start = clock.start_of_day(period.start)
        end = clock.start_of_day(period.after_end)
        when = and_(CounterNotice.at >= start, CounterNotice.at < end)
        sums.append(func.sum(case((when, 1), else_=0)).label(name))
    first = min(clock.start_of_day(p.start) for p in periods.values())
    query = (
        select(CounterNotice.procedure_id, CounterNotice.user_id, *sums)
        .where(CounterNotice.kind == "refused", CounterNotice.at >= first)
        .group_by(CounterNotice.procedure_id, CounterNotice.user_id)
    )
    for row in db.session.execute(query):
        key = (row[0], "counter", row[1], None)
        cells = out.setdefault(key, {name: Counts() for name in periods})
        for name in periods:
            cells[name] = cells[name] + Counts(refused=int(row._mapping[name] or 0))


# -- the period report ----------------------------------------------------------------


@dataclass
class Line:
    """A line of the report: a procedure, a field, an officer or a channel, and its counts."""

    code: str
    name: str
    counts: Counts
    procedure_id: int | None = None


@dataclass
class FieldGroup:
    """A field (lĩnh vực) with its procedures' lines."""

    code: str
    name: str
    counts: Counts
    procedures: list[Line] = field(default_factory=list)


@dataclass
class Report:
    """The period report: by field, and by procedure within each field."""

    period: Period
    as_of: datetime  # pending and overdue are counted at this instant
    total: Counts
    fields: list[FieldGroup]
    by_channel: dict[str, Counts]
    satisfaction: satisfaction.Summary


def _procedures(ids: Iterable[Any]) -> dict[int, Procedure]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    return {p.id: p for p in db.session.scalars(select(Procedure).where(Procedure.id.in_(wanted)))}


def _by_procedure(tally: dict[Key, dict[str, Counts]], name: str) -> list[FieldGroup]:
    """Procedure lines grouped into fields, sorted by field code and procedure code."""
    per_procedure: dict[Any, Counts] = {}
    for (procedure_id, *_rest), cells in tally.items():
        per_procedure[procedure_id] = per_procedure.get(procedure_id, Counts()) + cells[name]
    catalog = _procedures(per_procedure)
    groups: dict[str, FieldGroup] = {}
    for procedure_id, counts in per_procedure.items():
        if counts == Counts():
            continue
        procedure = catalog.get(procedure_id)
        if procedure is None:
            code, title, field_code, field_name = "", "—", "", "—"
        else:
            code = procedure.local_code or procedure.national_code
            title, field_code, field_name = (
                procedure.name,
                procedure.field_code,
                procedure.field_name or procedure.field_code,
            )
        group = groups.setdefault(field_code, FieldGroup(field_code, field_name, Counts()))
        group.procedures.append(Line(code, title, counts, procedure_id))
    for group in groups.values():
        group.procedures.sort(key=lambda line: (line.code, line.name))
        group.counts = sum_counts([line.counts for line in group.procedures])
    return sorted(groups.values(), key=lambda g: (g.code == "", g.code))


def _by_channel(tally: dict[Key, dict[str, Counts]], name: str) -> dict[str, Counts]:
    out: dict[str, Counts] = {}
    for (_procedure, channel, *_officers), cells in tally.items():
        out[channel] = out.get(channel, Counts()) + cells[name]
    return out


def _by_officer(tally: dict[Key, dict[str, Counts]], name: str) -> dict[int, Counts]:
    """Per officer: a dossier counts for who received it and who it is assigned to (once each).

    As the worklist's officer filter finds it (received by or assigned to).
    """
    out: dict[int, Counts] = {}
    for (_procedure, _channel, receiver, assignee), cells in tally.items():
        for user_id in {receiver, assignee} - {None}:
            out[user_id] = out.get(user_id, Counts()) + cells[name]
    return out


def period_report(period: Period, *, now: datetime | None = None) -> Report:
    """The report for ``period``: every cell of every field and procedure, and the total."""
    moment = clock.now_or(now)
    tally = _tally({"p": period}, moment)
    groups = _by_procedure(tally, "p")
    end = clock.start_of_day(period.after_end)
    return Report(
        period=period,
        as_of=min(end, moment),
        total=sum_counts([g.counts for g in groups]),
        fields=groups,
        by_channel=_by_channel(tally, "p"),
        satisfaction=satisfaction.summary(period),
    )


# -- the leaders' dashboard -----------------------------------------------------------

#: The dashboard's windows, in screen order.
WINDOWS = ("today", "week", "month")


def windows(now: datetime) -> dict[str, Period]:
    """Today, this week (from Monday) and this month, each up to today (Vietnam dates)."""
    today = clock.local_date(now)
    return {
        "today": date_range(today, today),
        "week": date_range(today - timedelta(days=today.weekday()), today),
        "month": date_range(today.replace(day=1), today),
    }


@dataclass
class Dashboard:
    """What a leader sees: each window's totals, and the chosen window by dimension."""

    now: datetime
    window: str
    periods: dict[str, Period]
    totals: dict[str, Counts]
    due_today: int
    overdue: int
    fields: list[FieldGroup]
    by_channel: dict[str, Counts]
    by_officer: list[Line]


def dashboard(window: str = "month", *, now: datetime | None = None) -> Dashboard:
    """The leaders' dashboard at ``now``; ``window`` (today, week, month) is broken down."""
    moment = clock.now_or(now)
    if window not in WINDOWS:
        window = "month"
    periods = windows(moment)
    tally = _tally(periods, moment)
    totals = {name: sum_counts([cells[name] for cells in tally.values()]) for name in periods}
    officers = _by_officer(tally, window)
    people = {
        u.id: u.full_name or u.username
        for u in db.session.scalars(select(User).where(User.id.in_(list(officers))))
    }
    by_officer = [
        Line(str(user_id), people.get(user_id, "—"), counts)
        for user_id, counts in officers.items()
        if counts != Counts()
    ]
    by_officer.sort(key=lambda line: line.name)
    return Dashboard(
        now=moment,
        window=window,
        periods=periods,
        totals=totals,
        due_today=worklist.count_tab(_NOBODY, "today", now=moment),
        overdue=worklist.count_tab(_NOBODY, "overdue", now=moment),
        fields=_by_procedure(tally, window),
        by_channel=_by_channel(tally, window),
        by_officer=by_officer,
    )


@dataclass
class Month:
    """One month of the charts: received, resolved, and resolved in time."""

    period: Period
    received: int
    resolved: int
    in_time: int

    @property
    def on_time_rate(self) -> Any:
        """(trước hạn + đúng hạn) / resolved in percent, None when nothing was resolved."""
        return Counts(
            resolved_early=self.in_time, resolved_late=self.resolved - self.in_time
        ).on_time_rate


def monthly(count: int = 12, *, now: datetime | None = None) -> list[Month]:
    """The last ``count`` months up to this one (for the charts).

    Each month is a range count on an index (received_at; resolved_at with
    timeliness), one UNION ALL per measure: no function of a column per row, so
    a year of a large office is read in a few tens of milliseconds.
    """
    moment = clock.now_or(now)
    today = clock.local_date(moment)
    periods = []
    year_, number = today.year, today.month
    for _ in range(count):
        periods.append(month_period(year_, number))
        year_, number = (year_, number - 1) if number > 1 else (year_ - 1, 12)
    periods.reverse()
    spans = [(clock.start_of_day(p.start), clock.start_of_day(p.after_end)) for p in periods]

    def per_month(column: Any, *measures: Any, where: Any = None) -> list[tuple[int, ...]]:
        parts = []
        for i, (start, end) in enumerate(spans):
            part = select(literal(i), *measures).where(column >= start, column < end)
            parts.append(part if where is None else part.where(where))
        rows = {
            row[0]: tuple(int(v or 0) for v in row[1:])
            for row in db.session.execute(union_all(*parts))
        }
        return [rows.get(i, (0,) * len(measures)) for i in range(len(spans))]

    # All received (the received_at index alone) less those never received
    # (submitted, refused: few, read by the status index).
    got = per_month(Dossier.received_at, func.count())
    never = per_month(Dossier.received_at, func.count(), where=Dossier.status.in_(_NOT_ACCEPTED))
    timely = func.sum(case((Dossier.timeliness.in_(("early", "on_time")), 1), else_=0))
    done = per_month(Dossier.resolved_at, func.count(), timely)
    return [
        Month(p, got[i][0] - never[i][0], done[i][0], done[i][1]) for i, p in enumerate(periods)
    ]
