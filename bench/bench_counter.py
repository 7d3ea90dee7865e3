"""Speed and memory of the counter with a realistic database: services and pages.

Run from the repository root: python bench/bench_counter.py [--dossiers N] [--years Y]
(with COUNTER_BENCH_DATABASE_URL=postgresql+psycopg://… it runs on PostgreSQL too).

For each database (a throw-away SQLite file, WAL and synchronous=FULL as in
production; then, if COUNTER_BENCH_DATABASE_URL names one, PostgreSQL, its public
schema dropped first) it runs ``initialize(demo=True)`` (the migrations: every index
and trigger of the schema), then bulk-inserts N dossiers (default 20000) spread over
Y years (default 10) across the demo procedures and every status, with their
documents, events and audit rows: batches of 20000 made as row tuples by two forked
worker processes (each batch from its own seed: ``--seed`` gives the same rows) and
inserted by the driver's executemany (SQLite, no fsync while building) or COPY
(PostgreSQL), the secondary indexes and the search index built after the rows from
their own SQL. Then it times:

* the real reception service (code, ledger number, due date, event, audit, commit),
  each of 100 beside a bare fsync'ed commit of one row, the floor under it (the two
  alternate, so their ratio compares them at the same moments; a bare commit is also
  timed alone at the end);
* the due-date function per limit unit;
* the worklist counts, each worklist tab and the search (by name, phone, ID number
  and partial code, each over different dossiers);
* the staff pages and the public look-up through the Flask test client, signed in
  by the real login form, the ledger (form 07) for last month and the last 12 months;
* over HTTP, a real waitress server (8 threads) in its own process: the 12-month
  ledger (time, the server's peak memory), then 8 clients for --mix-seconds doing a
  realistic mix (worklist tabs, home, search, dossier page, receptions, citizens'
  look-ups): requests per second and latency;
* 8 threads at once in-process (the overdue worklist; 40 receptions);
* peak memory of the process and the size of the database;
* ``flask --app counter --help`` (median of 10 process starts).

Each service call and each page runs in its own app context, as a request does
(the working calendar is cached per app context, so it is reloaded each time).
Figures are milliseconds, median and 95th percentile of the repeated runs. Prints a
table per database and, last, ONE JSON line with every figure (--json FILE keeps it).
"""

from __future__ import annotations

import argparse
import bisect
import collections
import contextlib
import gc
import itertools
import json
import marshal
import multiprocessing
import os
import random
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time as timer
from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests
from sqlalchemy import Engine, create_engine, event, insert, text

from counter import create_app
from counter.domain import clock
from counter.domain import due as due_rules
from counter.domain import events as ev
from counter.domain.codes import (
    LOOKUP_KEY_ALPHABET,
    LOOKUP_KEY_LENGTH,
    format_dossier_code,
    ledger_book,
    ledger_book_start,
)
from counter.domain.due import Timeliness
from counter.domain.lifecycle import Status
from counter.domain.text import fold
from counter.extensions import db
from counter.models import (
    AuditEntry,
    DailySequence,
    Dossier,
    DossierDocument,
    DossierEvent,
    Procedure,
    User,
)
from counter.services import Actor, search_index
from counter.services import calendar as cal
from counter.services import dossiers as dossier_service
from counter.services.numbering import DOSSIER, LEDGER
from counter.services.office import get_office
from counter.services.reception import DocumentLine, ReceptionInput, receive, search_key
from counter.services.setup import initialize, upgrade

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DOSSIERS = 20_000
DAYS_BACK = 730
#: Dossiers made and inserted per transaction while building.
BATCH = 20_000
#: Dossiers kept aside to look for (search, dossier page, public look-up).
SAMPLES = 60

PASSWORDS = {"tiepnhan": "tiepnhan123", "lanhdao": "lanhdao123"}
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

FAMILY = ("Lò", "Quàng", "Lường", "Tòng", "Cà", "Vàng", "Giàng", "Nguyễn", "Trần", "Phạm")
FAMILY += ("Lê", "Hoàng", "Đỗ", "Mùa", "Sùng", "Bạc", "Điêu", "Vũ", "Đặng", "Bùi")
MIDDLE_M = ("Văn", "A", "Văn", "Minh", "Đức", "Công", "Hữu", "Chính")
MIDDLE_F = ("Thị", "Thị", "Thị Thanh", "Thị Hồng", "Thị Thu", "Thị Lan", "Thị Kim")
GIVEN_M = ("Panh", "Chăn", "Thưởng", "Dế", "Đức", "Tuấn", "Hùng", "Chứ", "Khiêm", "Ún", "Tới")
GIVEN_M += ("Sướng", "Lả", "Dũng", "Cường", "Thắng", "Hải", "Phong", "Quân", "Sơn", "Long")
GIVEN_F = ("Xuân", "Ánh", "Mỷ", "Nhung", "Anh", "Hà", "Dua", "Hương", "Hoa", "Lan", "Mai")
GIVEN_F += ("Thảo", "Hằng", "Linh", "Nga", "Phương", "Yến", "Duyên", "Trang", "Hiền")
BAN = ("Phăng", "Che Căn", "Khá", "Pá Trả", "Co Đứa", "Kéo", "Nghịu", "Cang", "Đông Mệt")
FEES = (None, 0, 8000, 10000, 15000, 50000)
PHONE_PREFIX = ("091", "098", "097", "096", "094", "090", "086", "039", "038", "036", "033")

#: Closed statuses of dossiers whose deadline is long past, with their weights.
OLD_STATUSES = (
    (Status.RETURNED, 910),
    (Status.RESOLVED, 30),
    (Status.WITHDRAWN, 20),
    (Status.STOPPED, 10),
    (Status.REFUSED, 20),
    (Status.IN_PROGRESS, 5),  # forgotten: overdue
    (Status.SUPPLEMENT_REQUESTED, 5),
)
#: Statuses of dossiers still within (or just past) their deadline.
RECENT_STATUSES = (
    (Status.RECEIVED, 25),
    (Status.IN_PROGRESS, 35),
    (Status.SUPPLEMENT_REQUESTED, 5),
    (Status.AWAITING_PAYMENT, 3),
    (Status.RESOLVED, 15),
    (Status.RETURNED, 17),
)


# -- timing ------------------------------------------------------------------------


class Results:
    """Rows of the printed table."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, int, float, float, str]] = []
        #: The figures of the one JSON line, by short name.
        self.figures: dict[str, Any] = {}

    def add(self, name: str, times: list[float], note: str = "", key: str = "") -> None:
        ordered = sorted(times)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        if key:
            self.figures[key] = {
                "median_ms": round(statistics.median(times), 2),
                "p95_ms": round(p95, 2),
            }
        if LAST_QUERIES[0] == LAST_QUERIES[0]:  # not NaN: queries were counted
            note = f"{LAST_QUERIES[0]:.0f} SQL; {note}" if note else f"{LAST_QUERIES[0]:.0f} SQL"
        self.rows.append((name, len(times), statistics.median(times), p95, note))
        print(f"  {name:<48} {statistics.median(times):>9.2f} {p95:>9.2f}  {note}", flush=True)

    def table(self) -> str:
        lines = [f"| {'measure':<48} | {'runs':>5} | {'median ms':>9} | {'p95 ms':>9} | note |"]
        lines.append(f"|{'-' * 50}|{'-' * 7}:|{'-' * 10}:|{'-' * 10}:|------|")
        for name, runs, median, p95, note in self.rows:
            lines.append(f"| {name:<48} | {runs:>5} | {median:>9.2f} | {p95:>9.2f} | {note} |")
        return "\n".join(lines)


QUERIES = [0]


@event.listens_for(Engine, "before_cursor_execute")
def _count_query(*_args: Any) -> None:
    QUERIES[0] += 1


def timed(fn: Callable[[], Any], rounds: int) -> tuple[list[float], Any]:
    """Run ``fn`` ``rounds`` times; also keeps the SQL statements per run in LAST_QUERIES."""
    times, result = [], None
    before = QUERIES[0]
    for _ in range(rounds):
        start = timer.perf_counter()
        result = fn()
        times.append((timer.perf_counter() - start) * 1000)
    LAST_QUERIES[0] = (QUERIES[0] - before) / rounds
    return times, result


LAST_QUERIES = [0.0]


def in_request(app: Any, fn: Callable[[], Any]) -> Callable[[], Any]:
    """``fn`` in a fresh app context and session, as a request runs it."""

    def run() -> Any:
        with app.app_context():
            try:
                return fn()
            finally:
                db.session.remove()

    return run


# -- data --------------------------------------------------------------------------


def person(rng: random.Random) -> dict[str, Any]:
    female = rng.random() < 0.5
    name = " ".join(
        (
            rng.choice(FAMILY),
            rng.choice(MIDDLE_F if female else MIDDLE_M),
            rng.choice(GIVEN_F if female else GIVEN_M),
        )
    )
    year = rng.randint(1950, 2006)
    century = (1 if female else 0) if year < 2000 else (3 if female else 2)
    return {
        "applicant_name": name,
        "id_number": f"011{century}{year % 100:02d}{rng.randint(0, 999_999):06d}",
        "date_of_birth": date(year, rng.randint(1, 12), rng.randint(1, 28)),
        "phone": f"{rng.choice(PHONE_PREFIX)}{rng.randint(0, 9_999_999):07d}",
        "address": f"Bản {rng.choice(BAN)}, xã Mường Phăng, tỉnh Điện Biên",
    }


def weighted(rng: random.Random, table: tuple[tuple[Status, int], ...]) -> Status:
    return rng.choices([s for s, _ in table], weights=[w for _, w in table])[0]


def local_instant(day: date, rng: random.Random) -> datetime:
    """A moment of office hours (7:30–11:30, 13:30–17:00 Vietnam time), as UTC."""
    if rng.random() < 0.6:
        minutes = rng.randint(7 * 60 + 30, 11 * 60 + 29)
    else:
        minutes = rng.randint(13 * 60 + 30, 16 * 60 + 59)
    naive = datetime.combine(day, time(minutes // 60, minutes % 60, rng.randint(0, 59)))
    return clock.from_local_naive(naive)


class _Folds:
    """search_key's result made from cached folds of its parts (names repeat a lot)."""

    def __init__(self) -> None:
        self.cache: dict[str, str] = {}
        self.checked = 0

    def key(self, *parts: str) -> str:
        cache = self.cache
        out = []
        for part in parts:
            if part:
                if part.isascii() and " " not in part:  # codes, phones, ID numbers
                    folded = part.lower()
                else:
                    folded = cache.get(part)
                    if folded is None:
                        folded = cache[part] = fold(part)
                out.append(folded)
        text = " ".join(out)
        if self.checked < 200:  # the same as the reception service's, checked on a sample
            assert text == search_key(*parts), (text, search_key(*parts))
            self.checked += 1
        return text


# -- building ------------------------------------------------------------------------

#: The columns the builder gives, in the order of its row tuples. Every other column of
#: these tables is the autoincremented id or has no default (NULL): checked at each build.
DOSSIER_COLUMNS = (
    "id", "code", "procedure_id", "status", "channel", "applicant_kind", "applicant_name",
    "id_number", "date_of_birth", "phone", "address", "email", "filer_name",
    "filer_id_number", "filer_phone", "filer_address", "search_text", "sets_count", "notes",
    "fee_amount", "result_delivery", "ledger_book", "ledger_seq", "received_at", "due_at",
    "original_due_at", "paused_at", "delay_count", "resolved_at", "timeliness", "returned_at",
    "collected_by", "processing_unit", "received_by_id", "assigned_to_id", "created_at",
    "updated_at", "version", "lookup_key",
)  # fmt: skip
DOCUMENT_COLUMNS = ("dossier_id", "position", "name", "kind", "count")
EVENT_COLUMNS = (
    "dossier_id", "at", "user_id", "username", "action", "from_status", "to_status", "note",
    "due_before", "due_after", "form_no", "detail", "uid", "officer_name", "officer_title",
    "unit",
)  # fmt: skip
AUDIT_COLUMNS = ("at", "user_id", "username", "action", "target", "detail", "address")
#: The triggers on the built tables that the builder replays in bulk (the search index):
#: dropped while building, created again, then the index rebuilt from the rows in one go.
BULK_TRIGGERS = frozenset(("dossier_fts_insert", "dossier_fts_delete", "dossier_fts_update"))
#: uuid4's version (4) and variant (10) bits, set on 128 random bits (new_event_uid's form).
UID_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
UID_SET = (0x4000 << 64) | (0x8000 << 48)
#: The builder's state, shared with its worker processes (forked: nothing is pickled).
_BUILD: dict[str, Any] = {}


def _built_tables() -> list[tuple[Any, tuple[str, ...]]]:
    return [
        (Dossier.__table__, DOSSIER_COLUMNS),
        (DossierDocument.__table__, DOCUMENT_COLUMNS),
        (DossierEvent.__table__, EVENT_COLUMNS),
        (AuditEntry.__table__, AUDIT_COLUMNS),
    ]


def _check_columns() -> None:
    """Every column the builder leaves out is the table's id or has no default at all."""
    for table, columns in _built_tables():
        for c in table.columns:
            if c.name in columns or (c.primary_key and table is not Dossier.__table__):
                continue
            if c.default is not None or c.server_default is not None or not c.nullable:
                raise RuntimeError(f"the bench builder does not fill {table.name}.{c.name}")


def _datetime_text(value: datetime) -> str:
    """A naive UTC moment as the driver is given it (SQLite's text form; COPY reads it too)."""
    return value.isoformat(" ", "microseconds")


def _check_text_forms(dialect: Any) -> None:
    """The builder's text for a moment and a date is what the columns' own conversion gives."""
    moment = Dossier.__table__.c.received_at.type._cached_bind_processor(dialect)
    day = Dossier.__table__.c.date_of_birth.type._cached_bind_processor(dialect)
    for value in (datetime(2026, 1, 2, 3, 4, 5, tzinfo=clock.UTC), clock.now()):
        naive = clock.to_naive_utc(value)
        made = moment(value) if moment else naive
        assert made in (_datetime_text(naive), naive), (made, _datetime_text(naive))
        if not moment:  # PostgreSQL: COPY parses the text into the same timestamp
            assert datetime.fromisoformat(_datetime_text(naive)) == naive
    born = date(1987, 3, 9)
    assert (day(born) if day else born) in (born.isoformat(), born)


class _DueDates:
    """compute_due by (Vietnam date, place of the time among the sessions, limit): equal.

    For a limit in days (working, calendar, same day) the due date depends on the time of
    receipt only through which session boundary it precedes and whether it is before the
    same-day cutoff (see due.clock_start and due._same_day); a limit in hours is computed
    every time. The first results are computed both ways and compared.
    """

    def __init__(self, calendar: Any, hours: Any) -> None:
        self.calendar, self.hours = calendar, hours
        self.bounds = [t for session in hours.sessions for t in session]
        self.cutoff = hours.same_day_cutoff
        self.cache: dict[tuple[Any, ...], datetime] = {}
        self.checked = 0

    def local(self, received: datetime, amount: Any, unit: str) -> datetime:
        """The due moment (naive Vietnam time) of a dossier received at ``received`` (the same)."""
        if unit == "working_hours":
            return due_rules.compute_due(received, amount, unit, self.calendar, self.hours)
        moment = received.time()
        place = sum(moment < bound for bound in self.bounds)
        key = (received.date(), place, moment < self.cutoff, amount, unit)
        due = self.cache.get(key)
        if due is None:
            due = self.cache[key] = due_rules.compute_due(
                received, amount, unit, self.calendar, self.hours
            )
        elif self.checked < 2000:
            computed = due_rules.compute_due(received, amount, unit, self.calendar, self.hours)
            assert due == computed, (received, amount, unit, due, computed)
            self.checked += 1
        return due


def _make_batch(index: int) -> tuple[list[tuple[Any, ...]], ...]:
    """The rows of batch ``index`` (dossiers, documents, events, audit rows), its samples and
    one dossier in progress; a function of the build's state and the index alone, so the
    same ``--seed`` gives the same rows whichever process makes them."""
    b = _BUILD
    first = index * BATCH
    moments = b["moments"][first : first + BATCH]
    seqs, ledger_seqs = b["seqs"], b["ledger_seqs"]
    rng = random.Random(b["batch_seed"] + index)
    r, getrandbits = rng.random, rng.getrandbits
    now, offset, due_dates, folds = b["now"], b["offset"], b["due_dates"], b["folds"]
    procedures, details, show = b["procedures"], b["details"], _datetime_text
    reception, specialist, leader = b["reception"], b["specialist"], b["leader"]
    prefixes, sample_at = b["prefixes"], b["sample_at"]
    old_table, recent_table = b["old_statuses"], b["recent_statuses"]
    ten_days, two_hours = timedelta(days=10), timedelta(hours=2)
    half_hour = timedelta(minutes=30)
    received_s, in_progress_s = Status.RECEIVED.value, Status.IN_PROGRESS.value
    resolved_s = Status.RESOLVED.value
    n_procedures = len(procedures)
    dossiers: list[tuple[Any, ...]] = []
    documents: list[tuple[Any, ...]] = []
    events: list[tuple[Any, ...]] = []
    audits: list[tuple[Any, ...]] = []
    samples: list[tuple[int, dict[str, Any]]] = []
    in_progress: dict[str, Any] | None = None

    def event(
        dossier_id: int, user: tuple[Any, ...], kind: str, detail: str, at: datetime,
        from_status: str | None, to_status: str, due_after: str | None, form_no: str | None,
    ) -> None:  # fmt: skip
        uid = f"{(getrandbits(128) & UID_CLEAR) | UID_SET:032x}"
        events.append(
            (dossier_id, show(at), user[0], user[1], kind, from_status, to_status, "", None,
             due_after, form_no, detail, uid, user[2], user[3], "")
        )  # fmt: skip

    def lookup_key() -> str:  # new_lookup_key's 6 characters of 32, from 30 random bits
        bits, key = getrandbits(30), ""
        for _ in range(6):
            key += LOOKUP_KEY_ALPHABET[bits & 31]
            bits >>= 5
        return key

    def person() -> tuple[str, str, str, str, str]:
        female = r() < 0.5
        middles, givens = (MIDDLE_F, GIVEN_F) if female else (MIDDLE_M, GIVEN_M)
        name = (
            f"{FAMILY[int(r() * len(FAMILY))]} {middles[int(r() * len(middles))]} "
            f"{givens[int(r() * len(givens))]}"
        )
        year = 1950 + int(r() * 57)
        century = (1 if female else 0) if year < 2000 else (3 if female else 2)
        return (
            name,
            f"011{century}{year % 100:02d}{int(r() * 1_000_000):06d}",
            f"{year:04d}-{1 + int(r() * 12):02d}-{1 + int(r() * 28):02d}",
            f"{PHONE_PREFIX[int(r() * len(PHONE_PREFIX))]}{int(r() * 10_000_000):07d}",
            f"Bản {BAN[int(r() * len(BAN))]}, xã Mường Phăng, tỉnh Điện Biên",
        )

    for k, local in enumerate(moments):
        i = first + k
        dossier_id = b["first_id"] + i
        received = local - offset  # naive UTC
        p = procedures[int(r() * n_procedures)]
        day = local.date()
        prefix = prefixes.get(day)
        if prefix is None:
            prefix = prefixes[day] = format_dossier_code(b["agency"], day, 1)[:-4]
        code = f"{prefix}{seqs[i]:04d}"
        if i < 200:
            assert code == format_dossier_code(b["agency"], day, seqs[i])
        due = due_dates.local(local, p["amount"], p["unit"]) - offset
        name, id_number, born, phone, address = person()
        filer = person() if r() < 0.05 else None
        table = old_table if due < now - ten_days else recent_table
        status = table[0][bisect.bisect(table[1], r() * table[2])]
        received_text, due_text = show(received), show(due)
        channel = r()
        row = [
            dossier_id, code, p["id"], status.value,
            "counter" if channel < 0.9 else "post" if channel < 0.93 else "online",
            "person", name, id_number, born, phone, address, "",
            filer[0] if filer else "", filer[1] if filer else "",
            filer[3] if filer else "", filer[4] if filer else "",
            folds.key(code, name, filer[0] if filer else "", phone,
                      filer[3] if filer else "", id_number),
            1, "", FEES[int(r() * len(FEES))], "counter" if r() < 0.95 else "post",
            ledger_book(day), ledger_seqs[i], received_text, due_text, due_text,
            None, 0, None, None, None, "", p["unit_body"], reception[0], None,
            received_text, received_text, 1, lookup_key(),
        ]  # fmt: skip
        documents.extend((dossier_id, *document) for document in p["documents"])
        event(dossier_id, reception, *p["received"], received, None, received_s, due_text, "01")
        audits.append(
            (received_text, reception[0], reception[1], "dossier_received", code,
             p["national_code"], "127.0.0.1")
        )  # fmt: skip
        if status is Status.REFUSED:
            at = min(now, received + timedelta(hours=2 + int(r() * 47)))
            event(dossier_id, specialist, *details[status], at, received_s, status.value, None,
                  "03")  # fmt: skip
        elif status is not Status.RECEIVED:
            span = max(due - received, two_hours)
            handed = min(now, received + timedelta(minutes=10 + int(r() * 231)))
            row[34] = specialist[0]  # assigned_to_id
            event(dossier_id, reception, *p["handed"], handed, received_s, in_progress_s, None,
                  "06")  # fmt: skip
            finish = received + span * (0.3 + 0.85 * r())
            finish = min(now, max(finish, handed + half_hour))
            last = max(received, handed)
            if status in (Status.SUPPLEMENT_REQUESTED, Status.AWAITING_PAYMENT):
                row[26] = show(finish)  # paused_at
                form = "02" if status is Status.SUPPLEMENT_REQUESTED else None
                event(dossier_id, specialist, *details[status], finish, in_progress_s,
                      status.value, None, form)  # fmt: skip
                last = max(last, finish)
            elif status in (Status.WITHDRAWN, Status.STOPPED):
                event(dossier_id, leader, *details[status], finish, in_progress_s,
                      status.value, None, "05")  # fmt: skip
                last = max(last, finish)
            elif status in (Status.RESOLVED, Status.RETURNED):
                timeliness = due_rules.classify(finish + offset, due + offset)
                row[28], row[29] = show(finish), timeliness.value  # resolved_at, timeliness
                event(dossier_id, leader, *details[timeliness], finish, in_progress_s,
                      resolved_s, None, None)  # fmt: skip
                last = max(last, finish)
                if status is Status.RETURNED:
                    back = min(now, finish + timedelta(hours=1 + int(r() * 120)))
                    row[30], row[31] = show(back), name  # returned_at, collected_by
                    returned = details.get(name)
                    if returned is None:
                        returned = details[name] = b["detail"](ev.ResultReturned(collected_by=name))
                    event(dossier_id, reception, *returned, back, resolved_s, status.value,
                          None, None)  # fmt: skip
                    last = max(last, back)
            row[36] = show(last)  # updated_at: the dossier's last event
        dossiers.append(tuple(row))
        pick = status is Status.IN_PROGRESS and (in_progress is None or r() < 0.001)
        if pick or i in sample_at:
            keep = {"id": dossier_id, "code": code, "applicant_name": name, "phone": phone,
                    "id_number": id_number}  # fmt: skip
            if i in sample_at:
                samples.append((sample_at[i], keep))
            if pick:
                in_progress = keep
    return dossiers, documents, events, audits, samples, in_progress  # type: ignore[return-value]


def _insert(rows: list[tuple[Any, ...]], table: Any, columns: tuple[str, ...]) -> None:
    """Rows (tuples in ``columns``' order, values as the driver takes them) in one go:
    SQLite's executemany, PostgreSQL's COPY, on the session's connection and transaction."""
    if not rows:
        return
    conn = db.session.connection()
    quote = conn.dialect.identifier_preparer.quote
    names = ", ".join(quote(c) for c in columns)
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        with (
            raw.cursor() as cursor,
            cursor.copy(f"COPY {quote(table.name)} ({names}) FROM STDIN") as copy,
        ):
            write = copy.write_row
            for row in rows:
                write(row)
        return
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        cursor.executemany(
            f"INSERT INTO {quote(table.name)} ({names}) VALUES ({', '.join(mark for _ in columns)})",
            rows,
        )
    finally:
        cursor.close()


def _schema_objects() -> list[tuple[str, str, str]]:
    """The built tables' indexes (not those of their constraints) and triggers, with their
    SQL: (kind, name, sql)."""
    conn = db.session.connection()
    tables = [t.name for t, _ in _built_tables()]
    if conn.dialect.name == "postgresql":
        found = conn.execute(
            text(
                "SELECT 'index', indexname, indexdef FROM pg_indexes "
                "WHERE schemaname = current_schema() AND tablename = ANY(:tables) "
                "AND indexname NOT IN (SELECT conname FROM pg_constraint) ORDER BY indexname"
            ),
            {"tables": tables},
        )
    else:
        marks = ", ".join(f"'{t}'" for t in tables)
        found = conn.exec_driver_sql(
            "SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') "
            f"AND sql IS NOT NULL AND tbl_name IN ({marks}) ORDER BY type, name"
        )
    return [tuple(row) for row in found]  # type: ignore[misc]


@contextlib.contextmanager
def _bulk_schema(progress: bool) -> Iterator[None]:
    """The built tables without their secondary indexes and search-index triggers while the
    rows go in; then the same indexes and triggers created again from their saved SQL and
    the search index rebuilt from the rows (FTS5 'rebuild': the index its triggers make).

    Any other trigger stays and runs for every row, as it would for the app's writes.
    """
    conn = db.session.connection()
    saved = _schema_objects()
    dropped = [o for o in saved if o[0] == "index" or o[1] in BULK_TRIGGERS]
    for kind, name, _sql in dropped:
        conn.exec_driver_sql(f"DROP {kind.upper()} {name}")
    db.session.commit()
    yield
    started = timer.perf_counter()
    conn = db.session.connection()
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '512MB'")  # this transaction
    for kind, name, sql in dropped:
        conn.exec_driver_sql(sql)
        if progress and kind == "index":
            print(f"  index {name} ({timer.perf_counter() - started:.0f} s)", flush=True)
    if any(name in BULK_TRIGGERS for _kind, name, _sql in dropped):
        conn.exec_driver_sql(f"INSERT INTO {search_index.FTS_TABLE}({search_index.FTS_TABLE}) "
                             "VALUES ('rebuild')")  # fmt: skip
        if progress:
            print(f"  search index rebuilt ({timer.perf_counter() - started:.0f} s)", flush=True)
    db.session.commit()
    assert _schema_objects() == saved


def _make_batch_marshalled(index: int) -> bytes:
    """_make_batch's rows as marshal's bytes: 2–3 times cheaper to pass than pickle's."""
    return marshal.dumps(_make_batch(index))


def _ahead(pool: Any, batches: range, ahead: int) -> Iterator[Any]:
    """``_make_batch`` of each batch, in order, made by the pool at most ``ahead`` batches
    before the one being inserted (memory stays flat if the inserts are the slower)."""
    waiting: collections.deque[Any] = collections.deque()
    for index in batches:
        waiting.append(pool.apply_async(_make_batch_marshalled, (index,)))
        if len(waiting) > ahead:
            yield marshal.loads(waiting.popleft().get())
    while waiting:
        yield marshal.loads(waiting.popleft().get())


def seed(
    count: int,
    rng: random.Random,
    *,
    days_back: int = DAYS_BACK,
    progress: bool = False,
    workers: int | None = None,
    bulk_schema: bool = True,
) -> dict[str, Any]:
    """Bulk-insert ``count`` dossiers over ``days_back`` days; returns ids and values to look for.

    The moments of receipt (sorted) and the codes' numbers are drawn here; each batch of
    BATCH dossiers is then made from its own seed (by ``workers`` forked processes, default
    the CPUs, while this one inserts), so ``rng`` alone decides every row. With
    ``bulk_schema`` the secondary indexes and the search index are built after the rows
    (see _bulk_schema); without it the triggers run for every row, as for the app's writes.
    """
    _check_columns()
    assert len(LOOKUP_KEY_ALPHABET) == 32 and LOOKUP_KEY_LENGTH == 6  # lookup_key() below
    dialect = db.engine.dialect
    _check_text_forms(dialect)
    now = clock.now()
    today = clock.local_date(now)
    office = get_office()
    users = {u.username: u for u in db.session.scalars(db.select(User))}

    def officer(user: User) -> tuple[Any, ...]:
        return (user.id, user.username, user.full_name or user.username, user.title)

    detail_text = DossierEvent.__table__.c.detail.type._cached_bind_processor(dialect)

    def detail(payload: ev.EventPayload) -> tuple[str, str]:
        value = detail_text(ev.to_detail(payload))
        if not isinstance(value, str):  # psycopg's Json: the text it would send
            value = (value.dumps or json.dumps)(value.obj)
        return payload.kind, value

    procedures = []
    for p in db.session.scalars(db.select(Procedure)):
        if not p.active:
            continue
        names = [d.name for d in p.documents][:3] or ["Tờ khai theo mẫu"]
        handed = ev.HandedOver(
            from_unit=dossier_service.COUNTER_UNIT,
            to_unit=p.implementing_body or "Công chức chuyên môn",
            result=Timeliness.ON_TIME,
            assigned_to=users["chuyenvien"].full_name,
            assigned_to_id=users["chuyenvien"].id,
        )
        procedures.append(
            {
                "id": p.id,
                "amount": p.limit_amount,
                "unit": p.limit_unit,
                "unit_body": p.implementing_body or "",
                "national_code": p.national_code,
                "documents": [
                    (position, name, "original" if position == 0 else "copy", 1)
                    for position, name in enumerate(names)
                ],
                "received": detail(ev.Received(documents=len(names), attachments=0)),
                "handed": detail(handed),
            }
        )
    details: dict[Any, tuple[str, str]] = {
        Status.REFUSED: detail(ev.Refused()),
        Status.SUPPLEMENT_REQUESTED: detail(ev.SupplementRequested()),
        Status.AWAITING_PAYMENT: detail(ev.PaymentRequested()),
        Status.WITHDRAWN: detail(ev.Withdrawn()),
        Status.STOPPED: detail(ev.Stopped()),
    }
    for timeliness in Timeliness:
        details[timeliness] = detail(ev.Resolved(timeliness=timeliness))

    def statuses(table: tuple[tuple[Status, int], ...]) -> tuple[Any, ...]:
        bounds = list(itertools.accumulate(w for _, w in table))
        return [s for s, _ in table], bounds[:-1], bounds[-1]

    # Moments of receipt: office hours of working days, drawn as (day, second) and sorted.
    days = [
        today - timedelta(days=k)
        for k in range(days_back, 0, -1)
        if cal.is_working_day(today - timedelta(days=k))
    ]
    offset = clock.local_naive(now) - clock.to_naive_utc(now)  # Vietnam's: UTC+7
    for d in days[:: max(1, len(days) // 50)]:  # one offset all along (no summer time)
        noon = datetime.combine(d, time(12))
        assert clock.to_naive_utc(clock.from_local_naive(noon)) == noon - offset
    starts = [datetime.combine(d, time(0)) for d in days]
    randrange, random_ = rng.randrange, rng.random
    moments = []
    for _ in range(count):
        if random_() < 0.6:
            seconds = 60 * (7 * 60 + 30) + 60 * randrange(240) + randrange(60)
        else:
            seconds = 60 * (13 * 60 + 30) + 60 * randrange(210) + randrange(60)
        moments.append(starts[randrange(len(starts))] + timedelta(seconds=seconds))
    moments.sort()
    sequences = {
        (s.kind, s.scope, s.day): s.last_seq for s in db.session.scalars(db.select(DailySequence))
    }
    seqs, ledger_seqs = [], []
    for local in moments:
        day = local.date()
        key = (DOSSIER, office.agency_id, day)
        seq = sequences[key] = sequences.get(key, 0) + 1
        ledger_key = (LEDGER, "", ledger_book_start(day))
        ledger = sequences[ledger_key] = sequences.get(ledger_key, 0) + 1
        seqs.append(seq)
        ledger_seqs.append(ledger)
    sample_at = {
        index: slot for slot, index in enumerate(rng.sample(range(count), min(SAMPLES, count)))
    }
    _BUILD.clear()
    _BUILD.update(
        moments=moments, seqs=seqs, ledger_seqs=ledger_seqs, batch_seed=rng.getrandbits(64),
        now=clock.to_naive_utc(now), offset=offset, agency=office.agency_id,
        first_id=(db.session.scalar(db.select(db.func.max(Dossier.id))) or 0) + 1,
        due_dates=_DueDates(cal.working_calendar(), cal.office_hours()), folds=_Folds(),
        procedures=procedures, details=details, detail=detail, prefixes={},
        reception=officer(users["tiepnhan"]), specialist=officer(users["chuyenvien"]),
        leader=officer(users["lanhdao"]), sample_at=sample_at,
        old_statuses=statuses(OLD_STATUSES), recent_statuses=statuses(RECENT_STATUSES),
    )  # fmt: skip

    totals = {"documents": 0, "events": 0, "audit": 0}
    samples: list[Any] = [None] * len(sample_at)
    in_progress: dict[str, Any] | None = None
    batches = range((count + BATCH - 1) // BATCH)
    started = timer.perf_counter()
    if workers is None:
        workers = min(2, os.cpu_count() or 1)
    forking = workers > 0 and len(batches) > 1 and "fork" in multiprocessing.get_all_start_methods()
    with contextlib.ExitStack() as stack:
        if bulk_schema:
            stack.enter_context(_bulk_schema(progress))
        if forking:  # forked after _BUILD is set: the workers read it, nothing is pickled
            pool = stack.enter_context(multiprocessing.get_context("fork").Pool(workers))
            made = _ahead(pool, batches, workers + 1)
        else:
            made = map(_make_batch, batches)
        for done, (dossiers, documents, events, audits, found, candidate) in enumerate(made):
            for (table, columns), rows in zip(
                _built_tables(), (dossiers, documents, events, audits), strict=True
            ):
                _insert(rows, table, columns)
            db.session.commit()
            totals["documents"] += len(documents)
            totals["events"] += len(events)
            totals["audit"] += len(audits)
            for slot, keep in found:
                samples[slot] = keep
            in_progress = candidate or in_progress
            if progress:
                seen = min(count, (done + 1) * BATCH)
                rate = seen / max(timer.perf_counter() - started, 1e-9)
                print(f"  built {seen} of {count} dossiers ({rate:,.0f}/s)", flush=True)
    _BUILD.clear()

    db.session.execute(db.delete(DailySequence))
    db.session.execute(
        insert(DailySequence.__table__),
        [{"kind": k, "scope": s, "day": d, "last_seq": n} for (k, s, d), n in sequences.items()],
    )
    if db.engine.dialect.name == "postgresql":  # ids were given: move the sequence past them
        db.session.execute(
            db.text("SELECT setval(pg_get_serial_sequence('dossier', 'id'), max(id)) FROM dossier")
        )
    db.session.commit()

    sample = in_progress or samples[0]
    return {
        "dossier_id": sample["id"],
        "name": fold(sample["applicant_name"]),  # typed without diacritics
        "phone": sample["phone"],
        "code": sample["code"],
        "samples": samples,
        "counts": totals,
    }


# -- measures ----------------------------------------------------------------------


#: Receptions timed, each beside a bare commit.
RECEIVE_ROUNDS = 100


def bench_services(
    app: Any,
    picks: dict[str, Any],
    results: Results,
    rng: random.Random,
    bare: BareCommit,
    rounds: int = 20,
) -> None:
    with app.app_context():
        users = {u.username: u for u in db.session.scalars(db.select(User))}
        procs = [p for p in db.session.scalars(db.select(Procedure)) if p.active]
        docs = {p.id: [d.name for d in p.documents][:4] or ["Tờ khai theo mẫu"] for p in procs}
        units = {}
        for p in procs:
            units.setdefault(p.limit_unit, (p.limit_amount, p.limit_unit))
    rec = users["tiepnhan"]
    reception_actor = Actor.for_user(rec, "127.0.0.1")
    lead = users["lanhdao"]
    leader_actor = Actor.for_user(lead, "127.0.0.1")

    def one_receive() -> Any:
        proc = rng.choice(procs)
        who = person(rng)
        data = ReceptionInput(
            procedure_id=proc.id,
            applicant_name=who["applicant_name"],
            id_number=who["id_number"],
            date_of_birth=who["date_of_birth"].strftime("%d/%m/%Y"),
            phone=who["phone"],
            address=who["address"],
            documents=[DocumentLine(name=n) for n in docs[proc.id]],
        )
        return receive(reception_actor, data)

    # Each reception beside a bare commit, one after the other: the ratio of their medians
    # compares them at the same moments (this machine's disk and CPU vary by half an hour).
    run_one = in_request(app, one_receive)
    times, floors = [], []
    before = QUERIES[0]
    for _ in range(RECEIVE_ROUNDS):
        floors.append(bare.once())
        start = timer.perf_counter()
        run_one()
        times.append((timer.perf_counter() - start) * 1000)
    LAST_QUERIES[0] = (QUERIES[0] - before) / RECEIVE_ROUNDS
    results.add("reception.receive (commit, fsync)", times, key="receive")
    LAST_QUERIES[0] = float("nan")  # the bare commits are not the app's statements
    results.add("  a bare commit beside each", floors, key="bare_beside_receive")

    now = clock.now()
    for unit, (amount, name) in sorted(units.items()):
        with app.app_context():
            cal.due_at(now, amount, name)  # calendar loaded into this context
            times, _ = timed(lambda a=amount, n=name: cal.due_at(now, a, n), 1000)
        results.add(f"calendar.due_at {amount} {unit} (warm)", times)
        times, _ = timed(in_request(app, lambda a=amount, n=name: cal.due_at(now, a, n)), 30)
        results.add(f"calendar.due_at {unit} (1st in request)", times, "loads calendar")

    times, counts = timed(
        in_request(app, lambda: dossier_service.worklist_counts(leader_actor)), rounds
    )
    results.add(
        "dossiers.worklist_counts",
        times,
        " ".join(f"{k}={v}" for k, v in counts.items()),
        key="counts",
    )
    results.figures["tab_counts"] = dict(counts)
    for tab in dossier_service.TABS:
        times, page = timed(
            in_request(app, lambda t=tab: len(dossier_service.worklist(leader_actor, tab=t).rows)),
            rounds,
        )
        results.add(f"dossiers.worklist tab={tab} page 1", times, f"{page} rows", key=f"tab_{tab}")
    for label, query in (
        ("name, no diacritics", picks["name"]),
        ("phone", picks["phone"]),
        ("code", picks["code"]),
    ):
        times, total = timed(
            in_request(app, lambda q=query: dossier_service.search(leader_actor, q).total), rounds
        )
        results.add(f"dossiers.search by {label}", times, f"{query!r}: {total} found")
    # The targets' four searches, each over `rounds` different dossiers of the sample.
    samples = picks["samples"][:rounds]
    searches = (
        ("name", lambda d: fold(d["applicant_name"])),
        ("phone", lambda d: d["phone"]),
        ("id_number", lambda d: d["id_number"]),
        ("partial_code", lambda d: d["code"].rsplit("-", 2)[-2] + "-" + d["code"][-4:]),
    )
    for key, make in searches:
        queries = [make(d) for d in samples]
        found: list[int] = []
        times = []
        before = QUERIES[0]
        for query in queries:
            start = timer.perf_counter()
            total = in_request(app, lambda q=query: dossier_service.search(leader_actor, q).total)()
            times.append((timer.perf_counter() - start) * 1000)
            found.append(total)
        LAST_QUERIES[0] = (QUERIES[0] - before) / len(queries)
        results.add(
            f"dossiers.search by {key}, {len(queries)} different",
            times,
            f"e.g. {queries[0]!r}; found median {statistics.median(found):.0f}",
            key=f"search_{key}",
        )


def login(app: Any, username: str) -> Any:
    client = app.test_client()
    html = client.get("/dang-nhap").get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, "no CSRF token on the login page"
    response = client.post(
        "/dang-nhap",
        data={"csrf_token": match.group(1), "username": username, "password": PASSWORDS[username]},
    )
    assert response.status_code == 302, f"login {username}: {response.status_code}"
    return client


def ledger_queries() -> dict[str, str]:
    today = clock.today()
    last_month_end = today.replace(day=1) - timedelta(days=1)
    return {
        "month": f"from={last_month_end:01/%m/%Y}&to={last_month_end:%d/%m/%Y}",
        "year": f"from={today - timedelta(days=364):%d/%m/%Y}&to={today:%d/%m/%Y}",
    }


def bench_pages(app: Any, picks: dict[str, Any], results: Results, rounds: int = 20) -> None:
    leader = login(app, "lanhdao")
    reception = login(app, "tiepnhan")
    public = app.test_client()
    ledger = ledger_queries()
    sample = picks["samples"][0]
    pages = (
        ("/ho-so/?tab=overdue", leader, "leader", "/ho-so/?tab=overdue", rounds, "page_overdue"),
        ("/ho-so/?tab=open", leader, "leader", "/ho-so/?tab=open", rounds, ""),
        ("/ (home)", leader, "leader", "/", rounds, "page_home"),
        ("/ho-so/<id>", leader, "leader", f"/ho-so/{picks['dossier_id']}", rounds, "page_dossier"),
        ("/tiep-nhan/", reception, "reception", "/tiep-nhan/", rounds, ""),
        (
            "/tra-cuu/<code>?k=<key>",
            public,
            "citizen",
            f"/tra-cuu/{sample['code']}?k={sample['lookup_key']}",
            rounds,
            "public_lookup",
        ),
        (
            "/in/so-theo-doi last month",
            leader,
            "leader",
            f"/in/so-theo-doi?{ledger['month']}",
            10,
            "",
        ),
        (
            "/in/so-theo-doi last 12 months",
            leader,
            "leader",
            f"/in/so-theo-doi?{ledger['year']}",
            3,
            "ledger_year",
        ),
    )
    for label, client, who, url, n, key in pages:
        client.get(url)  # templates compiled once, as in a running server
        times, response = timed(lambda c=client, u=url: c.get(u), n)
        size = len(response.get_data())
        note = f"{response.status_code}, {size / 1024:.0f} KB"
        if response.status_code != 200:
            note += " (NOT 200)"
        if "so-theo-doi" in url:
            note += f", {response.get_data(as_text=True).count('<tr') - 1} rows"
        results.add(f"GET {label} ({who})", times, note, key=key)
        if key == "ledger_year":
            results.figures["ledger_year_kb"] = round(size / 1024)


def bench_concurrent(
    app: Any, results: Results, rng: random.Random, threads: int = 8, rounds: int = 10
) -> None:
    """Waitress runs 8 threads: 8 staff at once on the worklist, then 8 receptions at once."""
    clients = [login(app, "lanhdao") for _ in range(threads)]
    lock = threading.Lock()
    times: list[float] = []

    def browse(client: Any) -> None:
        mine = []
        for _ in range(rounds):
            start = timer.perf_counter()
            status = client.get("/ho-so/?tab=overdue").status_code
            mine.append((timer.perf_counter() - start) * 1000)
            assert status == 200, status
        with lock:
            times.extend(mine)

    started = timer.perf_counter()
    workers = [threading.Thread(target=browse, args=(c,)) for c in clients]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    wall = timer.perf_counter() - started
    LAST_QUERIES[0] = float("nan")
    results.add(
        f"{threads} threads x GET /ho-so/?tab=overdue",
        times,
        f"{len(times) / wall:.0f} pages/s over {len(times)} pages",
    )

    with app.app_context():
        users = {u.username: u for u in db.session.scalars(db.select(User))}
        procs = [p for p in db.session.scalars(db.select(Procedure)) if p.active]
        docs = {p.id: [d.name for d in p.documents][:4] or ["Tờ khai theo mẫu"] for p in procs}
    rec = users["tiepnhan"]
    actor = Actor.for_user(rec, "127.0.0.1")
    inputs = []
    for _ in range(threads * 5):
        proc = rng.choice(procs)
        who = person(rng)
        inputs.append(
            ReceptionInput(
                procedure_id=proc.id,
                applicant_name=who["applicant_name"],
                id_number=who["id_number"],
                phone=who["phone"],
                address=who["address"],
                documents=[DocumentLine(name=n) for n in docs[proc.id]],
            )
        )
    times = []
    errors: list[str] = []
    codes: list[str] = []

    def counter(batch: list[ReceptionInput]) -> None:
        for data in batch:
            start = timer.perf_counter()
            try:
                code = in_request(app, lambda d=data: receive(actor, d).code)()
            except Exception as err:
                with lock:
                    errors.append(type(err).__name__ + ": " + str(err)[:80])
                continue
            elapsed = (timer.perf_counter() - start) * 1000
            with lock:
                times.append(elapsed)
                codes.append(code)

    started = timer.perf_counter()
    workers = [threading.Thread(target=counter, args=(inputs[i::threads],)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    wall = timer.perf_counter() - started
    note = f"{len(codes)} received, {len(set(codes))} distinct codes, {len(errors)} errors"
    if errors:
        note += f" (first: {errors[0]})"
    note += f", {len(codes) / wall:.0f}/s"
    LAST_QUERIES[0] = float("nan")
    results.add(f"{threads} threads x reception.receive", times or [0.0], note)


def current_rss() -> str:
    """Resident memory now (Linux /proc, or psutil), for the phases of the run."""
    try:
        import psutil  # type: ignore[import-not-found]

        return f"{psutil.Process().memory_info().rss / 1024 / 1024:.0f} MB"
    except ImportError:
        pass
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return f"{int(line.split()[1]) / 1024:.0f} MB"
    except OSError:
        pass
    return "n/a"


def peak_memory() -> str:
    try:
        import resource

        peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        if sys.platform == "darwin":
            peak_kb //= 1024
        return f"{peak_kb / 1024:.0f} MB (resource.getrusage ru_maxrss)"
    except ImportError:
        pass
    try:
        import psutil  # type: ignore[import-not-found]

        info = psutil.Process().memory_info()
        peak = getattr(info, "peak_wset", None) or info.rss
        return f"{peak / 1024 / 1024:.0f} MB (psutil)"
    except ImportError:
        return "not measured: no resource module and psutil is not installed"


# -- over HTTP: a real waitress server in its own process ------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_config(instance: str, database_url: str) -> dict[str, Any]:
    return {
        "INSTANCE_PATH": instance,
        "SECRET_KEY": "bench",
        "DATABASE_URL": database_url,
        "BACKUP_DIR": str(Path(instance) / "backups"),
        # One address plays every citizen here: the per-address limit would refuse them.
        "LOOKUP_PER_MINUTE": 1_000_000,
    }


def start_server(config: dict[str, Any]) -> tuple[subprocess.Popen[bytes], str]:
    """waitress with 8 threads (as run.py) serving the bench's database, in its own process."""
    port = free_port()
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r})\n"
        "import logging; logging.getLogger('waitress.queue').setLevel(logging.ERROR)\n"
        "from waitress import serve\n"
        "from counter import create_app\n"
        f"serve(create_app({config!r}), host='127.0.0.1', port={port}, threads=8, _quiet=True)\n"
    )
    process = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    deadline = timer.monotonic() + 120
    while timer.monotonic() < deadline:
        try:
            requests.get(url + "/dang-nhap", timeout=5)
            return process, url
        except requests.ConnectionError:
            timer.sleep(0.2)
    process.kill()
    raise SystemExit("the waitress server did not start")


def http_login(url: str, username: str) -> requests.Session:
    session = requests.Session()
    match = CSRF_RE.search(session.get(url + "/dang-nhap").text)
    assert match, "no CSRF token on the login page"
    response = session.post(
        url + "/dang-nhap",
        data={"csrf_token": match.group(1), "username": username, "password": PASSWORDS[username]},
        allow_redirects=False,
    )
    assert response.status_code == 302, f"login {username}: {response.status_code}"
    return session


def peak_kb(pid: int) -> int:
    """The process's peak resident memory so far (Linux VmHWM), in kB; 0 where unknown."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


#: What a refused page says: its first warning or error message (flash or field error).
REFUSAL_RE = re.compile(r'class="(?:flash flash-(?:warning|danger)|error)[^"]*"[^>]*>(.*?)</', re.S)


def refusal(page: str) -> str:
    """``: the message`` of a refused page, for the mix's errors; empty when none."""
    found = REFUSAL_RE.search(page)
    if found is None:
        return ""
    text = re.sub(r"<[^>]+>|\s+", " ", found.group(1)).strip()
    return f": {text[:100]}" if text else ""


def reception_form(procedure: dict[str, Any], who: dict[str, Any], token: str) -> dict[str, str]:
    """The reception form as a browser posts it (tests/web/test_reception_pages.py)."""
    data = {
        "csrf_token": token,
        "procedure_id": str(procedure["id"]),
        "applicant_kind": "person",
        "applicant_name": who["applicant_name"],
        "id_number": who["id_number"],
        "date_of_birth": who["date_of_birth"].strftime("%d/%m/%Y"),
        "address": who["address"],
        "phone": who["phone"],
        "email": "",
        "sets_count": "1",
        "channel": "counter",
        "result_delivery": "counter",
        "fee_amount": "",
        "notes": "",
        "action": "receive",
    }
    for i, (name, kind, count) in enumerate(procedure["documents"]):
        data[f"documents-{i}-received"] = "y"
        data[f"documents-{i}-name"] = name
        data[f"documents-{i}-kind"] = kind
        data[f"documents-{i}-count"] = str(count)
        data[f"documents-{i}-source"] = "catalog"
    return data


#: The realistic mix: (operation, weight). Staff mostly browse the worklists and look
#: dossiers up; receptions and citizens' look-ups come in between.
MIX = (
    ("worklist", 35),
    ("home", 10),
    ("search", 20),
    ("dossier", 15),
    ("receive", 10),
    ("public", 10),
)


def bench_http(
    config: dict[str, Any],
    picks: dict[str, Any],
    procedures: list[dict[str, Any]],
    results: Results,
    rng: random.Random,
    *,
    clients: int = 8,
    seconds: float = 30.0,
) -> None:
    """The ledger year (time, server memory) and 8 clients' realistic mix, over waitress."""
    process, url = start_server(config)
    try:
        leader = http_login(url, "lanhdao")
        leader.get(url + "/")  # warm: templates compiled, calendar cached
        before_kb = peak_kb(process.pid)
        start = timer.perf_counter()
        response = leader.get(f"{url}/in/so-theo-doi?{ledger_queries()['year']}", timeout=600)
        ledger_ms = (timer.perf_counter() - start) * 1000
        after_kb = peak_kb(process.pid)
        results.figures["ledger_year_http"] = {
            "ms": round(ledger_ms, 1),
            "status": response.status_code,
            "kb": round(len(response.content) / 1024),
            "server_peak_rss_mb": round(after_kb / 1024, 1),
            "server_peak_rss_growth_mb": round((after_kb - before_kb) / 1024, 1),
        }
        print(
            f"  GET /in/so-theo-doi last 12 months over HTTP: {ledger_ms:.0f} ms, "
            f"{len(response.content) / 1024:.0f} KB; server peak RSS {after_kb / 1024:.0f} MB "
            f"(+{(after_kb - before_kb) / 1024:.0f} MB)",
            flush=True,
        )
        # The mix runs on a fresh server: the ledger's memory is not the mix's.
        process.terminate()
        process.wait(30)
        process, url = start_server(config)
        samples = picks["samples"]
        tabs = [t for t in dossier_service.TABS]
        lock = threading.Lock()
        latencies: dict[str, list[float]] = {name: [] for name, _ in MIX}
        errors: list[str] = []
        stop_at = [0.0]

        def client(index: int) -> None:
            mine = random.Random(rng.random())
            staff = http_login(url, "tiepnhan" if index % 4 == 0 else "lanhdao")
            citizen = requests.Session()
            token = ""
            if index % 4 == 0:
                page = staff.get(url + "/tiep-nhan/").text
                token = CSRF_RE.search(page).group(1)  # type: ignore[union-attr]
            ops = [name for name, _ in MIX]
            # Two of the 8 sit at the counter: they receive, the others browse and search.
            weights = (
                [40 if n == "receive" else w for n, w in MIX] if token else [w for _, w in MIX]
            )
            while timer.perf_counter() < stop_at[0]:
                op = mine.choices(ops, weights)[0]
                if op == "receive" and not token:
                    op = "worklist"
                d = mine.choice(samples)
                start = timer.perf_counter()
                if op == "worklist":
                    r = staff.get(f"{url}/ho-so/?tab={mine.choice(tabs)}")
                elif op == "home":
                    r = staff.get(url + "/")
                elif op == "search":
                    q = mine.choice((fold(d["applicant_name"]), d["phone"], d["code"][-11:]))
                    r = staff.get(f"{url}/ho-so/tim", params={"q": q})
                elif op == "dossier":
                    r = staff.get(f"{url}/ho-so/{d['id']}")
                elif op == "public":
                    r = citizen.get(f"{url}/tra-cuu/{d['code']}", params={"k": d["lookup_key"]})
                else:
                    form = reception_form(mine.choice(procedures), person(mine), token)
                    r = staff.post(url + "/tiep-nhan/", data=form, allow_redirects=False)
                elapsed = (timer.perf_counter() - start) * 1000
                ok = r.status_code in (200, 302, 303)
                with lock:
                    latencies[op].append(elapsed)
                    if not ok:
                        errors.append(f"{op} {r.status_code}{refusal(r.text)}")

        workers = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
        started = timer.perf_counter()
        stop_at[0] = started + seconds
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        wall = timer.perf_counter() - started
    finally:
        process.terminate()
        process.wait(30)
    every = [t for times in latencies.values() for t in times]
    LAST_QUERIES[0] = float("nan")
    rate = len(every) / wall
    note = f"{rate:.1f} req/s over {len(every)} requests, {len(errors)} errors"
    if errors:
        note += f" (first: {errors[0]})"
    results.add(f"{clients} clients, realistic mix over waitress", every or [0.0], note, key="mix")
    results.figures["mix"].update(
        req_per_s=round(rate, 1),
        requests=len(every),
        errors=len(errors),
        seconds=round(wall, 1),
        by_operation={
            name: {
                "n": len(times),
                "median_ms": round(statistics.median(times), 1) if times else None,
                "p95_ms": round(sorted(times)[round(0.95 * (len(times) - 1))], 1)
                if times
                else None,
            }
            for name, times in latencies.items()
        },
    )


# -- the bare commit, and the command line's start ------------------------------------


class BareCommit:
    """One row inserted and committed, nothing else: the floor under a reception.

    SQLite: a file beside the bench's, WAL and synchronous=FULL as the app's. PostgreSQL:
    a table of the bench's database, on its own connection (fsync as the server is set).
    """

    def __init__(self, directory: str, database_url: str = "") -> None:
        self.rounds = 0
        if database_url:
            import psycopg

            dsn = database_url.replace("postgresql+psycopg://", "postgresql://")
            self.pg: Any = psycopg.connect(dsn)
            self.pg.execute("CREATE TABLE IF NOT EXISTS bench_bare (id serial PRIMARY KEY, x text)")
            self.pg.commit()
            self.lite = None
        else:
            self.pg = None
            self.lite = sqlite3.connect(Path(directory) / "bare.db", isolation_level=None)
            self.lite.execute("PRAGMA journal_mode=WAL")
            self.lite.execute("PRAGMA synchronous=FULL")
            self.lite.execute("CREATE TABLE IF NOT EXISTS bare (id INTEGER PRIMARY KEY, x TEXT)")

    def once(self) -> float:
        """One bare commit; its time in milliseconds."""
        self.rounds += 1
        start = timer.perf_counter()
        if self.pg is not None:
            self.pg.execute("INSERT INTO bench_bare (x) VALUES (%s)", (f"row {self.rounds}",))
            self.pg.commit()
        else:
            assert self.lite is not None
            self.lite.execute("BEGIN")
            self.lite.execute("INSERT INTO bare (x) VALUES (?)", (f"row {self.rounds}",))
            self.lite.execute("COMMIT")
        return (timer.perf_counter() - start) * 1000

    def close(self) -> None:
        if self.pg is not None:
            self.pg.execute("DROP TABLE bench_bare")
            self.pg.commit()
            self.pg.close()
        if self.lite is not None:
            self.lite.close()


def bare_commit_ms(directory: str, database_url: str = "", rounds: int = 50) -> dict[str, float]:
    """:class:`BareCommit` ``rounds`` times: median and p95."""
    bare = BareCommit(directory, database_url)
    try:
        return median_p95([bare.once() for _ in range(rounds)])
    finally:
        bare.close()


def median_p95(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {
        "median_ms": round(statistics.median(times), 3),
        "p95_ms": round(ordered[round(0.95 * (len(ordered) - 1))], 3),
    }


def flask_help_seconds(runs: int = 10) -> dict[str, float]:
    """``flask --app counter --help``, wall time of a whole process start: median of ``runs``.

    As on an office PC from its second start on: Python keeps the compiled modules
    (``__pycache__``), written by the first start. One untimed start writes them first,
    with ``PYTHONDONTWRITEBYTECODE`` (set on some build machines) left out; the timed
    starts read them.
    """
    flask = Path(sys.executable).with_name("flask")
    command = [str(flask)] if flask.exists() else [sys.executable, "-m", "flask"]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    times = []
    for i in range(runs + 1):
        start = timer.perf_counter()
        subprocess.run(
            [*command, "--app", "counter", "--help"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            check=True,
        )
        if i:  # the first start wrote the compiled modules
            times.append(timer.perf_counter() - start)
    return {"median_s": round(statistics.median(times), 3), "min_s": round(min(times), 3)}


# -- one database ----------------------------------------------------------------------


def reset_postgres(url: str) -> None:
    """An empty schema: the bench builds its database from nothing, as init does."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@contextlib.contextmanager
def build_settings(kind: str) -> Iterator[None]:
    """SQLite only, while building: no fsync and a big page cache (the rows are throw-away)."""
    if kind != "sqlite":
        yield
        return
    conn = db.session.connection()
    conn.exec_driver_sql("PRAGMA synchronous=OFF")
    conn.exec_driver_sql("PRAGMA cache_size=-262144")
    try:
        yield
    finally:
        db.session.commit()
        db.session.connection().exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        db.session.remove()
        db.engine.dispose()  # later connections get the app's settings again


def run_database(kind: str, database_url: str, args: Any, tmp: str) -> dict[str, Any]:
    """Build N dossiers in one database and time every operation; prints its table."""
    rng = random.Random(args.seed)
    results = Results()
    print(f"\n== {kind}: {args.dossiers} dossiers over {args.years} years ==", flush=True)
    built_file = Path(tmp) / "built.json"
    wanted = {"dossiers": args.dossiers, "years": args.years, "seed": args.seed}
    kept = json.loads(built_file.read_text()) if built_file.exists() else None
    if kept and kept["wanted"] != wanted:
        kept = None
    if kept is None:
        built_file.unlink(missing_ok=True)
        if kind == "postgresql":
            reset_postgres(database_url)
        else:
            Path(database_url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    config = server_config(tmp, database_url)
    app = create_app(config)
    gc.collect()
    started = timer.perf_counter()
    with app.app_context():
        if kept is None:
            initialize(demo=True)
            init_s = timer.perf_counter() - started
            memory = {"after init": current_rss()}
            started = timer.perf_counter()
            with build_settings(kind):
                picks = seed(
                    args.dossiers, rng, days_back=round(args.years * 365.25), progress=True
                )
            if kind == "postgresql":
                db.session.execute(text("ANALYZE"))
                db.session.commit()
            build_s = timer.perf_counter() - started
            if args.keep:  # what the next run needs to reuse these rows
                kept = {"wanted": wanted, "picks": picks, "build_s": build_s, "init_s": init_s}
                built_file.write_text(json.dumps(kept, ensure_ascii=False))
        else:  # kept from an earlier run: only this checkout's migrations are new
            upgrade()
            init_s = timer.perf_counter() - started
            print(f"reusing the {args.dossiers} dossiers kept in {tmp}; upgraded in {init_s:.1f} s")
            memory = {"after init": current_rss()}
            picks, build_s = kept["picks"], kept["build_s"]
            # New people for this run's receptions: the same seed would bring back the
            # people an earlier run received, whom reception asks to confirm as duplicates.
            newest = db.session.scalar(db.select(db.func.max(Dossier.id)))
            rng = random.Random(f"{args.seed}-{newest}")
        total = db.session.scalar(db.select(db.func.count(Dossier.id)))
        keys = dict(
            db.session.execute(
                db.select(Dossier.id, Dossier.lookup_key).where(
                    Dossier.id.in_([d["id"] for d in picks["samples"]])
                )
            ).all()
        )
        for d in picks["samples"]:
            d["lookup_key"] = keys[d["id"]]
        procedures = [
            {
                "id": p.id,
                "documents": [(d.name, d.kind, d.count) for d in p.documents],
            }
            for p in db.session.scalars(db.select(Procedure))
            if p.active
        ]
        db.session.remove()
    gc.collect()
    memory["after building"] = current_rss()
    print(
        f"init {init_s:.1f} s; built {args.dossiers} dossiers in {build_s:.1f} s "
        f"({total} in all, {picks['counts']['documents']} documents, "
        f"{picks['counts']['events']} events, {picks['counts']['audit']} audit rows)",
        flush=True,
    )
    print(f"  {'measure':<48} {'median ms':>9} {'p95 ms':>9}  note", flush=True)
    bare_beside = BareCommit(tmp, database_url if kind == "postgresql" else "")
    try:
        bench_services(app, picks, results, rng, bare_beside, rounds=args.rounds)
    finally:
        bare_beside.close()
    bench_pages(app, picks, results, rounds=args.rounds)
    if not args.no_http:
        bench_http(config, picks, procedures, results, rng, seconds=args.mix_seconds)
    bench_concurrent(app, results, rng, rounds=max(2, args.rounds // 2))
    memory["after the measures"] = current_rss()
    bare = bare_commit_ms(tmp, database_url if kind == "postgresql" else "")
    size_mb = None
    with app.app_context():
        if kind == "sqlite":
            db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
            size_mb = Path(database_url.removeprefix("sqlite:///")).stat().st_size / 1024**2
        else:
            size_mb = (
                db.session.scalar(text("SELECT pg_database_size(current_database())")) / 1024**2
            )
        db.session.remove()
        db.engine.dispose()

    print()
    print(f"{kind}: dossiers in the database: {total}")
    print(results.table())
    print(f"bare commit: median {bare['median_ms']:.2f} ms, p95 {bare['p95_ms']:.2f} ms")
    print(f"peak RSS: {peak_memory()}")
    print("RSS now: " + ", ".join(f"{k} {v}" for k, v in memory.items()))
    print(f"database: {size_mb:.1f} MB", flush=True)
    return {
        "dossiers": total,
        "rows": {
            "documents": picks["counts"]["documents"],
            "events": picks["counts"]["events"],
            "audit": picks["counts"]["audit"],
        },
        "build_s": round(build_s, 1),
        "build_dossiers_per_s": round(args.dossiers / build_s),
        "init_s": round(init_s, 1),
        "bare_commit": bare,
        "database_mb": round(size_mb, 1),
        **results.figures,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=DEFAULT_DOSSIERS, help="bulk dossiers")
    parser.add_argument("--years", type=float, default=10, help="spread over this many years")
    parser.add_argument("--seed", type=int, default=20261127, help="random seed")
    parser.add_argument("--rounds", type=int, default=20, help="runs of each timed operation")
    parser.add_argument(
        "--mix-seconds", type=float, default=30, help="length of the 8 clients' mix"
    )
    parser.add_argument("--no-http", action="store_true", help="skip the waitress measures")
    parser.add_argument(
        "--only", choices=("sqlite", "postgresql"), help="one database (default: both if set)"
    )
    parser.add_argument("--json", type=Path, help="also write the JSON line to this file")
    parser.add_argument(
        "--keep",
        type=Path,
        help="build into this folder and keep it; a later run with the same --dossiers, "
        "--years and --seed reuses the rows (PostgreSQL: the database is kept too)",
    )
    parser.add_argument(
        "--help-runs", type=int, default=10, help="flask --help starts to time (0: skip)"
    )
    args = parser.parse_args()

    pg_url = os.environ.get("COUNTER_BENCH_DATABASE_URL", "")
    out: dict[str, Any] = {
        "dossiers": args.dossiers,
        "years": args.years,
        "python": sys.version.split()[0],
        "sqlite_version": sqlite3.sqlite_version,
        "cpus": os.cpu_count(),
        "load_before": round(os.getloadavg()[0], 1) if hasattr(os, "getloadavg") else None,
    }
    if args.help_runs:
        out["flask_help"] = flask_help_seconds(args.help_runs)
        print(f"flask --app counter --help: median {out['flask_help']['median_s']:.2f} s")
    with contextlib.ExitStack() as stack:

        def folder(kind: str) -> str:
            if args.keep:
                kept = args.keep / kind
                kept.mkdir(parents=True, exist_ok=True)
                return str(kept)
            return stack.enter_context(tempfile.TemporaryDirectory(prefix=f"counter-{kind}-"))

        if args.only != "postgresql":
            tmp = folder("sqlite")
            figures = run_database("sqlite", f"sqlite:///{Path(tmp) / 'counter.db'}", args, tmp)
            out["sqlite"] = figures
        if pg_url and args.only != "sqlite":
            out["postgresql"] = run_database("postgresql", pg_url, args, folder("postgresql"))
    # Receive over the SQLite bare commit: timed alone at the end (as since the issue was
    # filed), and timed beside the receptions (the same moments of this machine).
    sqlite_figures = out.get("sqlite", {})
    floors = {
        "receive_over_bare_sqlite_commit": sqlite_figures.get("bare_commit", {}),
        "receive_over_bare_sqlite_commit_beside": sqlite_figures.get("bare_beside_receive", {}),
    }
    for key in ("sqlite", "postgresql"):
        figures = out.get(key)
        for name, bare in floors.items():
            if figures and bare.get("median_ms") and "receive" in figures:
                figures[name] = round(figures["receive"]["median_ms"] / bare["median_ms"], 1)
    if hasattr(os, "getloadavg"):
        out["load_after"] = round(os.getloadavg()[0], 1)
    line = json.dumps(out, ensure_ascii=False)
    if args.json:
        args.json.write_text(line + "\n")
    print(line)


if __name__ == "__main__":
    main()
