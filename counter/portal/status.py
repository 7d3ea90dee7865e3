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
from counter.extensions import db
from counter.models.portal import PARKED, PENDING, OutboxItem, SyncLease, SyncRun
from counter.portal import sender
from counter.services import calendar as cal

log = logging.getLogger("counter.portal")
RUNS_SHOWN = 10


@dataclass
class Overview:
    """The sync page's data."""

    counts: sender.Counts
    last_success: datetime | None
    parked: list[OutboxItem] = field(default_factory=list)
    runs: list[SyncRun] = field(default_factory=list)
    overdue: bool = False


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
    oldest = db.session.scalar(
        select(func.min(OutboxItem.created_at)).where(OutboxItem.status == PENDING)
    )
    if oldest is None:
        return False
    return cal.due_at(oldest, 1, "working_days") < (now or clock.now())


def overview() -> Overview:
    """Counts, the last success, the parked items with their reasons, the recent runs."""
    last_success = db.session.scalar(
        select(SyncRun.finished_at)
        .where(SyncRun.finished_at.is_not(None), SyncRun.failed.is_(False))
        .order_by(SyncRun.id.desc())
        .limit(1)
    )
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
    return Overview(
        counts=sender.counts(),
        last_success=last_success,
        parked=list(shown.values()),
        runs=runs,
        overdue=waited_too_long(),
    )


def sync_in_thread(app: Any, trigger: str) -> threading.Thread:
    """Run one sync in a thread of its own, so no request waits for the portal."""

    def work() -> None:
        with app.app_context():
            try:
                sender.run_sync(trigger)
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
            except CounterError as err:
                log.warning("Không đồng bộ tự động được: %s", err.message)
            except Exception:
                log.exception("Đồng bộ tự động lỗi")
            finally:
                db.session.remove()
