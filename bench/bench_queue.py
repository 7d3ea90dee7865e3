"""Speed of the local queue: a ticket, a call, a display poll; then a busy morning's load.

Run from the repository root: python bench/bench_queue.py [--rounds N] [--load-seconds S]
[--profile N] [--in-process-only]

Builds a throw-away instance folder with a fresh SQLite file (WAL, synchronous=FULL),
runs ``initialize(demo=True)``, opens the office all day (so the kiosk issues now),
adds three counters and officers to the demo's two, then measures:

* **in-process** (the Flask test client, no network): the kiosk's POST (issue a
  ticket), the counter's «Gọi số tiếp theo» POST (call next; it also finishes the
  ticket being served, as at a real counter), the board's poll answered 200 (JSON)
  and answered 304 (``If-None-Match``). The kiosk takes numbers of counter 1's services,
  so each call finds one waiting. Latency median and p95, and CPU per request
  (``time.process_time`` around each request): mean, median and p95.
  Two more rows, ``floor_kiosk`` and ``floor_counter``: the same two POSTs through
  routes of the bench's own that do everything but the service (rate limit, CSRF,
  sign-in and role, the redirect): the part no service change can save.
  ``--profile N`` runs them under cProfile and prints the N first functions of each by
  cumulative time (the profiler's own cost inflates the times: read the shares).
* **over HTTP**: the same four against waitress (8 threads, as ``run.py``) in a
  process of its own on 127.0.0.1; latency as the client sees it, CPU per request as
  the server's process CPU clock (``clock_getcpuclockid``; /proc ticks elsewhere) over
  each request, summed and divided by the requests.
* **load**: 20 displays polling every second with their ETag, 5 counter pages
  polling their lists every 2 s, 5 counters each calling the next ticket (then
  starting it, the page loaded after each) every ``--call-every`` seconds (default 10: a call every 2 s in all,
  a very busy morning), and the kiosk issuing a ticket every ``--ticket-every``
  seconds (default 5), for ``--load-seconds`` (default 20): the server's CPU as a
  percentage of one core.

Targets (issue 13): ticket and call next ≤ 3 ms CPU, a 304 poll ≤ 1 ms CPU, the load
under 10 % of one core; ``met`` compares the CPU medians, in-process and over HTTP. The
last line printed is one JSON object with every figure and the machine's load average
before and after (other jobs' load inflates CPU times too).
"""

from __future__ import annotations

import argparse
import cProfile
import ctypes
import ctypes.util
import json
import os
import pstats
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time as timer
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from counter import create_app  # noqa: E402
from counter.extensions import db  # noqa: E402
from counter.models import QueueCounter, QueueService, User  # noqa: E402
from counter.services.accounts import hash_password  # noqa: E402
from counter.services.setup import initialize  # noqa: E402
from tests.web.test_queue_pages import open_all_day_today  # noqa: E402

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PASSWORD = "benchmark-pass-1"
#: The demo's two counters, and three more serving every service.
OFFICERS = ("tiepnhan", "kiemnhiem", "quay3", "quay4", "quay5")
TARGETS = {"ticket": 3.0, "call_next": 3.0, "poll_304": 1.0, "load_pct": 10.0}

SERVER = """
import sys
from waitress import serve
from counter import create_app
app = create_app({config!r})
serve(app, host="127.0.0.1", port={port}, threads=8, channel_timeout=30, _quiet=True)
"""


# -- set-up ------------------------------------------------------------------------


def config(instance: Path) -> dict[str, Any]:
    return {
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": f"sqlite:///{instance / 'counter.db'}",
        "SECRET_KEY": "bench-secret",
        "BACKUP_DIR": str(instance / "backups"),
        "KIOSK_PER_MINUTE": 10**9,  # the bench is one address taking thousands of numbers
    }


def prepare(instance: Path) -> None:
    """A demo database, open all day, with five counters and their officers."""
    app = create_app(config(instance))
    with app.app_context():
        initialize(demo=True)
        open_all_day_today()
        services = list(db.session.scalars(db.select(QueueService)))
        for number, username in enumerate(OFFICERS[2:], start=3):
            db.session.add(
                User(
                    username=username,
                    full_name=f"Cán bộ quầy {number}",
                    roles={"reception"},
                    password_hash=hash_password(PASSWORD),
                    must_change_password=False,
                )
            )
            db.session.add(QueueCounter(number=number, name="", services=services))
        for username in OFFICERS[:2]:
            user = db.session.scalar(db.select(User).where(User.username == username))
            user.password_hash = hash_password(PASSWORD)
            user.must_change_password = False
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def ids(app: Any) -> tuple[list[int], dict[int, int]]:
    """Service ids, and counter number → id."""
    with app.app_context():
        services = list(db.session.scalars(db.select(QueueService.id)))
        counters = {c.number: c.id for c in db.session.scalars(db.select(QueueCounter))}
        db.session.remove()
    return services, counters


# -- figures -----------------------------------------------------------------------


def p95(values: list[float]) -> float:
    """The 95th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def summary(latencies: list[float], cpu: list[float]) -> dict[str, float]:
    """Median and p95 latency, mean, median and p95 CPU per request, in milliseconds."""
    return {
        "n": len(latencies),
        "median_ms": round(statistics.median(latencies), 3),
        "p95_ms": round(p95(latencies), 3),
        "cpu_ms": round(sum(cpu) / len(cpu), 3),
        "cpu_median_ms": round(statistics.median(cpu), 3),
        "cpu_p95_ms": round(p95(cpu), 3),
    }


def show(kind: str, name: str, figures: dict[str, float]) -> None:
    print(
        f"  {kind:<10} {name:<13} {figures['n']:>5} {figures['median_ms']:>9.2f} "
        f"{figures['p95_ms']:>9.2f} {figures['cpu_ms']:>9.3f} {figures['cpu_median_ms']:>9.3f} "
        f"{figures['cpu_p95_ms']:>9.3f}",
        flush=True,
    )


# -- in-process --------------------------------------------------------------------


def add_floors(app: Any) -> None:
    """Two routes of the bench's own: the kiosk's POST and the counter's «Gọi số tiếp theo»
    with everything the app does around the service (rate limit, CSRF, sign-in and role,
    the «Mời số …» flash, the redirect) but the service: what no service can save."""
    from flask import redirect, request, url_for

    from counter.web import PUBLIC_ENDPOINTS, actor, roles_required
    from counter.web.forms import CounterForm, refused_post
    from counter.web.inputs import to_id
    from counter.web.kiosk import TakeForm, _too_many

    @app.post("/_bench/lay-so")
    def bench_kiosk_floor() -> Any:
        if _too_many() or refused_post(TakeForm) is not None:
            raise AssertionError("refused")
        to_id(str(request.form.get("service") or ""))
        return redirect(url_for("kiosk.ticket", ticket_id=1))

    @app.post("/_bench/quay/<int:counter_id>/goi")
    @roles_required("reception")
    def bench_counter_floor(counter_id: int) -> Any:
        if refused_post(CounterForm) is not None:
            raise AssertionError("refused")
        actor()  # the page says «Mời số …» from its ticket: the call flashes nothing
        return redirect(url_for("queue.counter", counter_id=counter_id))

    PUBLIC_ENDPOINTS.add("bench_kiosk_floor")


def in_process(instance: Path, rounds: int, profile: int = 0) -> dict[str, dict[str, float]]:
    app = create_app(config(instance))
    add_floors(app)
    _services, counters = ids(app)
    with app.app_context():
        # the tickets are for counter 1's services (A and C): every call finds one waiting
        served = [s.id for s in db.session.get(QueueCounter, counters[1]).services]
        db.session.remove()
    kiosk = app.test_client()
    token = CSRF_RE.search(kiosk.get("/lay-so/").get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    officer = app.test_client()
    login_page = officer.get("/dang-nhap").get_data(as_text=True)
    officer.post(
        "/dang-nhap",
        data={
            "csrf_token": CSRF_RE.search(login_page).group(1),  # type: ignore[union-attr]
            "username": OFFICERS[0],
            "password": PASSWORD,
        },
    )
    counter_id = counters[1]
    page = officer.get("/quay/").get_data(as_text=True)
    staff_token = CSRF_RE.search(page).group(1)  # type: ignore[union-attr]
    officer.post(f"/quay/{counter_id}/mo", data={"csrf_token": staff_token})
    board = app.test_client()

    def measure(
        run: Callable[[int], Any], between: Callable[[int], Any] | None = None, name: str = ""
    ) -> Any:
        latencies, cpu = [], []
        profiler = cProfile.Profile(timer.process_time) if profile else None
        for i in range(rounds):
            wall, used = timer.perf_counter(), timer.process_time()
            if profiler is not None:
                profiler.enable()
            run(i)
            if profiler is not None:
                profiler.disable()
            cpu.append((timer.process_time() - used) * 1000)
            latencies.append((timer.perf_counter() - wall) * 1000)
            if between is not None:
                between(i)
        if profiler is not None:
            print(f"  -- profile: {name} (CPU under the profiler; its shares, not its ms) --")
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(profile)
        return summary(latencies, cpu)

    out: dict[str, dict[str, float]] = {}
    out["ticket"] = measure(
        lambda i: kiosk.post(
            "/lay-so/",
            data={"csrf_token": token, "service": served[i % len(served)], "priority": ""},
        ),
        name="ticket",
    )
    current: list[int] = []

    def call(_i: int) -> None:
        response = officer.post(f"/quay/{counter_id}/goi", data={"csrf_token": staff_token})
        assert response.status_code == 302, response.status_code

    def start(_i: int) -> None:
        # the ticket just called: start serving it, so the next call may come (not measured)
        with app.app_context():
            from counter.services import queue as q

            ticket = q.current_ticket(counter_id)
            assert ticket is not None, "nobody waited"
            current.append(ticket.id)
            db.session.remove()
        officer.post(f"/quay/so/{current[-1]}/bat-dau", data={"csrf_token": staff_token})
        # the page after the redirect, as the browser loads it: it shows (and clears) the
        # flashed «Mời số …», which would otherwise pile up in the session cookie
        officer.get(f"/quay/{counter_id}")

    out["call_next"] = measure(call, start, name="call next")
    out["floor_kiosk"] = measure(
        lambda i: kiosk.post(
            "/_bench/lay-so", data={"csrf_token": token, "service": served[0], "priority": ""}
        ),
        name="the kiosk's POST without its service",
    )
    out["floor_counter"] = measure(
        lambda i: officer.post(f"/_bench/quay/{counter_id}/goi", data={"csrf_token": staff_token}),
        lambda i: officer.get(f"/quay/{counter_id}"),  # shows (and clears) the flash
        name="call next's POST without its service",
    )
    tag = board.get("/man-hinh/trang-thai").headers["ETag"]
    out["poll_200"] = measure(lambda i: board.get("/man-hinh/trang-thai"), name="poll 200")
    out["poll_304"] = measure(
        lambda i: board.get("/man-hinh/trang-thai", headers={"If-None-Match": tag}),
        name="poll 304",
    )
    assert board.get("/man-hinh/trang-thai", headers={"If-None-Match": tag}).status_code == 304
    for name, figures in out.items():
        show("in-process", name, figures)
    with app.app_context():
        db.engine.dispose()
    return out


# -- over HTTP ---------------------------------------------------------------------


class ServerClock:
    """The server process's CPU time in seconds: its CPU clock, else /proc ticks."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.clock_id: int | None = None
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        clock = ctypes.c_int()
        if hasattr(libc, "clock_getcpuclockid") and not libc.clock_getcpuclockid(
            pid, ctypes.byref(clock)
        ):
            self.clock_id = clock.value
        self.tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

    def __call__(self) -> float:
        if self.clock_id is not None:
            return timer.clock_gettime(self.clock_id)
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / self.tick


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(instance: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    code = SERVER.format(config=config(instance), port=port)
    process = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            requests.get(url + "/man-hinh/trang-thai", timeout=1)
            return process, url
        except requests.ConnectionError:
            timer.sleep(0.05)
    process.kill()
    raise SystemExit("the server did not start")


def http_login(url: str, username: str) -> tuple[requests.Session, str]:
    session = requests.Session()
    page = session.get(url + "/dang-nhap").text
    token = CSRF_RE.search(page).group(1)  # type: ignore[union-attr]
    response = session.post(
        url + "/dang-nhap",
        data={"csrf_token": token, "username": username, "password": PASSWORD},
        allow_redirects=False,
    )
    assert response.status_code == 302, f"login {username}: {response.status_code}"
    staff = session.get(url + "/quay/").text
    return session, CSRF_RE.search(staff).group(1)  # type: ignore[union-attr]


def over_http(url: str, cpu_clock: ServerClock, app: Any, rounds: int) -> dict[str, Any]:
    services, counters = ids(app)
    kiosk = requests.Session()
    token = CSRF_RE.search(kiosk.get(url + "/lay-so/").text).group(1)  # type: ignore[union-attr]
    officer, staff_token = http_login(url, OFFICERS[1])
    counter_id = counters[2]
    officer.post(
        f"{url}/quay/{counter_id}/mo", data={"csrf_token": staff_token}, allow_redirects=False
    )
    board = requests.Session()

    def measure(run: Callable[[int], Any], between: Callable[[int], Any] | None = None) -> Any:
        latencies, cpu = [], []
        for i in range(rounds):
            used, wall = cpu_clock(), timer.perf_counter()
            run(i)
            latencies.append((timer.perf_counter() - wall) * 1000)
            cpu.append((cpu_clock() - used) * 1000)
            if between is not None:
                between(i)
        return summary(latencies, cpu)

    out: dict[str, Any] = {}

    def take(i: int) -> None:
        response = kiosk.post(
            url + "/lay-so/",
            data={"csrf_token": token, "service": services[1 + i % 2], "priority": ""},
            allow_redirects=False,
        )
        assert response.status_code == 302, response.status_code

    out["ticket"] = measure(take)

    def call(_i: int) -> None:
        response = officer.post(
            f"{url}/quay/{counter_id}/goi", data={"csrf_token": staff_token}, allow_redirects=False
        )
        assert response.status_code == 302, response.status_code

    def start(_i: int) -> None:
        with app.app_context():
            from counter.services import queue as q

            ticket = q.current_ticket(counter_id)
            assert ticket is not None, "nobody waited"
            ticket_id = ticket.id
            db.session.remove()
        officer.post(f"{url}/quay/so/{ticket_id}/bat-dau", data={"csrf_token": staff_token})

    out["call_next"] = measure(call, start)
    tag = board.get(url + "/man-hinh/trang-thai").headers["ETag"]
    out["poll_200"] = measure(lambda i: board.get(url + "/man-hinh/trang-thai"))

    def poll_304(_i: int) -> None:
        response = board.get(url + "/man-hinh/trang-thai", headers={"If-None-Match": tag})
        assert response.status_code == 304, response.status_code

    out["poll_304"] = measure(poll_304)
    for name, figures in out.items():
        show("http", name, figures)
    return out


def load(
    url: str,
    cpu_clock: ServerClock,
    app: Any,
    seconds: float,
    call_every: float = 10.0,
    ticket_every: float = 5.0,
) -> dict[str, Any]:
    """20 displays, 5 counter pages, 5 counters calling and a kiosk, for ``seconds``."""
    services, counters = ids(app)
    stop = threading.Event()
    counts: dict[str, int] = {"poll_200": 0, "poll_304": 0, "lists": 0, "call": 0, "ticket": 0}
    errors: list[str] = []
    lock = threading.Lock()

    def add(key: str) -> None:
        with lock:
            counts[key] += 1

    def every(period: float, step: Callable[[], None], offset: float) -> None:
        next_at = timer.monotonic() + offset
        while not stop.is_set():
            stop.wait(max(0.0, next_at - timer.monotonic()))
            if stop.is_set():
                return
            try:
                step()
            except Exception as err:  # counted and shown
                errors.append(repr(err))
            next_at += period

    def display() -> Callable[[], None]:
        session, tag = requests.Session(), [""]

        def step() -> None:
            response = session.get(
                url + "/man-hinh/trang-thai", headers={"If-None-Match": tag[0]} if tag[0] else {}
            )
            if response.status_code == 200:
                tag[0] = response.headers["ETag"]
            add("poll_200" if response.status_code == 200 else "poll_304")

        return step

    def kiosk() -> Callable[[], None]:
        session = requests.Session()
        token = CSRF_RE.search(session.get(url + "/lay-so/").text).group(1)  # type: ignore[union-attr]
        n = [0]

        def step() -> None:
            n[0] += 1
            session.post(
                url + "/lay-so/",
                data={"csrf_token": token, "service": services[n[0] % 3], "priority": ""},
                allow_redirects=False,
            )
            add("ticket")

        return step

    workers: list[tuple[float, Callable[[], None], float]] = []
    for number, username in enumerate(OFFICERS, start=1):
        session, token = http_login(url, username)
        counter_id = counters[number]
        session.post(
            f"{url}/quay/{counter_id}/mo", data={"csrf_token": token}, allow_redirects=False
        )
        tag = [""]

        def lists(session: Any = session, counter_id: int = counter_id, tag: Any = tag) -> None:
            response = session.get(
                f"{url}/quay/{counter_id}/danh-sach",
                headers={"If-None-Match": tag[0]} if tag[0] else {},
            )
            if response.status_code == 200:
                tag[0] = response.headers["ETag"]
            add("lists")

        def call(session: Any = session, counter_id: int = counter_id, token: str = token) -> None:
            session.post(f"{url}/quay/{counter_id}/goi", data={"csrf_token": token})
            with app.app_context():
                from counter.services import queue as q

                ticket = q.current_ticket(counter_id)
                ticket_id = ticket.id if ticket is not None else None
                db.session.remove()
            if ticket_id is not None:  # the officer's browser loads the page after each
                session.post(f"{url}/quay/so/{ticket_id}/bat-dau", data={"csrf_token": token})
            add("call")

        workers.append((2.0, lists, number * 0.37))
        workers.append((call_every, call, number * call_every / len(OFFICERS)))
    workers.extend((1.0, display(), k * 0.05) for k in range(20))
    workers.append((ticket_every, kiosk(), 0.0))
    threads = [threading.Thread(target=every, args=worker, daemon=True) for worker in workers]
    used, wall = cpu_clock(), timer.monotonic()
    for thread in threads:
        thread.start()
    timer.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=10)
    elapsed = timer.monotonic() - wall
    cpu = cpu_clock() - used
    # a call is four requests: call next, start, and the counter page after each
    requests_done = sum(counts.values()) + 3 * counts["call"]
    out = {
        "seconds": round(elapsed, 1),
        "call_every": call_every,
        "ticket_every": ticket_every,
        "server_cpu_pct": round(100 * cpu / elapsed, 2),
        "requests": requests_done,
        "cpu_ms_per_request": round(1000 * cpu / max(1, requests_done), 3),
        "errors": len(errors),
        **counts,
    }
    print(f"  load: {json.dumps(out)}", flush=True)
    if errors:
        print("  first errors:", errors[:3])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--load-seconds", type=float, default=20.0)
    parser.add_argument("--call-every", type=float, default=10.0)
    parser.add_argument("--ticket-every", type=float, default=5.0)
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="profile the in-process requests (cProfile): the N first functions by cumulative time",
    )
    parser.add_argument(
        "--in-process-only", action="store_true", help="skip the HTTP part and the load"
    )
    args = parser.parse_args()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-queue-") as folder:
        base = Path(folder)
        (base / "a").mkdir()
        prepare(base / "a")
        print(
            f"  {'':<10} {'request':<13} {'n':>5} {'median ms':>9} {'p95 ms':>9} {'CPU ms':>9} "
            f"{'CPU med':>9} {'CPU p95':>9}"
        )
        inside = in_process(base / "a", args.rounds, args.profile)
        http: dict[str, Any] = {}
        busy: dict[str, Any] = {}
        if not args.in_process_only:
            (base / "b").mkdir()
            prepare(base / "b")
            process, url = start_server(base / "b")
            try:
                cpu_clock = ServerClock(process.pid)
                app = create_app(config(base / "b"))
                http = over_http(url, cpu_clock, app, args.rounds)
                busy = load(
                    url, cpu_clock, app, args.load_seconds, args.call_every, args.ticket_every
                )
            finally:
                process.terminate()
                process.wait(timeout=10)
    met = {
        f"in_process_{name}": inside[name]["cpu_median_ms"] <= TARGETS[name]
        for name in ("ticket", "call_next", "poll_304")
    }
    if http:
        met.update(
            {
                f"http_{name}": http[name]["cpu_median_ms"] <= TARGETS[name]
                for name in ("ticket", "call_next", "poll_304")
            }
        )
        met["load"] = busy["server_cpu_pct"] < TARGETS["load_pct"]
    result = {
        "bench": "queue",
        # the machine's load average (1, 5, 15 min) before and after: CPU times grow with it
        "load_average": [list(load_before), list(os.getloadavg())],
        "in_process": inside,
        "http": http,
        "load": busy,
        "targets": TARGETS,
        "met": met,
    }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
