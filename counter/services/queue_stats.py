"""The queue's statistics for leaders: tickets, waits and service times over a date range.

Computed from the queue's events (:class:`~counter.models.QueueEvent`), so a ticket's
history counts where it happened: a transferred ticket's second wait belongs to the
service and counter that called it the second time.

- **issued**: ``issue`` events; **called**: tickets with a ``call`` event (recalls not
  counted; a ticket called again after a transfer counts once in each row it was called
  in, once in the total); **served**: ``finish`` events; **no-show**: ``no_show`` events;
  **unfinished**: tickets issued in the range with neither (still waiting or at a counter,
  or gone before their call), counted where they were issued: in the total, the day and
  the service, ``issued = served + no-show + unfinished`` for the tickets of the range.
- **waiting time**: from the issue (or the transfer) to the call that ends the wait.
- **service time**: from ``start`` to the ``finish`` or ``transfer`` that ends it; a ticket
  finished straight from the call has no service time (it is still served).
- **median** as usual (the mean of the two middle values when the count is even);
  **90th percentile** by the nearest rank: the smallest time at least 90% of the times
  do not exceed (``sorted[ceil(0.9 n) - 1]``), a time that really happened.

Days and hours are the office's local ones. Reused by the reports (issue 14).
"""

from __future__ import annotations

import csv
import io
import math
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from counter.domain import clock
from counter.domain.errors import ValidationError
from counter.domain.i18n import N_
from counter.domain.reports import neutralise
from counter.extensions import db
from counter.models import QueueCounter, QueueEvent, QueueService, User

#: The longest range one page computes (the reports go by month or year).
MAX_DAYS = 366


@dataclass(frozen=True)
class Times:
    """Durations in seconds: how many, their median and 90th percentile (None when none)."""

    count: int = 0
    median: float | None = None
    p90: float | None = None


@dataclass(frozen=True)
class StatsRow:
    """One service, counter, officer or day: counts and times."""

    key: str  # the id, or the ISO day
    label: str
    issued: int | None  # None for counters and officers: the kiosk issues, not them
    called: int
    served: int
    no_show: int
    wait: Times
    service: Times
    unfinished: int | None = None  # None for counters and officers, as ``issued``


@dataclass(frozen=True)
class QueueStats:
    """The statistics of ``date_from`` … ``date_to`` (both included)."""

    date_from: date
    date_to: date
    total: StatsRow
    by_service: list[StatsRow]
    by_counter: list[StatsRow]
    by_officer: list[StatsRow]
    by_day: list[StatsRow]
    #: Tickets issued in each hour of the day (0–23), over the whole range.
    issued_per_hour: list[int]

    @property
    def busiest_hours(self) -> list[tuple[int, int]]:
        """(hour, tickets) from the first to the last hour with a ticket, for the chart."""
        hours = [h for h, n in enumerate(self.issued_per_hour) if n]
        if not hours:
            return []
        return [(h, self.issued_per_hour[h]) for h in range(hours[0], hours[-1] + 1)]


def percentile90(values: list[float]) -> float | None:
    """The 90th percentile by the nearest rank; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


def times(values: list[float]) -> Times:
    """Count, median and 90th percentile of durations in seconds."""
    if not values:
        return Times()
    return Times(len(values), float(statistics.median(values)), percentile90(values))


@dataclass
class _Tally:
    issued: int = 0
    called: set[int] = field(default_factory=set)  # the tickets
    served: int = 0
    no_show: int = 0
    unfinished: int = 0
    waits: list[float] = field(default_factory=list)
    services: list[float] = field(default_factory=list)

    def row(self, key: str, label: str, *, issued: bool = True) -> StatsRow:
        return StatsRow(
            key,
            label,
            self.issued if issued else None,
            len(self.called),
            self.served,
            self.no_show,
            times(self.waits),
            times(self.services),
            self.unfinished if issued else None,
        )


def check_range(date_from: date, date_to: date) -> None:
    """A range the statistics can cover, or a Vietnamese ValidationError."""
    if date_to < date_from:
        raise ValidationError(N_("Ngày cuối phải sau hoặc trùng ngày đầu."), field="to")
    if (date_to - date_from).days >= MAX_DAYS:
        raise ValidationError(
            N_("Hãy chọn khoảng thời gian không quá %(days)s ngày."), field="to", days=MAX_DAYS
        )


def _events(date_from: date, date_to: date) -> Iterable[QueueEvent]:
    start = clock.from_local_naive(datetime.combine(date_from, datetime.min.time()))
    end = clock.from_local_naive(datetime.combine(date_to + timedelta(days=1), datetime.min.time()))
    return db.session.scalars(
        db.select(QueueEvent)
        .where(
            QueueEvent.at >= start,
            QueueEvent.at < end,
            QueueEvent.ticket_id.is_not(None),
        )
        .order_by(QueueEvent.ticket_id, QueueEvent.at, QueueEvent.id)
    )


def queue_stats(date_from: date, date_to: date) -> QueueStats:
    """Tickets issued, called, served and absent; waiting and service times per service,
    counter, officer and day; tickets issued per hour — for ``date_from`` … ``date_to``."""
    check_range(date_from, date_to)
    total = _Tally()
    services: dict[int, _Tally] = defaultdict(_Tally)
    counters: dict[int, _Tally] = defaultdict(_Tally)
    officers: dict[int, _Tally] = defaultdict(_Tally)
    days: dict[date, _Tally] = defaultdict(_Tally)
    per_hour = [0] * 24
    ticket_id = None
    waiting_since: datetime | None = None  # the issue or transfer the next call ends
    serving_since: datetime | None = None  # the start the next finish or transfer ends
    open_in: list[_Tally] = []  # where the ticket was issued, until it is served or absent

    for event in _events(date_from, date_to):
        if event.ticket_id != ticket_id:
            for tally in open_in:  # the previous ticket was never finished
                tally.unfinished += 1
            ticket_id, waiting_since, serving_since, open_in = event.ticket_id, None, None, []
        local = clock.local_naive(event.at)
        tallies = [total, days[local.date()]]
        if event.service_id is not None:
            tallies.append(services[event.service_id])
        if event.counter_id is not None:
            tallies.append(counters[event.counter_id])
        if event.officer_id is not None:
            tallies.append(officers[event.officer_id])
        if event.action == "issue":
            per_hour[local.hour] += 1
            waiting_since = event.at
            open_in = tallies
            for tally in tallies:
                tally.issued += 1
        elif event.action == "call":
            wait = (event.at - waiting_since).total_seconds() if waiting_since else None
            waiting_since, serving_since = None, None
            for tally in tallies:
                tally.called.add(event.ticket_id)
                if wait is not None:
                    tally.waits.append(wait)
        elif event.action == "start":
            serving_since = event.at
        elif event.action in ("finish", "transfer", "no_show"):
            spent = (event.at - serving_since).total_seconds() if serving_since else None
            serving_since = None
            if event.action == "transfer":
                waiting_since = event.at
            else:
                open_in = []
            for tally in tallies:
                if event.action == "finish":
                    tally.served += 1
                elif event.action == "no_show":
                    tally.no_show += 1
                if spent is not None:
                    tally.services.append(spent)
    for tally in open_in:  # the last ticket
        tally.unfinished += 1
    return QueueStats(
        date_from=date_from,
        date_to=date_to,
        total=total.row("", ""),  # the page names it
        by_service=_rows(services, _service_labels(services)),
        by_counter=_rows(counters, _counter_labels(counters), issued=False),
        by_officer=_rows(officers, _officer_labels(officers), issued=False),
        by_day=[
            days[d].row(d.isoformat(), f"{d:%d/%m/%Y}")
            for d in sorted(days)
            if date_from <= d <= date_to
        ],
        issued_per_hour=per_hour,
    )


def _rows(
    tallies: dict[int, _Tally], labels: dict[int, str], *, issued: bool = True
) -> list[StatsRow]:
    """Rows in the order of ``labels`` (by position, number or name)."""
    return [tallies[key].row(str(key), label, issued=issued) for key, label in labels.items()]


def _service_labels(tallies: dict[int, _Tally]) -> dict[int, str]:
    rows = db.session.scalars(
        db.select(QueueService)
        .where(QueueService.id.in_(list(tallies)))
        .order_by(QueueService.position, QueueService.letter)
    )
    return {s.id: f"{s.letter} — {s.name}" for s in rows}


def _counter_labels(tallies: dict[int, _Tally]) -> dict[int, str]:
    rows = db.session.scalars(
        db.select(QueueCounter)
        .where(QueueCounter.id.in_(list(tallies)))
        .order_by(QueueCounter.number)
    )
    return {c.id: f"{c.number}" + (f" — {c.name}" if c.name else "") for c in rows}


def _officer_labels(tallies: dict[int, _Tally]) -> dict[int, str]:
    rows = db.session.execute(
        db.select(User.id, User.full_name, User.username)
        .where(User.id.in_(list(tallies)))
        .order_by(User.full_name, User.username)
    )
    return {user_id: full_name or username for user_id, full_name, username in rows}


# -- the tables as a file ------------------------------------------------------------


#: The columns after the first, as the page heads them.
CSV_HEADERS = (
    "Lấy số",
    "Đã gọi",
    "Đã phục vụ",
    "Vắng mặt",
    "Chưa xong",
    "Chờ: trung vị",
    "Chờ: phân vị 90",
    "Phục vụ: trung vị",
    "Phục vụ: phân vị 90",
)


def clock_time(seconds: float | None) -> str:
    """A duration as hours:minutes:seconds, 0:09:30: what a spreadsheet reads as a time
    (9:30 alone it reads as nine and a half hours)."""
    if seconds is None:
        return "—"
    hours, rest = divmod(round(seconds), 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"


def duration(seconds: float | None) -> str:
    """A duration as the tables show it: 4:05 (minutes:seconds), 1:02:05 past an hour."""
    if seconds is None or round(seconds) >= 3600:
        return clock_time(seconds)
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def _line(label: str, row: StatsRow) -> list[object]:
    def maybe(value: int | None) -> object:
        return "—" if value is None else value

    return [
        neutralise(label),
        maybe(row.issued),
        row.called,
        row.served,
        row.no_show,
        maybe(row.unfinished),
        clock_time(row.wait.median),
        clock_time(row.wait.p90),
        clock_time(row.service.median),
        clock_time(row.service.p90),
    ]


def to_csv(stats: QueueStats) -> bytes:
    """The page's tables, one after the other, as CSV: UTF-8 with a BOM (Excel then reads
    Vietnamese); times as hours:minutes:seconds."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["THỐNG KÊ HÀNG ĐỢI"])
    writer.writerow([f"Từ ngày {stats.date_from:%d/%m/%Y} đến ngày {stats.date_to:%d/%m/%Y}"])
    writer.writerow(["Thời gian: giờ:phút:giây"])
    for title, first, rows, with_total in (
        ("Theo dịch vụ", "Dịch vụ", stats.by_service, True),
        ("Theo quầy", "Quầy", stats.by_counter, False),
        ("Theo cán bộ", "Cán bộ", stats.by_officer, False),
        ("Theo ngày", "Ngày", stats.by_day, True),
    ):
        writer.writerow([])
        writer.writerow([title])
        writer.writerow([first, *CSV_HEADERS])
        writer.writerows(_line(row.label, row) for row in rows)
        if with_total:
            writer.writerow(_line("Tổng cộng", stats.total))
    return ("\ufeff" + out.getvalue()).encode("utf-8")
