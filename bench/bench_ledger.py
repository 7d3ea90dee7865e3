"""Speed and memory of the ledger (form 07) and its downloads on a large office.

Run from the repository root:

    python bench/bench_ledger.py [--dossiers N] [--years Y] [--keep FILE] [--rounds R]
    COUNTER_BENCH_DATABASE_URL=postgresql+psycopg://… python bench/bench_ledger.py …

Builds a throw-away database (SQLite in a temp folder, WAL and synchronous=FULL as in
production; or the PostgreSQL database named by ``--database-url`` /
``COUNTER_BENCH_DATABASE_URL``, emptied first) with ``initialize(demo=True)`` and N
dossiers (default 200000) spread evenly over the last Y years (default 10: a million
is a large ward's ten years), inserted in chunks with one executemany each. Ledger
numbers run from 1 each calendar year, as the reception service gives them.

Then each measure runs in its own fresh Python process (a big earlier request would
otherwise leave memory the next one reuses unseen), signed in as the leader through
the real login form, after one warm-up request of a single day:

* ``page_year``: the on-screen ledger for the last 12 months, first page;
* ``page_year_last``: its last page (the deepest OFFSET), when the ledger is paged;
* ``page_month``: last month's ledger, first page;
* ``print_month``: last month whole on one page, to print it (``page=all``, streamed;
  before paging, the same as ``page_month``);
* ``xlsx_year`` / ``xlsx_month``: the spreadsheet of the 12 months / last month;
* ``report_xlsx_year`` / ``report_csv_year``: the period report's files for the 12 months.

For each: time to the first byte of the body (median of R rounds), time to the last
byte, the process's CPU time for the request (steadier than the times when the machine
is shared), bytes, and the request's peak memory: the process's peak RSS (VmHWM, reset
through /proc/self/clear_refs before the request) less its RSS before, in MB; Linux
only (elsewhere the memory figures are null). Prints a table and one JSON line.
Targets (issue 15): first page ≤ 1 s and ≤ 100 MB per request at 1M, both databases.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time as timer
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select, text  # noqa: E402

from counter import create_app  # noqa: E402
from counter.domain import clock  # noqa: E402
from counter.domain.codes import format_dossier_code, ledger_book  # noqa: E402
from counter.extensions import db  # noqa: E402
from counter.models import Dossier, Procedure, User  # noqa: E402
from counter.services.office import get_office  # noqa: E402
from counter.services.reception import search_key  # noqa: E402
from counter.services.setup import initialize  # noqa: E402

CHUNK = 20_000
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PAGE_RE = re.compile(r"[?&;]page=(\d+)")
FAMILY = ("Lò", "Quàng", "Lường", "Tòng", "Cà", "Vàng", "Giàng", "Nguyễn", "Trần", "Phạm")
MIDDLE = ("Văn", "Thị", "Thị Thanh", "Minh", "Đức", "Thị Hồng", "A", "Hữu")
GIVEN = ("Panh", "Chăn", "Xuân", "Ánh", "Mỷ", "Tuấn", "Hùng", "Hương", "Hoa", "Khiêm")
BAN = ("Phăng", "Che Căn", "Khá", "Pá Trả", "Co Đứa", "Kéo", "Nghịu", "Cang", "Đông Mệt")
TARGET_FIRST_PAGE_S = 1.0
TARGET_REQUEST_MB = 100


# -- the database --------------------------------------------------------------------


def make_app(url: str, instance: str) -> Any:
    """The app on the bench database."""
    return create_app(
        {
            "INSTANCE_PATH": instance,
            "SECRET_KEY": "bench",
            "DATABASE_URL": url,
            "BACKUP_DIR": str(Path(instance) / "backups"),
        }
    )


def _status(rng: random.Random, old: bool) -> tuple[str, bool]:
    """A status and whether the result was returned, for a dossier old or recent."""
    roll = rng.random()
    if old:
        table = ((0.90, "returned"), (0.93, "resolved"), (0.95, "withdrawn"), (0.97, "refused"))
        fallback = "in_progress"
    else:
        table = ((0.25, "received"), (0.60, "in_progress"), (0.65, "supplement_requested"))
        table += ((0.80, "resolved"),)
        fallback = "returned"
    status = next((s for limit, s in table if roll < limit), fallback)
    return status, status == "returned"


def build(count: int, years: int, rng: random.Random) -> int:
    """Bulk-insert ``count`` dossiers over the last ``years`` years; returns the rows made."""
    office = get_office()
    reception = db.session.scalar(select(User).where(User.username == "tiepnhan"))
    procedures = [
        (p.id, p.implementing_body or "", p.name)
        for p in db.session.scalars(select(Procedure).where(Procedure.active.is_(True)))
    ]
    today = clock.today()
    first = today - timedelta(days=365 * years)
    days = [first + timedelta(days=k) for k in range((today - first).days)]
    days = [d for d in days if d.weekday() < 5]
    per_day = count / len(days)
    now = clock.now()
    next_id = (db.session.scalar(select(func.max(Dossier.id))) or 0) + 1
    ledger: dict[str, int] = {}
    rows: list[dict[str, Any]] = []
    made, owed = 0, 0.0
    started = timer.perf_counter()
    for day in days:
        owed += per_day
        n = min(int(owed), count - made)
        owed -= n
        minutes = sorted(rng.randint(7 * 60 + 30, 16 * 60 + 59) for _ in range(n))
        for seq, minute in enumerate(minutes, start=5000):  # clear of the demo's codes
            received = clock.from_local_naive(
                datetime.combine(day, time(minute // 60, minute % 60))
            )
            proc_id, body, _name = rng.choice(procedures)
            due = received + timedelta(days=rng.choice((0, 3, 5, 7, 15)))
            status, returned = _status(rng, due < now - timedelta(days=10))
            book = ledger_book(day)
            ledger[book] = ledger.get(book, 0) + 1
            name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
            phone = f"09{rng.randint(0, 99_999_999):08d}"
            code = format_dossier_code(office.agency_id, day, seq)
            back = min(now, due - timedelta(hours=rng.randint(0, 48))) if returned else None
            rows.append(
                {
                    "id": next_id,
                    "code": code,
                    "lookup_key": f"K{next_id % 99999:05d}",
                    "procedure_id": proc_id,
                    "status": status,
                    "channel": "counter",
                    "applicant_kind": "person",
                    "applicant_name": name,
                    "id_number": f"0112{rng.randint(0, 99_999_999):08d}",
                    "phone": phone,
                    "address": f"Bản {rng.choice(BAN)}, xã Mường Phăng, tỉnh Điện Biên",
                    "email": "",
                    "filer_name": "",
                    "filer_id_number": "",
                    "filer_phone": "",
                    "filer_address": "",
                    "search_text": search_key(code, name, phone),
                    "sets_count": 1,
                    "notes": "",
                    "result_delivery": "counter" if rng.random() < 0.95 else "post",
                    "ledger_book": book,
                    "ledger_seq": ledger[book],
                    "received_at": received,
                    "due_at": due,
                    "original_due_at": due,
                    "delay_count": 0,
                    "resolved_at": back,
                    "returned_at": back,
                    "collected_by": name if returned else "",
                    "processing_unit": body,
                    "received_by_id": reception.id,
                    "created_at": received,
                    "updated_at": received,
                    "version": 1,
                }
            )
            next_id += 1
            made += 1
            if len(rows) >= CHUNK:
                db.session.execute(insert(Dossier.__table__), rows)
                db.session.commit()
                rows.clear()
                print(f"  {made} dossiers, {timer.perf_counter() - started:.0f} s", flush=True)
    if rows:
        db.session.execute(insert(Dossier.__table__), rows)
        db.session.commit()
    return made


def prepare(url: str, instance: str, args: argparse.Namespace) -> dict[str, Any]:
    """Make (or reuse) the bench database; its figures."""
    app = make_app(url, instance)
    out: dict[str, Any] = {}
    with app.app_context():
        fresh = not url.startswith("sqlite") or not args.reuse
        if url.startswith("postgresql") and fresh:
            db.session.execute(text("DROP SCHEMA public CASCADE"))
            db.session.execute(text("CREATE SCHEMA public"))
            db.session.commit()
        started = timer.perf_counter()
        initialize(demo=True)
        has = db.session.scalar(select(func.count(Dossier.id)))
        if has < args.dossiers:
            out["built"] = build(args.dossiers, args.years, random.Random(args.seed))
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        out["build_s"] = round(timer.perf_counter() - started, 1)
        out["in_database"] = db.session.scalar(select(func.count(Dossier.id)))
        db.session.remove()
        db.engine.dispose()
    return out


# -- one measure, in its own process ------------------------------------------------------


def _rss_kb(key: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def login(app: Any, username: str, password: str) -> Any:
    """A test client signed in through the real login form."""
    client = app.test_client()
    page = client.get("/dang-nhap").get_data(as_text=True)
    token = CSRF_RE.search(page)
    assert token, "no CSRF token on the login page"
    resp = client.post(
        "/dang-nhap",
        data={"csrf_token": token.group(1), "username": username, "password": password},
    )
    assert resp.status_code == 302, f"login {username}: {resp.status_code}"
    return client


def fetch(client: Any, url: str) -> dict[str, Any]:
    """One request read as a browser reads it: first byte, last byte, size, peak memory."""
    before = _rss_kb("VmRSS")
    peak_ok = _reset_peak()
    started = timer.perf_counter()
    cpu = timer.process_time()
    resp = client.get(url, buffered=False)
    first = None
    size = 0
    head = b""
    for chunk in resp.response:
        if first is None and chunk:
            first = timer.perf_counter() - started
        if len(head) < 200_000:
            head += chunk[:200_000]
        size += len(chunk)
    resp.close()
    last = timer.perf_counter() - started
    cpu = timer.process_time() - cpu
    peak = _rss_kb("VmHWM") if peak_ok else None
    assert resp.status_code == 200, f"{url}: {resp.status_code}"
    return {
        "first_s": first if first is not None else last,
        "last_s": last,
        "cpu_s": cpu,
        "bytes": size,
        "peak_mb": round((peak - before) / 1024, 1) if peak and before else None,
        "rss_mb": round(peak / 1024, 1) if peak else None,
        "head": head,
    }


def periods() -> dict[str, tuple[date, date]]:
    """The last 12 months (to today) and last month."""
    today = clock.today()
    last_month_end = today.replace(day=1) - timedelta(days=1)
    return {
        "year": (today - timedelta(days=364), today),
        "month": (last_month_end.replace(day=1), last_month_end),
        "day": (last_month_end, last_month_end),
    }


def urls() -> dict[str, str]:
    """Each measure's address (the last page is found from the first)."""
    p = {k: f"from={a:%d/%m/%Y}&to={b:%d/%m/%Y}" for k, (a, b) in periods().items()}
    iso = {k: f"from={a.isoformat()}&to={b.isoformat()}" for k, (a, b) in periods().items()}
    return {
        "page_year": f"/in/so-theo-doi?{p['year']}",
        "page_year_last": f"/in/so-theo-doi?{p['year']}",
        "page_month": f"/in/so-theo-doi?{p['month']}",
        "print_month": f"/in/so-theo-doi?{p['month']}&page=all",
        "xlsx_year": f"/in/so-theo-doi/tai-ve.xlsx?{p['year']}",
        "xlsx_month": f"/in/so-theo-doi/tai-ve.xlsx?{p['month']}",
        "report_xlsx_year": f"/bao-cao/tai-ve.xlsx?{iso['year']}",
        "report_csv_year": f"/bao-cao/tai-ve.csv?{iso['year']}",
        "warm_up": f"/in/so-theo-doi?{p['day']}",
    }


def measure(name: str, url_db: str, instance: str, rounds: int) -> dict[str, Any]:
    """Run one measure ``rounds`` times after a warm-up; memory from the first round."""
    app = make_app(url_db, instance)
    client = login(app, "lanhdao", "lanhdao123")
    address = urls()[name]
    fetch(client, urls()["warm_up"])
    if name == "page_year_last":
        head = fetch(client, address)["head"].decode("utf-8", "replace")
        pages = [int(n) for n in PAGE_RE.findall(head)]
        if not pages:
            return {"skipped": "the ledger is not paged"}
        address += f"&page={max(pages)}"
    runs = [fetch(client, address) for _ in range(rounds)]
    with app.app_context():
        db.engine.dispose()
    return {
        "first_ms": round(statistics.median(r["first_s"] for r in runs) * 1000, 1),
        "last_ms": round(statistics.median(r["last_s"] for r in runs) * 1000, 1),
        "cpu_ms": round(statistics.median(r["cpu_s"] for r in runs) * 1000, 1),
        "bytes": runs[0]["bytes"],
        "peak_mb": runs[0]["peak_mb"],
        "rss_mb": runs[0]["rss_mb"],
        "rounds": rounds,
    }


MEASURES = (
    "page_year",
    "page_year_last",
    "page_month",
    "print_month",
    "xlsx_year",
    "xlsx_month",
    "report_xlsx_year",
    "report_csv_year",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=200_000)
    parser.add_argument("--years", type=int, default=10, help="years the dossiers span")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument(
        "--keep", type=Path, help="SQLite: build the database at this path once, reuse it after"
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("COUNTER_BENCH_DATABASE_URL", ""),
        help="a PostgreSQL database to use (emptied first) instead of SQLite",
    )
    parser.add_argument("--only", nargs="*", choices=MEASURES, help="these measures only")
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # the child process
    parser.add_argument("--instance", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.measure:
        result = measure(args.measure, args.database_url, args.instance, args.rounds)
        print(json.dumps(result))
        return

    with tempfile.TemporaryDirectory(prefix="counter-bench-ledger-") as tmp:
        if args.database_url:
            url = args.database_url
            args.reuse = False
        else:
            path = args.keep or Path(tmp) / "counter.db"
            args.reuse = path.exists()
            url = f"sqlite:///{path}"
        out: dict[str, Any] = {
            "database": url.split(":", 1)[0].split("+")[0],
            "dossiers": args.dossiers,
            "years": args.years,
        }
        out.update(prepare(url, tmp, args))
        a, b = periods()["year"]
        print(f"{out['in_database']} dossiers; the 12 months {a:%d/%m/%Y}–{b:%d/%m/%Y}")
        print(
            f"{'measure':<18} {'first ms':>9} {'last ms':>9} {'CPU ms':>9} {'MB out':>8} "
            f"{'peak MB':>8}"
        )
        for name in args.only or MEASURES:
            child = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--measure",
                    name,
                    "--database-url",
                    url,
                    "--instance",
                    tmp,
                    "--rounds",
                    str(args.rounds),
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            if child.returncode != 0:
                out[name] = {"error": child.stderr.strip().splitlines()[-1:]}
                print(f"{name:<18} failed: {child.stderr.strip()[-2000:]}")
                continue
            result = json.loads(child.stdout.strip().splitlines()[-1])
            out[name] = result
            if "skipped" in result:
                print(f"{name:<18} skipped: {result['skipped']}")
                continue
            print(
                f"{name:<18} {result['first_ms']:>9.1f} {result['last_ms']:>9.1f} "
                f"{result['cpu_ms']:>9.1f} "
                f"{result['bytes'] / 1e6:>8.2f} "
                f"{float('nan') if result['peak_mb'] is None else result['peak_mb']:>8.1f}"
            )
        year = out.get("page_year", {})
        out["targets"] = {
            "first_page_s": TARGET_FIRST_PAGE_S,
            "request_mb": TARGET_REQUEST_MB,
            "page_year_met": bool(year.get("first_ms"))
            and year["first_ms"] <= TARGET_FIRST_PAGE_S * 1000,
            "memory_met": all(
                (v.get("peak_mb") or 0) <= TARGET_REQUEST_MB
                for v in out.values()
                if isinstance(v, dict) and "peak_mb" in v
            ),
        }
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
