"""The portal outbox: what is still to reach the provincial portal, and the sync's own records.

Every dossier event enqueues two items in the transaction that records it: the
dossier's state (service DongBoHoSoMC) and the event's progress entry
(CapNhatTienDoHoSoMC). Items are never deleted: a sent item keeps its time, a
parked one the portal's reason.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from counter.domain import clock
from counter.extensions import db
from counter.models.dossiers import Dossier, DossierEvent
from counter.models.types import UTCDateTime

#: OutboxItem.kind: the dossier's whole state, or one progress entry.
KIND_STATE, KIND_PROGRESS = "state", "progress"
#: OutboxItem.status
PENDING, SENT, PARKED = "pending", "sent", "parked"


class OutboxItem(db.Model):  # type: ignore[name-defined,misc]
    """One thing to deliver to the portal (hàng đợi đồng bộ).

    ``id`` is the monotonic sequence that orders the items: the device clock
    (``created_at``) may be wrong after a power cut, and is only shown.

    A state item carries no payload: the dossier's state is mapped when it is
    sent, so a batch always carries the latest state (an older one can never
    follow a newer one), a data fix made for a parked item goes out when it is
    re-queued, and a new mapping version applies to what is still waiting. A
    progress entry is mapped from its event, which never changes.
    """

    __tablename__ = "outbox_item"
    # What a page of the sender reads: pending items of a kind, by dossier, in order; the
    # oldest pending item, which every staff page's banner asks for.
    __table_args__ = (
        Index("ix_outbox_item_status_kind_dossier_id", "status", "kind", "dossier_id", "id"),
        Index("ix_outbox_item_status_created_at", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossier.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("dossier_event.id", ondelete="CASCADE"), index=True
    )
    # MaTienDo of a progress entry: random, so a restored backup never issues one again.
    progress_key: Mapped[str | None] = mapped_column(String(40), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    # When it was last sent: a request that timed out may still land, so its dossier
    # waits out twice the timeout before the next send (a late old state would win).
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    portal_code: Mapped[str] = mapped_column(String(16), default="")
    portal_message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    parked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    dossier: Mapped[Dossier] = relationship()
    event: Mapped[DossierEvent | None] = relationship()


class PortalDossier(db.Model):  # type: ignore[name-defined,misc]
    """A dossier the portal has accepted at least once (then isUpdating is "True")."""

    __tablename__ = "portal_dossier"

    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossier.id", ondelete="CASCADE"), primary_key=True
    )
    first_accepted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_accepted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # The newest outbox item the portal accepted for this dossier, and the state it carried.
    last_item_id: Mapped[int] = mapped_column(default=0)
    last_status: Mapped[int] = mapped_column(default=0)  # TrangThaiHoSo


class SyncLease(db.Model):  # type: ignore[name-defined,misc]
    """The one sync allowed at a time: whoever holds the row until ``expires_at`` sends."""

    __tablename__ = "sync_lease"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(64))
    acquired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # taken or last renewed
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SyncRun(db.Model):  # type: ignore[name-defined,misc]
    """One run of the sender: when, what it did, and the portal's last replies."""

    __tablename__ = "sync_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    trigger: Mapped[str] = mapped_column(String(16), default="cli")  # cli/page/auto
    holder: Mapped[str] = mapped_column(String(64), default="")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    total: Mapped[int] = mapped_column(default=0)  # items due when the run started
    sent: Mapped[int] = mapped_column(default=0)
    parked: Mapped[int] = mapped_column(default=0)
    pending: Mapped[int] = mapped_column(default=0)  # left when it finished
    failed: Mapped[bool] = mapped_column(default=False)
    error: Mapped[str] = mapped_column(Text, default="")
    replies: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class SyncBundle(db.Model):  # type: ignore[name-defined,misc]
    """A bundle exported for a USB stick (gói dữ liệu mang đi), kept to match its receipt.

    ``items`` lists what each line of the bundle delivers: ``[service, key, outbox
    ids, TrangThaiHoSo of a state or MaHoSo of a progress entry]``. Exporting marks nothing sent; the receipt does.
    """

    __tablename__ = "sync_bundle"

    id: Mapped[int] = mapped_column(primary_key=True)
    bundle_id: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    created_by: Mapped[str] = mapped_column(String(64), default="")
    agency: Mapped[str] = mapped_column(String(64), default="")
    count: Mapped[int] = mapped_column(default=0)
    first_item_id: Mapped[int] = mapped_column(default=0)
    last_item_id: Mapped[int] = mapped_column(default=0)
    sha256: Mapped[str] = mapped_column(String(64), default="")
    items: Mapped[list[Any]] = mapped_column(JSON, default=list)
    receipt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)


#: PortalInbox.kind: a dossier pulled from the portal, a listed value skipped (with
#: its reason), a dossier the portal holds for this office that this PC lacks.
INBOX_PULLED, INBOX_SKIPPED, INBOX_MISSING = "pulled", "skipped", "missing"


class PortalInbox(db.Model):  # type: ignore[name-defined,misc]
    """What came down from the portal (hộp thư đến từ cổng): pulled, skipped, or missing here.

    A pulled row keeps the portal's list of scans of its dossier. The skipped and
    missing rows are the latest pull's (or check's) findings: each run replaces them.
    """

    __tablename__ = "portal_inbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    # No index: a few rows per pulled dossier (the migration tests of earlier revisions
    # tell a later table's indexes from their own only by the table).
    kind: Mapped[str] = mapped_column(String(16))
    ma_ho_so: Mapped[str] = mapped_column(String(64), default="")
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossier.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text, default="")
    # What a person needs to recognise it: procedure, applicant, status, dates (never the ID number).
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    files: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # name, count, url
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    dossier: Mapped[Dossier | None] = relationship()


class PortalPull(db.Model):  # type: ignore[name-defined,misc]
    """One pull of online submissions (or check after a restore): when, and what it found."""

    __tablename__ = "portal_pull"

    id: Mapped[int] = mapped_column(primary_key=True)
    trigger: Mapped[str] = mapped_column(String(16), default="cli")  # cli/page/auto/restore
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pulled: Mapped[int] = mapped_column(default=0)  # new dossiers made here
    known: Mapped[int] = mapped_column(default=0)  # listed and already here
    skipped: Mapped[int] = mapped_column(default=0)
    missing: Mapped[int] = mapped_column(default=0)
    failed: Mapped[bool] = mapped_column(default=False)
    error: Mapped[str] = mapped_column(Text, default="")
