"""The sync to the provincial portal with a big backlog: 10,000 dossiers, time and memory.

Run from the repository root: python bench/bench_sync.py [--dossiers N] [--batch B]

Builds a throw-away instance folder with a fresh SQLite file (WAL,
synchronous=FULL, as in production), runs ``initialize(demo=True)``, queues N
received dossiers through the real event seam (``append_event`` → the outbox:
one state item and one progress entry each), starts the portal simulator in a
process of its own on 127.0.0.1, and times one ``run_sync`` that drains
everything (N dossier states, then N progress entries, B per request). It checks
that the simulator ends with every dossier and entry, and prints the time, the
requests, the throughput, the peak RSS of this process and the database size.
Target (issue 11): under 60 s for 10,000 dossiers on this machine.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from counter import create_app  # noqa: E402
from counter.extensions import db  # noqa: E402
from counter.portal import sender  # noqa: E402
from counter.services.setup import initialize  # noqa: E402
from tests.portal.helpers import bulk_dossiers, portal_state  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _peak_rss() -> str:
    try:
        import resource
    except ImportError:  # Windows
        return "n/a (no resource module)"
    return f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=50)
    args = parser.parse_args()

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    sim = subprocess.Popen(
        [sys.executable, "-m", "tools.portal_sim", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with tempfile.TemporaryDirectory() as tmp:
            instance = Path(tmp)
            app = create_app(
                {
                    "INSTANCE_PATH": str(instance),
                    "DATABASE_URL": f"sqlite:///{instance / 'counter.db'}",
                    "SECRET_KEY": "bench",
                    "PORTAL_URL": url,
                    "PORTAL_USER": "counter",
                    "PORTAL_PASSWORD": "counter",
                    "PORTAL_BATCH": args.batch,
                }
            )
            with app.app_context():
                initialize(demo=True)
                t = time.perf_counter()
                bulk_dossiers(args.dossiers)
                queued = time.perf_counter() - t
                pending = sender.counts().pending
                for _ in range(100):  # the simulator is up
                    try:
                        portal_state(url)
                        break
                    except OSError:
                        time.sleep(0.1)
                t = time.perf_counter()
                summary = sender.run_sync("bench")
                elapsed = time.perf_counter() - t
                with urllib.request.urlopen(url + "/_sim/state", timeout=60) as response:
                    state = json.loads(response.read())
                size = (instance / "counter.db").stat().st_size
                db.session.remove()
                db.engine.dispose()
    finally:
        sim.terminate()
        sim.wait(10)

    ok = summary.ok and len(state["dossiers"]) >= args.dossiers
    print(f"dossiers queued          {args.dossiers} (+ demo), in {queued:.1f} s")
    print(f"objects to send          {pending}")
    print(f"sync run                 {elapsed:.1f} s  ({summary.line()})")
    print(f"requests to the portal   {state['requests']} (batch {args.batch})")
    print(f"throughput               {pending / elapsed:.0f} objects/s")
    print(
        f"portal holds             {len(state['dossiers'])} dossiers, "
        f"{len(state['progress'])} entries"
    )
    print(f"peak RSS (this process)  {_peak_rss()}")
    print(f"database file            {size / 1024 / 1024:.1f} MB")
    print(f"target < 60 s            {'met' if ok and elapsed < 60 else 'NOT MET'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
