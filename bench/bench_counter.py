"""Speed and memory of the counter with a realistic database: services and pages.

Run from the repository root: python bench/bench_counter.py [--dossiers N]

Builds a throw-away instance folder with a fresh SQLite file (WAL, synchronous=FULL,
as in production), runs ``initialize(demo=True)``, then bulk-inserts N dossiers
(default 20000, about two years of a commune) across the demo procedures and every
status, with documents, events and audit rows, and times:

* the real reception service (code, ledger number, due date, event, audit, commit);
* the due-date function per limit unit;
* the worklist counts, each worklist tab and the search;
* the staff pages through the Flask test client, signed in by the real login form;
* peak memory of the process and the size of the database file.

Each service call and each page runs in its own app context, as a request does
(the working calendar is cached per app context, so it is reloaded each time).
Figures are milliseconds, median and 95th percentile of the repeated runs. The
target is the office PC (2 cores, 4 GB, often Windows): a page well under 200 ms.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import re
import statistics
import sys
import tempfile
import threading
import time as timer
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Engine, event, insert

from counter import create_app
from counter.domain import clock
from counter.domain import events as ev
from counter.domain.codes import format_dossier_code, ledger_book, ledger_book_start
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
from counter.services import Actor
from counter.services import calendar as cal
from counter.services import dossiers as dossier_service
from counter.services.numbering import DOSSIER, LEDGER
from counter.services.office import get_office
from counter.services.reception import DocumentLine, ReceptionInput, receive, search_key
from counter.services.setup import initialize

DEFAULT_DOSSIERS = 20_000
DAYS_BACK = 730
CHUNK = 2_000

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

    def add(self, name: str, times: list[float], note: str = "") -> None:
        ordered = sorted(times)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
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


def seed(count: int, rng: random.Random) -> dict[str, Any]:
    """Bulk-insert ``count`` dossiers over two years; returns ids and values to look for."""
    now = clock.now()
    today = clock.local_date(now)
    office = get_office()
    users = {u.username: u for u in db.session.scalars(db.select(User))}
    reception, specialist, leader = users["tiepnhan"], users["chuyenvien"], users["lanhdao"]
    procedures = [p for p in db.session.scalars(db.select(Procedure)) if p.active]
    docs = {p.id: [d.name for d in p.documents][:3] or ["Tờ khai theo mẫu"] for p in procedures}
    days = [
        today - timedelta(days=k)
        for k in range(DAYS_BACK, 0, -1)
        if cal.is_working_day(today - timedelta(days=k))
    ]
    moments = sorted(local_instant(rng.choice(days), rng) for _ in range(count))

    sequences = {
        (s.kind, s.scope, s.day): s.last_seq for s in db.session.scalars(db.select(DailySequence))
    }
    next_id = (db.session.scalar(db.select(db.func.max(Dossier.id))) or 0) + 1
    dossiers: list[dict[str, Any]] = []
    documents: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    audits: list[dict[str, Any]] = []
    picks: dict[str, Any] = {}

    def event(
        dossier_id: int, user: User, payload: ev.EventPayload, at: datetime, **kw: Any
    ) -> None:
        events.append(
            {
                "dossier_id": dossier_id,
                "at": at,
                "user_id": user.id,
                "username": user.username,
                "action": payload.kind,
                "officer_name": user.full_name or user.username,
                "officer_title": user.title,
                "from_status": kw.get("from_status"),
                "to_status": kw["to_status"],
                "note": "",
                "due_before": None,
                "due_after": kw.get("due_after"),
                "form_no": kw.get("form_no"),
                "detail": ev.to_detail(payload),
            }
        )

    for received_at in moments:
        proc = rng.choice(procedures)
        day = clock.local_date(received_at)
        key = (DOSSIER, office.agency_id, day)
        sequences[key] = sequences.get(key, 0) + 1
        ledger_key = (LEDGER, "", ledger_book_start(day))
        sequences[ledger_key] = sequences.get(ledger_key, 0) + 1
        code = format_dossier_code(office.agency_id, day, sequences[key])
        due = cal.due_at(received_at, proc.limit_amount, proc.limit_unit)
        who = person(rng)
        filer = person(rng) if rng.random() < 0.05 else None
        old = due < now - timedelta(days=10)
        status = weighted(rng, OLD_STATUSES if old else RECENT_STATUSES)
        dossier_id = next_id
        next_id += 1
        row: dict[str, Any] = {
            "id": dossier_id,
            "code": code,
            "procedure_id": proc.id,
            "status": status.value,
            "channel": rng.choices(("counter", "post", "online"), weights=(90, 3, 7))[0],
            "applicant_kind": "person",
            **who,
            "email": "",
            "filer_name": filer["applicant_name"] if filer else "",
            "filer_id_number": filer["id_number"] if filer else "",
            "filer_phone": filer["phone"] if filer else "",
            "filer_address": filer["address"] if filer else "",
            "search_text": search_key(
                code,
                who["applicant_name"],
                filer["applicant_name"] if filer else "",
                who["phone"],
                filer["phone"] if filer else "",
                who["id_number"],
            ),
            "sets_count": 1,
            "notes": "",
            "fee_amount": rng.choice((None, 0, 8000, 10000, 15000, 50000)),
            "result_delivery": "counter" if rng.random() < 0.95 else "post",
            "ledger_book": ledger_book(day),
            "ledger_seq": sequences[ledger_key],
            "received_at": received_at,
            "due_at": due,
            "original_due_at": due,
            "paused_at": None,
            "delay_count": 0,
            "resolved_at": None,
            "timeliness": None,
            "returned_at": None,
            "collected_by": "",
            "processing_unit": proc.implementing_body or "",
            "received_by_id": reception.id,
            "assigned_to_id": None,
            "created_at": received_at,
            "updated_at": received_at,
            "version": 1,
        }
        for position, name in enumerate(docs[proc.id]):
            documents.append(
                {
                    "dossier_id": dossier_id,
                    "position": position,
                    "name": name,
                    "kind": "original" if position == 0 else "copy",
                    "count": 1,
                }
            )
        event(
            dossier_id,
            reception,
            ev.Received(documents=len(docs[proc.id]), attachments=0),
            received_at,
            from_status=None,
            to_status=Status.RECEIVED.value,
            due_after=due,
            form_no="01",
        )
        audits.append(
            {
                "at": received_at,
                "user_id": reception.id,
                "username": reception.username,
                "action": "dossier_received",
                "target": code,
                "detail": proc.national_code,
                "address": "127.0.0.1",
            }
        )
        if status is Status.REFUSED:
            at = min(now, received_at + timedelta(hours=rng.randint(2, 48)))
            event(
                dossier_id,
                specialist,
                ev.Refused(),
                at,
                from_status=Status.RECEIVED.value,
                to_status=status.value,
                form_no="03",
            )
        elif status is not Status.RECEIVED:
            span = max(due - received_at, timedelta(hours=2))
            handed = min(now, received_at + timedelta(minutes=rng.randint(10, 240)))
            row["assigned_to_id"] = specialist.id
            event(
                dossier_id,
                reception,
                ev.HandedOver(
                    from_unit=dossier_service.COUNTER_UNIT,
                    to_unit=proc.implementing_body or "Công chức chuyên môn",
                    result=Timeliness.ON_TIME,
                    assigned_to=specialist.full_name,
                    assigned_to_id=specialist.id,
                ),
                handed,
                from_status=Status.RECEIVED.value,
                to_status=Status.IN_PROGRESS.value,
                form_no="06",
            )
            finish = received_at + span * rng.uniform(0.3, 1.15)
            finish = min(now, max(finish, handed + timedelta(minutes=30)))
            if status in (Status.SUPPLEMENT_REQUESTED, Status.AWAITING_PAYMENT):
                row["paused_at"] = finish
                action = (
                    ev.SupplementRequested()
                    if status is Status.SUPPLEMENT_REQUESTED
                    else ev.PaymentRequested()
                )
                form = "02" if status is Status.SUPPLEMENT_REQUESTED else None
                event(
                    dossier_id,
                    specialist,
                    action,
                    finish,
                    from_status=Status.IN_PROGRESS.value,
                    to_status=status.value,
                    form_no=form,
                )
            elif status in (Status.WITHDRAWN, Status.STOPPED):
                event(
                    dossier_id,
                    leader,
                    ev.Withdrawn() if status is Status.WITHDRAWN else ev.Stopped(),
                    finish,
                    from_status=Status.IN_PROGRESS.value,
                    to_status=status.value,
                    form_no="05",
                )
            elif status in (Status.RESOLVED, Status.RETURNED):
                timeliness = cal.classify(finish, due).value
                row.update(resolved_at=finish, timeliness=timeliness)
                event(
                    dossier_id,
                    leader,
                    ev.Resolved(timeliness=Timeliness(timeliness)),
                    finish,
                    from_status=Status.IN_PROGRESS.value,
                    to_status=Status.RESOLVED.value,
                )
                if status is Status.RETURNED:
                    back = min(now, finish + timedelta(hours=rng.randint(1, 120)))
                    row.update(returned_at=back, collected_by=who["applicant_name"])
                    event(
                        dossier_id,
                        reception,
                        ev.ResultReturned(collected_by=who["applicant_name"]),
                        back,
                        from_status=Status.RESOLVED.value,
                        to_status=status.value,
                    )
            row["updated_at"] = max(e["at"] for e in events[-4:] if e["dossier_id"] == dossier_id)
        dossiers.append(row)

    for table, rows in (
        (Dossier.__table__, dossiers),
        (DossierDocument.__table__, documents),
        (DossierEvent.__table__, events),
        (AuditEntry.__table__, audits),
    ):
        for start in range(0, len(rows), CHUNK):
            db.session.execute(insert(table), rows[start : start + CHUNK])
    db.session.execute(db.delete(DailySequence))
    db.session.execute(
        insert(DailySequence.__table__),
        [{"kind": k, "scope": s, "day": d, "last_seq": n} for (k, s, d), n in sequences.items()],
    )
    db.session.commit()

    sample = rng.choice([d for d in dossiers if d["status"] == Status.IN_PROGRESS.value])
    picks["dossier_id"] = sample["id"]
    picks["name"] = fold(sample["applicant_name"])  # typed without diacritics
    picks["phone"] = sample["phone"]
    picks["code"] = sample["code"]
    picks["counts"] = {
        "documents": len(documents),
        "events": len(events),
        "audit": len(audits),
    }
    return picks


# -- measures ----------------------------------------------------------------------


def bench_services(app: Any, picks: dict[str, Any], results: Results, rng: random.Random) -> None:
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

    times, _ = timed(in_request(app, one_receive), 50)
    results.add("reception.receive (commit, fsync)", times)

    now = clock.now()
    for unit, (amount, name) in sorted(units.items()):
        with app.app_context():
            cal.due_at(now, amount, name)  # calendar loaded into this context
            times, _ = timed(lambda a=amount, n=name: cal.due_at(now, a, n), 1000)
        results.add(f"calendar.due_at {amount} {unit} (warm)", times)
        times, _ = timed(in_request(app, lambda a=amount, n=name: cal.due_at(now, a, n)), 30)
        results.add(f"calendar.due_at {unit} (1st in request)", times, "loads calendar")

    times, counts = timed(
        in_request(app, lambda: dossier_service.worklist_counts(leader_actor)), 20
    )
    results.add("dossiers.worklist_counts", times, " ".join(f"{k}={v}" for k, v in counts.items()))
    for tab in dossier_service.TABS:
        times, page = timed(
            in_request(app, lambda t=tab: len(dossier_service.worklist(leader_actor, tab=t).rows)),
            20,
        )
        results.add(f"dossiers.worklist tab={tab} page 1", times, f"{page} rows")
    for label, query in (
        ("name, no diacritics", picks["name"]),
        ("phone", picks["phone"]),
        ("code", picks["code"]),
    ):
        times, total = timed(
            in_request(app, lambda q=query: dossier_service.search(leader_actor, q).total), 20
        )
        results.add(f"dossiers.search by {label}", times, f"{query!r}: {total} found")


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


def bench_pages(app: Any, picks: dict[str, Any], results: Results) -> None:
    leader = login(app, "lanhdao")
    reception = login(app, "tiepnhan")
    today = clock.today()
    last_month_end = today.replace(day=1) - timedelta(days=1)
    month = f"from={last_month_end:01/%m/%Y}&to={last_month_end:%d/%m/%Y}"
    year = f"from={today - timedelta(days=364):%d/%m/%Y}&to={today:%d/%m/%Y}"
    pages = (
        ("/ho-so/?tab=overdue", leader, "leader", "/ho-so/?tab=overdue", 20),
        ("/ho-so/?tab=open", leader, "leader", "/ho-so/?tab=open", 20),
        ("/ (home)", leader, "leader", "/", 20),
        ("/ho-so/<id>", leader, "leader", f"/ho-so/{picks['dossier_id']}", 20),
        ("/tiep-nhan/", reception, "reception", "/tiep-nhan/", 20),
        ("/in/so-theo-doi last month", leader, "leader", f"/in/so-theo-doi?{month}", 10),
        ("/in/so-theo-doi last 12 months", leader, "leader", f"/in/so-theo-doi?{year}", 3),
    )
    for label, client, who, url, rounds in pages:
        client.get(url)  # templates compiled once, as in a running server
        times, response = timed(lambda c=client, u=url: c.get(u), rounds)
        size = len(response.get_data())
        note = f"{response.status_code}, {size / 1024:.0f} KB"
        if response.status_code != 200:
            note += " (NOT 200)"
        if "so-theo-doi" in url:
            note += f", {response.get_data(as_text=True).count('<tr') - 1} rows"
        results.add(f"GET {label} ({who})", times, note)


def bench_concurrent(app: Any, results: Results, rng: random.Random, threads: int = 8) -> None:
    """Waitress runs 8 threads: 8 staff at once on the worklist, then 8 receptions at once."""
    clients = [login(app, "lanhdao") for _ in range(threads)]
    rounds = 10
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=DEFAULT_DOSSIERS, help="bulk dossiers")
    parser.add_argument("--seed", type=int, default=20261127, help="random seed")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    results = Results()

    with tempfile.TemporaryDirectory(prefix="counter-bench-") as tmp:
        db_path = Path(tmp) / "counter.db"
        app = create_app(
            {
                "INSTANCE_PATH": tmp,
                "SECRET_KEY": "bench",
                "DATABASE_URL": f"sqlite:///{db_path}",
                "BACKUP_DIR": str(Path(tmp) / "backups"),
            }
        )
        started = timer.perf_counter()
        with app.app_context():
            initialize(demo=True)
            init_s = timer.perf_counter() - started
            memory = {"after init": current_rss()}
            started = timer.perf_counter()
            picks = seed(args.dossiers, rng)
            seed_s = timer.perf_counter() - started
            total = db.session.scalar(db.select(db.func.count(Dossier.id)))
            db.session.remove()
        gc.collect()
        memory["after seeding"] = current_rss()
        print(
            f"init {init_s:.1f} s; seeded {args.dossiers} dossiers in {seed_s:.1f} s "
            f"({total} in all, {picks['counts']['documents']} documents, "
            f"{picks['counts']['events']} events, {picks['counts']['audit']} audit rows)"
        )
        print(f"  {'measure':<48} {'median ms':>9} {'p95 ms':>9}  note")
        bench_services(app, picks, results, rng)
        bench_pages(app, picks, results)
        bench_concurrent(app, results, rng)
        memory["after the measures"] = current_rss()
        with app.app_context():
            db.session.execute(db.text("PRAGMA wal_checkpoint(TRUNCATE)"))
            db.session.remove()
            db.engine.dispose()
        db_mb = db_path.stat().st_size / 1024 / 1024
        wal = Path(f"{db_path}-wal")
        wal_mb = wal.stat().st_size / 1024 / 1024 if wal.exists() else 0.0

    print()
    print(f"Python {sys.version.split()[0]} on {sys.platform}, {os.cpu_count()} CPUs")
    print(f"dossiers in the database: {total}")
    print(results.table())
    print(f"peak RSS: {peak_memory()}; the peak includes building the N rows in memory")
    print("RSS now: " + ", ".join(f"{k} {v}" for k, v in memory.items()))
    print(f"database file: {db_mb:.1f} MB (WAL after checkpoint {wal_mb:.1f} MB)")


if __name__ == "__main__":
    main()
