"""Speed of the reports on a large office: the monthly report and the leaders' dashboard.

Run from the repository root: python bench/bench_reports.py [--dossiers N] [--rounds R]

Builds a throw-away SQLite database (WAL, synchronous=FULL, as in production) with
``initialize(demo=True)`` and N dossiers (default 200000) from bench_counter.py's
builder (two years of dossiers across the demo procedures and every status, with
their events), then times, each call in its own app context as a request runs it:

* ``reports.period_report`` for this month (pending counted now, as the worklist) and
  for last month (pending read from the event log at the month's end);
* ``reports.dashboard`` (today, this week, this month; by field, procedure,
  officer and channel);
* ``reports.monthly`` (the charts' 12 months), and the dashboard page's data
  (the dashboard and the charts together).

Prints one JSON line: the medians and 95th percentiles in ms and whether each
stays under the target (300 ms).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time as timer
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_counter import in_request, seed, timed

from counter import create_app
from counter.domain import clock
from counter.domain import reports as rd
from counter.extensions import db
from counter.models import Dossier
from counter.services import reports
from counter.services.setup import initialize

TARGET_MS = 300


def _stats(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {
        "median_ms": round(ordered[len(ordered) // 2], 1),
        "p95_ms": round(ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument(
        "--keep", type=Path, help="build the database at this path once, and reuse it after"
    )
    args = parser.parse_args()
    rng = random.Random(args.seed)
    out: dict[str, object] = {"dossiers": args.dossiers, "target_ms": TARGET_MS}
    with tempfile.TemporaryDirectory(prefix="counter-bench-reports-") as tmp:
        path = args.keep or Path(tmp) / "counter.db"
        built = path.exists()
        app = create_app(
            {
                "INSTANCE_PATH": tmp,
                "SECRET_KEY": "bench",
                "DATABASE_URL": f"sqlite:///{path}",
                "BACKUP_DIR": str(Path(tmp) / "backups"),
            }
        )
        started = timer.perf_counter()
        with app.app_context():
            initialize(demo=True)
            if not built:
                seed(args.dossiers, rng)
            out["in_database"] = db.session.scalar(db.select(db.func.count(Dossier.id)))
            db.session.execute(db.text("ANALYZE"))
            db.session.commit()
            db.session.remove()
        out["seed_s"] = round(timer.perf_counter() - started, 1)
        today = clock.today()
        this_month = rd.month(today.year, today.month)
        last = this_month.start - timedelta(days=1)
        last_month = rd.month(last.year, last.month)
        measures = {
            "report_this_month": lambda: reports.period_report(this_month),
            "report_last_month": lambda: reports.period_report(last_month),
            "dashboard": lambda: reports.dashboard("month"),
            "charts_12_months": lambda: reports.monthly(12),
            "dashboard_page_data": lambda: (reports.dashboard("month"), reports.monthly(12)),
        }
        for name, fn in measures.items():
            times, _result = timed(in_request(app, fn), args.rounds)
            out[name] = {**_stats(times), "under_target": _stats(times)["median_ms"] < TARGET_MS}
        with app.app_context():
            report = reports.period_report(this_month)
            out["this_month_received"] = report.total.received
            out["this_month_pending"] = report.total.pending
            db.session.remove()
            db.engine.dispose()
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
