"""What the sync page and the banner show, and syncs started outside a request's thread."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from counter.domain import clock
from counter.domain.errors import CounterError
from counter.domain.i18n import Message
from counter.extensions import db
from counter.models.portal import (
    INBOX_MISSING,
    PARKED,
    PENDING,
    OutboxItem,
    PortalInbox,
    PortalPull,
    SyncBundle,
    SyncLease,
    SyncRun,
)
from counter.portal import pull, sender
from counter.services import calendar as cal
from counter.services.page_facts import OLDEST_PENDING_AT

log = logging.getLogger("counter.portal")
RUNS_SHOWN = 10
#: Pending items listed on the sync page, oldest first (the count gives the rest).
PENDING_SHOWN = 50


@dataclass
class Overview:
    """The sync page's data."""

    counts: sender.Counts
    last_success: datetime | None
    parked: list[OutboxItem] = field(default_factory=list)
    #: The first pending items in sending order, each with its attempts, last error, next attempt.
    pending: list[OutboxItem] = field(default_factory=list)
    #: Dossiers with a parked state: their pending items wait behind it.
    blocked: set[int] = field(default_factory=set)
    runs: list[SyncRun] = field(default_factory=list)
    overdue: bool = False
    last_pull: PortalPull | None = None
    skipped: list[tuple[PortalInbox, Message]] = field(default_factory=list)
    missing: list[PortalInbox] = field(default_factory=list)


def current_run() -> SyncRun | None:
    """The run that holds the lease now, if one does (a killed run's row stays unfinished)."""
    lease = db.session.get(SyncLease, sender.LEASE_NAME, populate_existing=True)
    if lease is None or not lease.holder or not lease.expires_at or lease.expires_at <= clock.now():
        return None
    return db.session.scalar(
        select(SyncRun).where(SyncRun.holder == lease.holder).order_by(SyncRun.id.desc()).limit(1)
    )


def progress() -> dict[str, Any]:
    """For the page's progress bar: the running (or last) run's figures."""
    run = current_run()
    running = run is not None
    if run is None:
        run = db.session.scalar(select(SyncRun).order_by(SyncRun.id.desc()).limit(1))
    left = sender.counts()
    if run is None:
        return {"running": False, "run": 0, "total": 0, "done": 0, "pending": left.pending}
    return {
        "running": running,
        "run": run.id,
        "total": run.total,
        "done": run.sent + run.parked,
        "sent": run.sent,
        "parked": run.parked,
        "failed": run.failed,
        "pending": left.pending,
    }


def waited_too_long(now: datetime | None = None) -> bool:
    """Whether the oldest pending item has waited more than one working day."""
    return waited_since_too_long(db.session.scalar(OLDEST_PENDING_AT), now)


def waited_since_too_long(oldest: datetime | None, now: datetime | None = None) -> bool:
    """Whether an item pending since ``oldest`` (None: nothing pends) has waited more than
    one working day."""
    if oldest is None:
        return False
    return cal.due_at(oldest, 1, "working_days") < (now or clock.now())


def overview() -> Overview:
    """Counts, the last success, the oldest pending and the parked items, the recent runs.

    The last success is the newest run that ended without failure or the newest
    bundle receipt loaded, whichever is later: a receipt is a delivery too.
    """
    last_run = db.session.scalar(
        select(SyncRun.finished_at)
        .where(SyncRun.finished_at.is_not(None), SyncRun.failed.is_(False))
        .order_by(SyncRun.id.desc())
        .limit(1)
    )
    last_receipt = db.session.scalar(select(func.max(SyncBundle.receipt_at)))
    last_success = max((t for t in (last_run, last_receipt) if t is not None), default=None)
    parked = list(
        db.session.scalars(
            select(OutboxItem)
            .where(OutboxItem.status == PARKED)
            .order_by(OutboxItem.dossier_id, OutboxItem.id)
            .options(joinedload(OutboxItem.dossier))
        )
    )
    # A dossier's state changes were refused as one: show its newest only.
    shown: dict[tuple[int, str], OutboxItem] = {}
    for item in parked:
        shown[(item.dossier_id, item.kind if item.kind == "state" else str(item.id))] = item
    runs = list(db.session.scalars(select(SyncRun).order_by(SyncRun.id.desc()).limit(RUNS_SHOWN)))
    # In the order they go: dossier states first (one row per dossier, its newest
    # change: they go as one object), then progress entries.
    states: dict[int, OutboxItem] = {}
    for item in db.session.scalars(
        select(OutboxItem)
        .where(OutboxItem.status == PENDING, OutboxItem.kind == "state")
        .order_by(OutboxItem.id)
        .limit(PENDING_SHOWN * 10)
        .options(joinedload(OutboxItem.dossier))
    ):
        states.pop(item.dossier_id, None)
        states[item.dossier_id] = item
    pending = list(states.values())[:PENDING_SHOWN]
    pending += db.session.scalars(
        select(OutboxItem)
        .where(OutboxItem.status == PENDING, OutboxItem.kind != "state")
        .order_by(OutboxItem.id)
        .limit(PENDING_SHOWN - len(pending))
        .options(joinedload(OutboxItem.dossier))
    )
    return Overview(
        counts=sender.counts(),
        last_success=last_success,
        parked=list(shown.values()),
        pending=pending,
        blocked={item.dossier_id for item in parked if item.kind == "state"},
        runs=runs,
        overdue=waited_too_long(),
        last_pull=pull.last_pull(),
        skipped=pull.skipped_rows(),
        missing=list(
            db.session.scalars(
                select(PortalInbox)
                .where(PortalInbox.kind == INBOX_MISSING)
                .order_by(PortalInbox.ma_ho_so)
            )
        ),
    )


def sync_in_thread(app: Any, trigger: str, *, push: bool = True) -> threading.Thread:
    """Run one sync (the push, then the pull) in a thread, so no request waits for the portal.

    ``push=False``: only the pull («Lấy hồ sơ nộp trực tuyến»).
    """

    def work() -> None:
        with app.app_context():
            try:
                if push:
                    sender.run_sync(trigger)
                pull.run_pull(trigger)
            except CounterError as err:
                log.warning("Không đồng bộ được: %s", err.message)
            except Exception:
                log.exception("Đồng bộ lỗi")
            finally:
                db.session.remove()

    thread = threading.Thread(target=work, name=f"portal-sync-{trigger}", daemon=True)
    thread.start()
    return thread


def sync_every(app: Any, minutes: int) -> None:
    """The automatic sync of run.py: every ``minutes``, items waiting out a backoff skipped."""
    while True:
        time.sleep(max(1, minutes) * 60)
        with app.app_context():
            try:
                summary = sender.run_sync("auto", respect_backoff=True)
                if not summary.busy:
                    log.info("Đồng bộ tự động: %s", summary.line())
                    log.info("Lấy hồ sơ trực tuyến: %s", pull.run_pull("auto").line())
            except CounterError as err:
                log.warning("Không đồng bộ tự động được: %s", err.message)
            except Exception:
                log.exception("Đồng bộ tự động lỗi")
            finally:
                db.session.remove()
