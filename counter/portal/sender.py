"""The sender: drains the outbox to the portal, one sync at a time, nothing lost or doubled.

- One sync at a time: a run first takes the ``sync_lease`` row with a conditional
  UPDATE (atomic on SQLite and PostgreSQL) and renews it before every request; a
  lease whose holder died on this PC (kill -9, power cut) is taken over at once,
  any other lease only when it expires. A lease renewed "in the future" means
  the clock went back since, and counts as expired.
- Dossier states first, a batch of dossiers at a time, each mapped as it is now
  (so only the latest state goes, and never an older one after a newer one);
  then progress entries, in event order, for dossiers the portal holds and whose
  earlier items are all delivered.
- Each request's results are committed before the next request: after a crash
  the unfinished request is sent again; the portal upserts states and
  recognises a replayed MaTienDo.
- After a restore (:func:`counter.portal.pull.mark_check_due`) a run first checks
  what the portal holds (:func:`counter.portal.pull.reconcile`): nothing is sent
  until that check has succeeded.
- A transient failure (see :mod:`counter.portal.client`) backs its items off
  (capped exponential, kept in the database) and ends the run; a permanent
  refusal parks the item with the portal's message and blocks only that
  dossier's later items, until a person re-queues it.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.orm import aliased, joinedload, selectinload

from counter import settings
from counter.domain import clock
from counter.domain.errors import CounterError, NotAllowed, NotFound, ValidationError
from counter.domain.i18n import N_
from counter.extensions import db
from counter.models import Dossier, DossierEvent, Office
from counter.models.portal import (
    KIND_PROGRESS,
    KIND_STATE,
    PARKED,
    PENDING,
    SENT,
    OutboxItem,
    PortalDossier,
    SyncLease,
    SyncRun,
)
from counter.portal import mapping, pull
from counter.portal.client import PortalClient, PortalSettings, Transient
from counter.services import Actor, audit, transaction

LEASE_NAME = "portal"
CLOCK_SLACK = timedelta(minutes=1)
BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 3600
REPLIES_KEPT = 50
#: Our own item code when an item cannot even be built (it is parked like a refusal).
LOCAL_CODE = "local"

Clock = Callable[[], datetime]


def backoff(attempts: int) -> timedelta:
    """The wait before the next automatic attempt after ``attempts`` failed ones."""
    return timedelta(
        seconds=min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1))
    )


def portal_settings() -> PortalSettings:
    """The portal settings of the running app (madonvi defaults to the office's identifier)."""
    office = db.session.scalar(select(Office).limit(1))
    return PortalSettings.from_config(settings.current().config, office.agency_id if office else "")


# --- the lease ---------------------------------------------------------------------------


def new_holder() -> str:
    """Who holds the lease: this PC, this process, and a random part for each run."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


def _pid_alive(pid: int) -> bool:
    if os.name == "nt":  # os.kill(pid, 0) would send Ctrl+C on Windows
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _dead_here(holder: str) -> bool:
    """Whether ``holder`` was a process of this PC that no longer runs."""
    host, _, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    return host == socket.gethostname()[:40] and pid.isdigit() and not _pid_alive(int(pid))


def _claim(holder: str, ttl: timedelta, now: datetime, condition: Any) -> bool:
    with transaction():
        result = db.session.execute(
            update(SyncLease)
            .where(SyncLease.name == LEASE_NAME, condition)
            .values(holder=holder, acquired_at=now, expires_at=now + ttl)
            .execution_options(synchronize_session=False)
        )
    return result.rowcount == 1


def acquire_lease(holder: str, ttl: timedelta, now: datetime | None = None) -> bool:
    """Take the sync lease for ``ttl``; False when another live sync holds it."""
    now = now or clock.now()
    free = or_(
        SyncLease.holder.is_(None),
        SyncLease.expires_at.is_(None),
        SyncLease.expires_at <= now,
        # Renewed "in the future": the clock went back since (slack: another run's
        # "now" may have been read a moment before ours).
        SyncLease.acquired_at > now + CLOCK_SLACK,
    )
    # The UPDATE comes first, with no read before it: on SQLite a read then a write in
    # one transaction fails at once when another writer got in between.
    if _claim(holder, ttl, now, free):
        return True
    with transaction():
        row = db.session.get(SyncLease, LEASE_NAME, populate_existing=True)
        if row is None:
            db.session.add(
                SyncLease(name=LEASE_NAME, holder=holder, acquired_at=now, expires_at=now + ttl)
            )
            return True
        seen = row.holder
    if seen and _dead_here(seen):
        return _claim(holder, ttl, now, SyncLease.holder == seen)
    return False


def renew_lease(holder: str, ttl: timedelta, now: datetime | None = None) -> bool:
    """Extend our lease; False when it was taken from us (we must stop sending)."""
    now = now or clock.now()
    return _claim(holder, ttl, now, SyncLease.holder == holder)


def release_lease(holder: str) -> None:
    """Give the lease back, if we still hold it."""
    with transaction():
        db.session.execute(
            update(SyncLease)
            .where(SyncLease.name == LEASE_NAME, SyncLease.holder == holder)
            .values(holder=None, expires_at=None)
            .execution_options(synchronize_session=False)
        )


# --- counts ------------------------------------------------------------------------------


@dataclass
class Counts:
    """Pending, sent and parked, counted as the portal sees them, and the oldest pending time.

    A dossier's state counts once however many changes it waits with (they go as
    one object); each progress entry counts once.
    """

    pending: int = 0
    sent: int = 0
    parked: int = 0
    oldest_pending: datetime | None = None


def _objects(query: Any) -> Any:
    return query.with_only_columns(
        OutboxItem.status,
        OutboxItem.kind,
        func.count(func.distinct(OutboxItem.dossier_id)),
        func.count(),
        func.min(OutboxItem.created_at),
    ).group_by(OutboxItem.status, OutboxItem.kind)


def counts(*where: Any) -> Counts:
    """The outbox's counts now (of the items matching ``where``)."""
    out = Counts()
    for status, kind, dossiers, n, oldest in db.session.execute(
        _objects(select(OutboxItem).where(*where))
    ):
        if status in (PENDING, SENT, PARKED):
            setattr(out, status, getattr(out, status) + (dossiers if kind == KIND_STATE else n))
        if status == PENDING and oldest is not None:
            out.oldest_pending = min(oldest, out.oldest_pending or oldest)
    return out


# --- a run -------------------------------------------------------------------------------


@dataclass
class SyncSummary:
    """What one run did (``sent``/``parked`` this run) and what is left (``pending``)."""

    run_id: int | None = None
    busy: bool = False
    sent: int = 0
    parked: int = 0
    pending: int = 0
    parked_total: int = 0
    failed: bool = False
    error: str = ""
    replies: list[dict[str, Any]] = field(default_factory=list)
    checked: pull.CheckSummary | None = None  # the check a restore asked for, if it ran

    @property
    def ok(self) -> bool:
        """Nothing left behind: no failure, nothing pending, nothing parked."""
        return not self.busy and not self.failed and not self.pending and not self.parked_total

    def line(self) -> str:
        """The one summary line of ``flask sync run``."""
        return f"sent {self.sent}, parked {self.parked}, pending {self.pending}"


class _LeaseLost(CounterError):
    """Another sync took the lease from this one: stop sending at once."""

    def __init__(self) -> None:
        super().__init__(N_("Một lần đồng bộ khác đã nhận việc gửi; lần này dừng lại."))


class _Stop(CounterError):
    """The portal did not confirm some items: stop this run, they were backed off."""

    def __init__(self) -> None:
        super().__init__(N_("Cổng không xác nhận mục này."))


@dataclass
class Batch:
    """One request's items (or a bundle's, of one service) and the outbox items behind each key."""

    service: str
    updating: bool
    items: list[dict[str, Any]]  # the portal objects
    ids: dict[str, list[int]]  # key → the outbox items it delivers


def mark(ids: Iterable[int], now: datetime, *, pending_only: bool = False, **values: Any) -> None:
    """Count an attempt on the outbox items ``ids`` and set ``values`` (on pending ones only, if asked)."""
    ids = list(ids)
    if not ids:
        return
    query = update(OutboxItem).where(OutboxItem.id.in_(ids))
    if pending_only:
        query = query.where(OutboxItem.status == PENDING)
    db.session.execute(
        query.values(
            attempts=OutboxItem.attempts + 1, last_attempt_at=now, **values
        ).execution_options(synchronize_session=False)
    )


def apply_outcome(batch: Batch, outcome: Any, now: datetime, *, pending_only: bool = False) -> None:
    """The portal's verdicts on one batch (by the API or a bundle's receipt), in the caller's transaction.

    Delivered items are sent, refused ones parked with the portal's message; the
    dossiers delivered are recorded as held by the portal, the progress entries'
    events as synced. ``pending_only``: leave items already sent or parked alone.
    """
    sent_ids = [i for key in outcome.delivered for i in batch.ids[key]]
    mark(
        sent_ids,
        now,
        pending_only=pending_only,
        status=SENT,
        sent_at=now,
        next_attempt_at=None,
        last_error="",
    )
    for key, (code, message) in outcome.rejected.items():
        mark(
            batch.ids[key],
            now,
            pending_only=pending_only,
            status=PARKED,
            parked_at=now,
            portal_code=code[:16],
            portal_message=message,
        )
        audit.record(Actor.system("sync"), "sync_parked", key, f"{code} {message}"[:500])
    if batch.service == mapping.SERVICE_DOSSIER:
        record_accepted(batch, outcome.delivered, now)
    elif sent_ids:
        db.session.execute(
            update(DossierEvent)
            .where(
                DossierEvent.id.in_(select(OutboxItem.event_id).where(OutboxItem.id.in_(sent_ids))),
                DossierEvent.synced_at.is_(None),
            )
            .values(synced_at=now)
            .execution_options(synchronize_session=False)
        )


def record_accepted(batch: Batch, keys: set[str], now: datetime) -> None:
    """Note the dossiers the portal now holds (isUpdating "True" from now on), newest item."""
    by_dossier = {}
    for item in batch.items:
        if item["MaHoSo"] in keys:
            by_dossier[item["MaHoSo"]] = item
    if not by_dossier:
        return
    rows = db.session.execute(
        select(OutboxItem.dossier_id, func.max(OutboxItem.id))
        .where(OutboxItem.id.in_([i for k in by_dossier for i in batch.ids[k]]))
        .group_by(OutboxItem.dossier_id)
    ).all()
    codes = dict(
        db.session.execute(
            select(Dossier.id, Dossier.code).where(Dossier.id.in_([r[0] for r in rows]))
        ).all()
    )
    known = {
        p.dossier_id: p
        for p in db.session.scalars(
            select(PortalDossier).where(PortalDossier.dossier_id.in_(list(codes)))
        )
    }
    for dossier_id, last_item in rows:
        status = int(by_dossier[codes[dossier_id]]["TrangThaiHoSo"])
        row = known.get(dossier_id)
        if row is None:
            db.session.add(
                PortalDossier(
                    dossier_id=dossier_id,
                    first_accepted_at=now,
                    last_accepted_at=now,
                    last_item_id=last_item,
                    last_status=status,
                )
            )
        else:
            row.last_accepted_at = now
            if last_item >= row.last_item_id:  # a receipt may confirm an older bundle
                row.last_status = status
            row.last_item_id = max(row.last_item_id, last_item)


class _Run:
    def __init__(
        self,
        settings: PortalSettings,
        run: SyncRun,
        holder: str,
        ttl: timedelta,
        respect_backoff: bool,
        now: Clock,
    ) -> None:
        self.settings = settings
        self.client = PortalClient(settings)
        self.run_id = run.id
        self.sent = self.parked = 0
        self.replies: list[dict[str, Any]] = []
        self.renewed_at: datetime | None = None
        self.holder = holder
        self.ttl = ttl
        self.respect_backoff = respect_backoff
        self.now = now
        # A request given up on may still reach the portal: wait this long before resending.
        self.grace = timedelta(seconds=2 * settings.timeout)

    # selection -------------------------------------------------------------------------

    def _due(self, item: Any) -> Any:
        """Not sent within the grace period, and (when asked) past its backoff."""
        now = self.now()
        settled = or_(item.last_attempt_at.is_(None), item.last_attempt_at <= now - self.grace)
        if not self.respect_backoff:
            return settled
        return and_(settled, or_(item.next_attempt_at.is_(None), item.next_attempt_at <= now))

    def state_batches(self) -> list[Batch] | None:
        """The next dossiers' states (split by isUpdating); None when no state is due."""
        parked = aliased(OutboxItem)
        dossier_ids = db.session.scalars(
            select(OutboxItem.dossier_id)
            .where(
                OutboxItem.kind == KIND_STATE,
                OutboxItem.status == PENDING,
                self._due(OutboxItem),
                ~exists().where(
                    parked.dossier_id == OutboxItem.dossier_id,
                    parked.kind == KIND_STATE,
                    or_(
                        parked.status == PARKED,
                        and_(
                            parked.status == PENDING,
                            parked.last_attempt_at > self.now() - self.grace,
                        ),
                    ),
                ),
            )
            .group_by(OutboxItem.dossier_id)
            # By dossier, as the index holds them (no sort of the whole backlog per page);
            # dossier ids grow with time, so the oldest still go first.
            .order_by(OutboxItem.dossier_id)
            .limit(self.settings.batch)
        ).all()
        if not dossier_ids:
            return None
        # The items first, then the dossiers: a change committed in between is sent now
        # and again next time, never marked sent with an older state.
        ids: dict[int, list[int]] = defaultdict(list)
        for item_id, dossier_id in db.session.execute(
            select(OutboxItem.id, OutboxItem.dossier_id).where(
                OutboxItem.kind == KIND_STATE,
                OutboxItem.status == PENDING,
                OutboxItem.dossier_id.in_(dossier_ids),
            )
        ):
            ids[dossier_id].append(item_id)
        dossiers = db.session.scalars(
            select(Dossier)
            .where(Dossier.id.in_(dossier_ids))
            .options(joinedload(Dossier.procedure), selectinload(Dossier.documents))
            .execution_options(populate_existing=True)
        ).all()
        accepted = set(
            db.session.scalars(
                select(PortalDossier.dossier_id).where(PortalDossier.dossier_id.in_(dossier_ids))
            )
        )
        batches = {
            False: Batch(mapping.SERVICE_DOSSIER, False, [], {}),
            True: Batch(mapping.SERVICE_DOSSIER, True, [], {}),
        }
        for dossier in sorted(dossiers, key=lambda d: min(ids[d.id])):
            try:
                item = mapping.dossier_object(dossier)
            except (ValueError, KeyError, AttributeError) as err:
                self.park_local(ids[dossier.id], err)
                continue
            batch = batches[dossier.id in accepted]
            batch.items.append(item)
            batch.ids[item["MaHoSo"]] = ids[dossier.id]
        return [b for b in batches.values() if b.items]

    def progress_batch(self) -> Batch | None:
        """The next progress entries whose dossier and earlier items are delivered."""
        earlier = aliased(OutboxItem)
        items = db.session.scalars(
            select(OutboxItem)
            .join(PortalDossier, PortalDossier.dossier_id == OutboxItem.dossier_id)
            .where(
                OutboxItem.kind == KIND_PROGRESS,
                OutboxItem.status == PENDING,
                self._due(OutboxItem),
                ~exists().where(
                    earlier.dossier_id == OutboxItem.dossier_id,
                    earlier.id < OutboxItem.id,
                    or_(
                        earlier.status == PARKED,
                        and_(
                            earlier.status == PENDING,
                            or_(earlier.kind == KIND_STATE, ~self._due(earlier)),
                        ),
                    ),
                ),
            )
            .order_by(OutboxItem.dossier_id, OutboxItem.id)
            .limit(self.settings.batch)
            .options(
                joinedload(OutboxItem.event).joinedload(DossierEvent.user),
                joinedload(OutboxItem.event).joinedload(DossierEvent.dossier),
            )
        ).all()
        if not items:
            return None
        batch = Batch(mapping.SERVICE_PROGRESS, True, [], {})
        for item in items:
            try:
                if item.event is None or not item.progress_key:
                    raise ValueError("no event")
                entry = mapping.progress_entry(item.event, item.progress_key)
            except (ValueError, KeyError, AttributeError) as err:
                self.park_local([item.id], err)
                continue
            batch.items.append(entry)
            batch.ids[item.progress_key] = [item.id]
        return batch if batch.items else self.progress_batch()

    # recording -------------------------------------------------------------------------

    def _set(self, ids: Iterable[int], **values: Any) -> None:
        mark(ids, self.now(), **values)

    def back_off(self, ids: Sequence[int], error: str) -> None:
        """Count a failed attempt on each item and set its next automatic attempt."""
        now = self.now()
        by_attempts: dict[int, list[int]] = defaultdict(list)
        for item_id, attempts in db.session.execute(
            select(OutboxItem.id, OutboxItem.attempts).where(OutboxItem.id.in_(ids))
        ):
            by_attempts[attempts + 1].append(item_id)
        for attempts, group in by_attempts.items():
            self._set(group, next_attempt_at=now + backoff(attempts), last_error=error)

    def park_local(self, ids: list[int], err: Exception) -> None:
        """An item we cannot build is parked at once, with the reason, like a refusal."""
        with transaction():
            self._set(
                ids,
                status=PARKED,
                parked_at=self.now(),
                portal_code=LOCAL_CODE,
                portal_message=f"{type(err).__name__}: {err}",
            )
            self.parked += 1
            self._save_run()

    def record(self, batch: Batch, outcome: Any) -> None:
        """Write one request's results in one transaction."""
        now = self.now()
        with transaction():
            apply_outcome(batch, outcome, now)
            unconfirmed = [i for key in outcome.unconfirmed for i in batch.ids[key]]
            if unconfirmed:
                self.back_off(unconfirmed, N_("Cổng không xác nhận mục này."))
            self.sent += len(outcome.delivered)
            self.parked += len(outcome.rejected)
            # For the page: which dossier each reply is about, and whether a state or an entry.
            key_field = mapping.KEY_FIELD[batch.service]
            dossier_of = {item[key_field]: item["MaHoSo"] for item in batch.items}
            kind = KIND_STATE if batch.service == mapping.SERVICE_DOSSIER else KIND_PROGRESS
            replies = [
                {**r, "dossier": dossier_of.get(r["key"], ""), "kind": kind}
                for r in outcome.replies
            ]
            self.replies = (replies + self.replies)[:REPLIES_KEPT]
            self._save_run()
        if unconfirmed:
            raise _Stop()

    def _save_run(self, **extra: Any) -> None:
        """The run's figures so far, for the page's progress bar (in the caller's transaction)."""
        db.session.execute(
            update(SyncRun)
            .where(SyncRun.id == self.run_id)
            .values(sent=self.sent, parked=self.parked, replies=self.replies, **extra)
            .execution_options(synchronize_session=False)
        )

    # the loop --------------------------------------------------------------------------

    def send(self, batch: Batch) -> None:
        # Renewed a quarter of the lease in advance at least: the lease lasts four
        # timeouts and more, so it cannot run out during the request that follows.
        now = clock.now()
        if self.renewed_at is None or now - self.renewed_at > self.ttl / 4:
            if not renew_lease(self.holder, self.ttl, now):
                raise _LeaseLost()
            self.renewed_at = now
        try:
            outcome = self.client.send(batch.service, batch.items, updating=batch.updating)
        except Transient as err:
            with transaction():
                self.back_off([i for ids in batch.ids.values() for i in ids], err.msgid)
                self._save_run(error=str(err))
            raise
        self.record(batch, outcome)

    def drain(self) -> None:
        while True:
            db.session.expire_all()
            batches = self.state_batches()
            if batches is None:
                progress = self.progress_batch()
                if progress is None:
                    return
                batches = [progress]
            for batch in batches:
                self.send(batch)


def _due_count(respect_backoff: bool, now: datetime) -> int:
    where = [OutboxItem.status == PENDING]
    if respect_backoff:
        where.append(or_(OutboxItem.next_attempt_at.is_(None), OutboxItem.next_attempt_at <= now))
    return counts(*where).pending


def run_sync(
    trigger: str = "cli",
    *,
    respect_backoff: bool = False,
    settings: PortalSettings | None = None,
    now: Clock = clock.now,
) -> SyncSummary:
    """Send what is pending (items waiting out a backoff too, unless ``respect_backoff``).

    Returns at once with ``busy`` when another sync holds the lease.
    """
    settings = settings or portal_settings()
    if not settings.url:
        raise ValidationError(N_("Chưa cấu hình địa chỉ cổng dịch vụ công (COUNTER_PORTAL_URL)."))
    holder = new_holder()
    ttl = timedelta(seconds=4 * settings.timeout + 60)
    if not acquire_lease(holder, ttl, now()):
        return SyncSummary(busy=True)
    summary = SyncSummary()
    try:
        with transaction():
            run = SyncRun(
                trigger=trigger,
                holder=holder,
                started_at=now(),
                total=_due_count(respect_backoff, now()),
                replies=[],
            )
            db.session.add(run)
        summary.run_id = run.id
        try:
            if pull.check_due():  # after a restore: recognise what the portal has first
                checked = pull.run_check(PortalClient(settings), agency=settings.agency, now=now())
                summary.checked = checked
            _Run(settings, run, holder, ttl, respect_backoff, now).drain()
        except (Transient, _Stop, _LeaseLost) as err:
            summary.failed, summary.error = True, err.msgid
    finally:
        db.session.rollback()
        left = counts()
        summary.pending, summary.parked_total = left.pending, left.parked
        if summary.run_id is not None:
            with transaction():
                run = db.session.get(SyncRun, summary.run_id, populate_existing=True)
                run.finished_at = now()
                run.pending = left.pending
                run.failed = summary.failed
                if summary.failed and not run.error:
                    run.error = summary.error
                summary.sent, summary.parked = run.sent, run.parked
                summary.replies = list(run.replies or [])
                audit.record(
                    Actor.system(trigger),
                    "sync_run",
                    str(run.id),
                    f"{summary.line()}{' (lỗi)' if summary.failed else ''}",
                )
        release_lease(holder)
    return summary


def requeue(actor: Actor, item_id: int) -> int:
    """Send a parked item again (a state item re-queues every parked state of its dossier)."""
    if not actor.has_role("leader"):
        raise NotAllowed(N_("Chỉ lãnh đạo hoặc quản trị viên được gửi lại mục đồng bộ."))
    with transaction():
        item = db.session.get(OutboxItem, item_id)
        if item is None or item.status != PARKED:
            raise NotFound(N_("Không có mục đồng bộ bị dừng này."))
        query = update(OutboxItem).where(OutboxItem.status == PARKED)
        if item.kind == KIND_STATE:
            query = query.where(
                OutboxItem.kind == KIND_STATE, OutboxItem.dossier_id == item.dossier_id
            )
        else:
            query = query.where(OutboxItem.id == item.id)
        result = db.session.execute(
            # Its request was answered: nothing of it is still on the way, no grace to wait.
            query.values(
                status=PENDING, next_attempt_at=None, parked_at=None, last_attempt_at=None
            ).execution_options(synchronize_session=False)
        )
        audit.record(actor, "sync_requeued", item.dossier.code, item.portal_message[:500])
    return result.rowcount
