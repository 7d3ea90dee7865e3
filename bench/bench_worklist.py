"""Worklist tabs, their counts and the home page's numbers on a large office (issue 15).

Run from the repository root: python bench/bench_worklist.py [--dossiers N] [--years Y]

Builds a throw-away SQLite file (or, when ``COUNTER_BENCH_DATABASE_URL`` names a
PostgreSQL database, that database: its tables are dropped first), runs
``initialize(demo=True)`` (the migrations, the demo users and procedures), then inserts N
dossiers over Y years with bulk ``executemany`` (dossier rows only: the worklist reads no
other table). The row model follows bench/bench_counter.py: long-past dossiers are
mostly returned, a few were forgotten in processing (overdue for years) or wait for a
supplement; recent ones are spread over every open status. Then it times, each call in
its own app context as a request runs it (the calendar comes from the process cache):

* ``worklist_counts`` (the tab labels), the whole ``worklist`` page 1 of every tab (the
  rows, the working days left of each, the counts), page 100 of «Tất cả»;
* the «Của tôi» tab of the reception officer and of the specialist;
* the home page's numbers (``today_for``) of a leader, a reception officer, a specialist.

Prints one line per measure (median and p95 in ms) and a JSON line with every median.
The machine is shared: quote medians, and expect noise.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import statistics
import sys
import tempfile
import time as timer
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_counter import OLD_STATUSES, RECENT_STATUSES, in_request
from sqlalchemy import create_engine, insert, text

from counter import create_app
from counter.domain import clock
from counter.domain.lifecycle import Status
from counter.extensions import db
from counter.models import Dossier, Procedure, User
from counter.services import Actor
from counter.services import calendar as cal
from counter.services import dossiers as svc
from counter.services.home import today_for
from counter.services.setup import initialize

CHUNK = 5_000
# The main bench's row model: statuses by age (an old dossier is mostly returned), and
# some dossiers submitted online waiting at the counter.
OLD = OLD_STATUSES
RECENT = ((Status.SUBMITTED, 3), *RECENT_STATUSES)


def seed(count: int, years: int, rng: random.Random) -> dict[str, int]:
    """Insert ``count`` dossiers received over the last ``years`` years; statuses by age."""
    now = clock.now()
    today = clock.local_date(now)
    users = {u.username: u for u in db.session.scalars(db.select(User))}
    reception, specialist = users["tiepnhan"], users["chuyenvien"]
    procedures = [p for p in db.session.scalars(db.select(Procedure)) if p.active]
    calendar = cal.working_calendar()
    first = today - timedelta(days=365 * years)
    working = [
        first + timedelta(days=k)
        for k in range((today - first).days + 30)
        if calendar.is_working_day(first + timedelta(days=k))
    ]
    last_received = max(i for i, day in enumerate(working) if day <= today)
    next_id = (db.session.scalar(db.select(db.func.max(Dossier.id))) or 0) + 1
    statuses: dict[str, int] = {}
    rows: list[dict[str, Any]] = []

    def flush() -> None:
        db.session.execute(insert(Dossier.__table__), rows)
        rows.clear()

    old_kinds, old_weights = zip(*OLD, strict=True)
    recent_kinds, recent_weights = zip(*RECENT, strict=True)
    for n in range(count):
        index = rng.randint(0, last_received)
        day = working[index]
        minutes = rng.randint(7 * 60 + 30, 16 * 60 + 59)
        received = clock.from_local_naive(
            datetime.combine(day, time(minutes // 60, minutes % 60, rng.randint(0, 59)))
        )
        proc = rng.choice(procedures)
        span = int(proc.limit_amount) if proc.limit_unit == "working_days" else 1
        due_day = working[min(index + max(span, 1), len(working) - 1)]
        due = clock.from_local_naive(datetime.combine(due_day, time(17, 0)))
        old = due < now - timedelta(days=10)
        status = rng.choices(
            old_kinds if old else recent_kinds, old_weights if old else recent_weights
        )[0]
        statuses[status.value] = statuses.get(status.value, 0) + 1
        dossier_id = next_id + n
        name = f"Nguyễn Văn Bench {dossier_id}"
        resolved = status in (Status.RESOLVED, Status.RETURNED)
        rows.append(
            {
                "id": dossier_id,
                "code": f"BENCH-{day:%y%m%d}-{dossier_id:07d}",
                "lookup_key": secrets.token_hex(4),
                "procedure_id": proc.id,
                "status": status.value,
                "channel": "online" if status is Status.SUBMITTED else "counter",
                "applicant_kind": "person",
                "applicant_name": name,
                "id_number": f"0110{dossier_id:08d}",
                "date_of_birth": date(1980, 1, 1),
                "phone": f"09{dossier_id:08d}",
                "address": "Bản Phăng, xã Mường Phăng",
                "email": "",
                "filer_name": "",
                "filer_id_number": "",
                "filer_phone": "",
                "filer_address": "",
                "search_text": f"bench-{dossier_id} nguyen van bench 09{dossier_id:08d}",
                "sets_count": 1,
                "notes": "",
                "fee_amount": None,
                "result_delivery": "counter",
                "ledger_book": f"{day:%Y}",
                "ledger_seq": dossier_id,
                "received_at": received,
                "due_at": due,
                "original_due_at": due,
                "paused_at": received + timedelta(days=1)
                if status in (Status.SUPPLEMENT_REQUESTED, Status.AWAITING_PAYMENT)
                else None,
                "delay_count": 0,
                "resolved_at": due - timedelta(hours=3) if resolved else None,
                "timeliness": "on_time" if resolved else None,
                "returned_at": due if status is Status.RETURNED else None,
                "collected_by": "",
                "processing_unit": proc.implementing_body or "",
                "received_by_id": None if status is Status.SUBMITTED else reception.id,
                "assigned_to_id": None
                if status in (Status.SUBMITTED, Status.RECEIVED, Status.REFUSED)
                else specialist.id,
                "created_at": received,
                "updated_at": received,
                "version": 1,
            }
        )
        if len(rows) >= CHUNK:
            flush()
        if (n + 1) % 100_000 == 0:
            print(f"  {n + 1} dossiers inserted", flush=True)
    if rows:
        flush()
    db.session.commit()
    return statuses


def copy_rows(copies: int) -> None:
    """Each bench dossier ``copies`` more times, by SQL (fast on both databases)."""
    table = Dossier.__table__
    low, high = db.session.execute(
        db.select(db.func.min(Dossier.id), db.func.max(Dossier.id)).where(
            Dossier.code.like("BENCH-%")
        )
    ).one()
    names = [c.name for c in table.columns]
    for k in range(1, copies + 1):
        offset = (high - low + 1) * k
        values = {"id": f"id + {offset}", "code": f"code || '-{k}'"}
        selected = ", ".join(values.get(n, f'"{n}"' if n == "version" else n) for n in names)
        db.session.execute(
            text(
                f"INSERT INTO dossier ({', '.join(names)}) SELECT {selected} FROM dossier "
                f"WHERE id BETWEEN {low} AND {high}"
            )
        )
        db.session.commit()
        print(f"  copy {k}/{copies} made", flush=True)


def timed(fn: Callable[[], Any], rounds: int) -> tuple[list[float], list[float], Any]:
    """Wall and CPU milliseconds of each run (this process's CPU: SQLite's work, not PG's)."""
    times, cpu, result = [], [], None
    for _ in range(rounds):
        start, start_cpu = timer.perf_counter(), timer.process_time()
        result = fn()
        times.append((timer.perf_counter() - start) * 1000)
        cpu.append((timer.process_time() - start_cpu) * 1000)
    return times, cpu, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=200_000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument(
        "--database",
        type=Path,
        help="SQLite file to keep: built when missing, else reused as it is (then upgraded)",
    )
    parser.add_argument("--build-only", action="store_true", help="build, measure nothing")
    parser.add_argument(
        "--reuse", action="store_true", help="PostgreSQL: keep the database as it is (upgraded)"
    )
    parser.add_argument(
        "--copies",
        type=int,
        default=0,
        help="insert N/(copies+1) dossiers, then copy them by SQL to reach N (faster)",
    )
    args = parser.parse_args()
    rng = random.Random(args.seed)
    url = os.environ.get("COUNTER_BENCH_DATABASE_URL", "")
    with tempfile.TemporaryDirectory(prefix="counter-worklist-") as tmp:
        if url and not args.reuse:
            engine = create_engine(url)
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
            engine.dispose()
        path = args.database or Path(tmp) / "counter.db"
        reuse = args.reuse if url else path.exists()
        database = url or f"sqlite:///{path}"
        app = create_app(
            {
                "INSTANCE_PATH": tmp,
                "SECRET_KEY": "bench",
                "DATABASE_URL": database,
                "BACKUP_DIR": str(Path(tmp) / "backups"),
            }
        )
        started = timer.perf_counter()
        with app.app_context():
            initialize(demo=not reuse)  # on a kept file: the migrations only, timed
            statuses: dict[str, int] = {}
            if not reuse:
                statuses = seed(args.dossiers // (args.copies + 1), args.years, rng)
                copy_rows(args.copies)
                if url:  # autovacuum would do it soon; SQLite offices never ANALYZE
                    with db.engine.connect() as conn:
                        conn.execution_options(isolation_level="AUTOCOMMIT").execute(
                            text("VACUUM ANALYZE dossier")
                        )
            total = db.session.scalar(db.select(db.func.count(Dossier.id)))
            users = {u.username: u for u in db.session.scalars(db.select(User))}
            actors = {
                name: Actor.for_user(users[name], "127.0.0.1")
                for name in ("lanhdao", "tiepnhan", "chuyenvien")
            }
            db.session.remove()
        print(
            f"{'PostgreSQL' if url else 'SQLite'}: {total} dossiers {statuses or ''} "
            f"{'upgraded' if reuse else 'built'} in {timer.perf_counter() - started:.1f} s",
            flush=True,
        )
        if args.build_only:
            return
        figures: dict[str, float] = {}

        def measure(name: str, fn: Callable[[], Any], note: Callable[[Any], str]) -> None:
            run = in_request(app, fn)
            run()  # warm: the calendar's table, the statements' caches
            times, cpu, result = timed(run, args.rounds)
            ordered = sorted(times)
            p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
            median, median_cpu = statistics.median(times), statistics.median(cpu)
            figures[name] = round(median, 2)
            figures[f"{name} cpu"] = round(median_cpu, 2)
            print(f"  {name:<40} {median:>8.2f} {p95:>8.2f} {median_cpu:>8.2f}  {note(result)}")

        leader = actors["lanhdao"]
        print(f"  {'measure':<40} {'median':>8} {'p95':>8} {'cpu':>8}  (ms)")
        measure(
            "worklist_counts",
            lambda: svc.worklist_counts(leader),
            lambda counts: " ".join(f"{k}={v}" for k, v in counts.items()),
        )
        for tab in (svc.ONLINE, *svc.TABS):
            measure(
                f"worklist tab={tab}",
                lambda t=tab: svc.worklist(leader, tab=t),
                lambda page: f"{len(page.rows)} rows of {page.total}",
            )
        measure(
            "worklist tab=all page 100",
            lambda: svc.worklist(leader, tab="all", page=100),
            lambda page: f"page {page.page}/{page.pages}",
        )
        for who in ("tiepnhan", "chuyenvien"):
            measure(
                f"worklist tab=mine ({who})",
                lambda w=who: svc.worklist(actors[w], tab="mine"),
                lambda page: f"{len(page.rows)} rows of {page.total}",
            )
        for who in ("lanhdao", "tiepnhan", "chuyenvien"):
            measure(
                f"home numbers ({who})",
                lambda w=who: today_for(actors[w]),
                lambda today: " ".join(
                    f"{b.key}={b.count}" for s in today.sections for b in s.boxes
                ),
            )
        print(
            json.dumps(
                {"database": "postgresql" if url else "sqlite", "dossiers": total, **figures}
            )
        )
        if url:
            with app.app_context():
                db.engine.dispose()


if __name__ == "__main__":
    main()
