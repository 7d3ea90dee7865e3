"""Dossier search at scale: build N dossiers fast, time the search service, print JSON.

Usage (a database kept between runs, so that the same rows serve "before" and "after"):

    python bench/bench_search.py --url sqlite:////tmp/s.db --build 1000000
    python bench/bench_search.py --url sqlite:////tmp/s.db --upgrade   # time the migrations
    python bench/bench_search.py --url postgresql+psycopg://counter:counter@127.0.0.1/x --build 200000

``--build`` starts from an empty database (SQLite file removed, PostgreSQL schema dropped),
runs ``init --demo`` (the migrations of the code imported) and inserts N dossiers with
executemany, in chunks, with the main bench's row model (its people, and its statuses by
age: an old dossier is mostly returned), codes over ten years. Without ``--build`` the rows already there are used. Every run then times
``services.dossiers.search`` (the service, in a fresh session each time, as a request is)
for a full name typed without diacritics, a phone, an ID number, a whole code, the end of a
code, a sequence alone, and a two-letter word with a name. Run it with ``PYTHONPATH`` set to
another checkout to time that checkout's search on the same rows.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time as timer
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, text

from counter import create_app
from counter.domain import clock
from counter.domain.codes import format_dossier_code, ledger_book
from counter.domain.text import fold
from counter.extensions import db
from counter.models import Dossier, Procedure, User
from counter.services import Actor
from counter.services import dossiers as dossier_service
from counter.services.office import get_office
from counter.services.reception import search_key
from counter.services.setup import initialize

sys.path.insert(0, str(Path(__file__).parent))
from bench_counter import OLD_STATUSES, RECENT_STATUSES, person, weighted  # the bench's rows

CHUNK = 10_000
YEARS = 10


def build(url: str, count: int, rng: random.Random) -> None:
    """An empty database, ``init --demo``, then ``count`` dossiers inserted in chunks."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    app = make_app(url)
    started = timer.perf_counter()
    with app.app_context():
        initialize(demo=True)
        office = get_office()
        procedures = [p for p in db.session.scalars(db.select(Procedure)) if p.active]
        staff = list(db.session.scalars(db.select(User)))
        next_id = (db.session.scalar(db.select(db.func.max(Dossier.id))) or 0) + 1
        db.session.commit()
        per_day = max(1, count // (365 * YEARS))
        # Ending well before the demo's own dossiers (their codes are recent).
        first_day = clock.local_date(clock.now()) - timedelta(days=count // per_day + 120)
        recent = clock.to_naive_utc(clock.now()) - timedelta(days=10)
        rows: list[dict[str, Any]] = []
        for n in range(count):
            day = first_day + timedelta(days=n // per_day)
            seq = n % per_day + 1
            code = format_dossier_code(office.agency_id, day, seq)
            who = person(rng)
            received = datetime(day.year, day.month, day.day, 2, 0) + timedelta(minutes=seq)
            due = received + timedelta(days=rng.randint(1, 20))
            proc = rng.choice(procedures)
            rows.append(
                {
                    "id": next_id + n,
                    "code": code,
                    "lookup_key": f"{rng.getrandbits(40):010x}",
                    "procedure_id": proc.id,
                    "status": weighted(
                        rng, OLD_STATUSES if due < recent else RECENT_STATUSES
                    ).value,
                    "channel": "counter",
                    "applicant_kind": "person",
                    "applicant_name": who["applicant_name"],
                    "id_number": who["id_number"],
                    "date_of_birth": who["date_of_birth"],
                    "phone": who["phone"],
                    "address": who["address"],
                    "search_text": search_key(
                        code, who["applicant_name"], who["phone"], who["id_number"]
                    ),
                    "ledger_book": ledger_book(day),
                    "ledger_seq": seq,
                    "received_at": clock.from_naive_utc(received),
                    "due_at": clock.from_naive_utc(due),
                    "original_due_at": clock.from_naive_utc(due),
                    "received_by_id": rng.choice(staff).id,
                    "created_at": clock.from_naive_utc(received),
                    "updated_at": clock.from_naive_utc(received),
                }
            )
            if len(rows) == CHUNK or n == count - 1:
                db.session.execute(insert(Dossier), rows)
                db.session.commit()
                rows = []
                if (n + 1) % (CHUNK * 10) == 0 or n == count - 1:
                    took = timer.perf_counter() - started
                    print(f"  {n + 1} dossiers, {took:.0f} s", file=sys.stderr, flush=True)
        db.session.remove()
        db.engine.dispose()


def make_app(url: str) -> Any:
    instance = Path("/tmp/counter-bench-search")
    instance.mkdir(exist_ok=True)
    return create_app(
        {
            "INSTANCE_PATH": str(instance),
            "SECRET_KEY": "bench",
            "DATABASE_URL": url,
            "BACKUP_DIR": str(instance / "backups"),
        }
    )


def upgrade(url: str) -> float:
    """Migrate to the newest revision of the code imported; the seconds it took."""
    from flask_migrate import upgrade as alembic_upgrade

    from counter import extensions

    app = make_app(url)
    if hasattr(extensions, "bind_migrations"):  # bound on first use since issue 15
        extensions.bind_migrations(app)
    with app.app_context():
        started = timer.perf_counter()
        alembic_upgrade()
        took = timer.perf_counter() - started
        db.session.remove()
        db.engine.dispose()
    return took


def queries(rng: random.Random, samples: int) -> list[tuple[str, str]]:
    """What is searched for: taken from dossiers in the database (the same for every run)."""
    total = db.session.scalar(db.select(db.func.max(Dossier.id))) or 1
    picks = []
    while len(picks) < samples:
        dossier = db.session.get(Dossier, rng.randint(1, total))
        if dossier is not None:
            picks.append(dossier)
    out = []
    for i, d in enumerate(picks):
        day, seq = d.code.split("-")[-2:]
        short = [w for w in fold(d.applicant_name).split() if len(w) <= 2]
        out += [
            (f"name {i}", fold(d.applicant_name)),
            (f"phone {i}", d.phone),
            (f"id number {i}", d.id_number),
            (f"code {i}", d.code),
            (f"end of code {i}", f"{day}-{int(seq)}"),
        ]
        if short:
            out.append((f"name with 2-letter word {i}", fold(d.applicant_name)))
    out += [
        ("sequence alone", "3"),
        ("2-letter word + name", "lo thi"),
        ("partial phone", picks[0].phone[3:8]),
    ]
    return out


def measure(url: str, rounds: int, samples: int, rng: random.Random) -> dict[str, Any]:
    """Median and p95 (ms) of the search service for each query; the totals found."""
    app = make_app(url)
    figures: dict[str, Any] = {}
    with app.app_context():
        dossiers = db.session.scalar(db.select(db.func.count(Dossier.id)))
        lead = db.session.scalar(db.select(User).where(User.username == "lanhdao"))
        actor = Actor.for_user(lead, "127.0.0.1")
        asked = queries(rng, samples)
        db.session.remove()
    print(f"{dossiers} dossiers; {url.split('://')[0]}", flush=True)
    print(f"  {'search':<28} {'median ms':>9} {'p95 ms':>9} {'CPU ms':>7}  found", flush=True)
    for label, query in asked:
        times, cpu = [], []
        total = 0
        for _ in range(rounds):
            with app.app_context():
                started, cpu_started = timer.perf_counter(), timer.process_time()
                total = dossier_service.search(actor, query).total
                times.append((timer.perf_counter() - started) * 1000)
                cpu.append((timer.process_time() - cpu_started) * 1000)
                db.session.remove()
        times.sort()
        median = statistics.median(times)
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        # This process's CPU: steadier than the wall clock on a shared machine; on SQLite it
        # includes the database's work, on PostgreSQL not (the server is another process).
        cpu_ms = statistics.median(cpu)
        figures[label] = {
            "median_ms": round(median, 1),
            "p95_ms": round(p95, 1),
            "cpu_ms": round(cpu_ms, 1),
            "found": total,
        }
        print(
            f"  {label:<28} {median:>9.1f} {p95:>9.1f} {cpu_ms:>7.1f}  {total} ({query!r})",
            flush=True,
        )
    with app.app_context():
        db.engine.dispose()
    return {"dossiers": dossiers, "searches": figures}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="database URL (sqlite:///… or postgresql…)")
    parser.add_argument("--build", type=int, default=0, help="rebuild with N dossiers first")
    parser.add_argument("--upgrade", action="store_true", help="time the migrations to head")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--samples", type=int, default=3, help="dossiers whose name… is searched")
    parser.add_argument("--seed", type=int, default=20261201)
    args = parser.parse_args()
    result: dict[str, Any] = {"url": args.url.split("://")[0], "date": date.today().isoformat()}
    if args.build:
        started = timer.perf_counter()
        build(args.url, args.build, random.Random(args.seed))
        result["build_s"] = round(timer.perf_counter() - started, 1)
    if args.upgrade:
        result["upgrade_s"] = round(upgrade(args.url), 1)
        print(f"migrations to head: {result['upgrade_s']} s", flush=True)
    result.update(measure(args.url, args.rounds, args.samples, random.Random(args.seed + 1)))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
