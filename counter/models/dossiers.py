"""Dossiers (hồ sơ), their documents, scans, events, and counter notices."""

from __future__ import annotations

import secrets
import time
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from counter.domain import clock
from counter.domain.codes import new_lookup_key
from counter.domain.events import EventPayload, from_detail
from counter.extensions import db
from counter.models.accounts import User
from counter.models.catalog import Procedure
from counter.models.types import UTCDateTime


class DailySequence(db.Model):  # type: ignore[name-defined,misc]
    """The last number handed out per kind, scope and day; numbers are never reused.

    See :mod:`counter.services.numbering` for the kinds and their scopes.
    """

    __tablename__ = "daily_sequence"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last_seq: Mapped[int] = mapped_column(default=0)


class DossierStatusCount(db.Model):  # type: ignore[name-defined,misc]
    """How many dossiers are in one status, for the worklist's counts.

    Database triggers (migration 0022) keep it on every INSERT, DELETE and change of
    status of ``dossier``, by any process or statement, in the writer's transaction: it
    is always what counting the table would give. The app only reads it.
    """

    __tablename__ = "dossier_status_count"

    status: Mapped[str] = mapped_column(String(24), primary_key=True)
    dossiers: Mapped[int] = mapped_column(default=0)


class Dossier(db.Model):  # type: ignore[name-defined,misc]
    """A dossier received for one procedure (hồ sơ TTHC)."""

    __tablename__ = "dossier"
    __table_args__ = (
        Index("ix_dossier_id_number", "id_number"),
        Index("ix_dossier_resolved_at", "resolved_at", "timeliness"),  # the reports (0017)
        # The worklist (0019): each tab's page in due-date order from an index alone, and
        # «Của tôi» by the one it is assigned to or who received it.
        Index("ix_dossier_status_due_at_id", "status", "due_at", "id"),
        Index("ix_dossier_due_at_id", "due_at", "id"),
        Index("ix_dossier_assigned_to_id_status", "assigned_to_id", "status", "due_at", "id"),
        Index(
            "ix_dossier_received_by_id_status",
            *("received_by_id", "status", "due_at", "id", "assigned_to_id"),
        ),
        # The ledger and the reports by date of receipt (0020): a period's dossiers are
        # counted and paged from the index alone, the status read there too.
        Index("ix_dossier_received_at_status", "received_at", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)  # mã hồ sơ
    # Mã tra cứu printed on the slip: codes are sequential, so the public page needs more.
    lookup_key: Mapped[str] = mapped_column(String(12), default=new_lookup_key)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedure.id"))
    status: Mapped[str] = mapped_column(String(24), index=True)
    channel: Mapped[str] = mapped_column(String(16), default="counter")  # counter/post/online

    applicant_kind: Mapped[str] = mapped_column(String(16), default="person")  # or organisation
    applicant_name: Mapped[str] = mapped_column(String(200))
    id_number: Mapped[str] = mapped_column(String(20), default="")  # CCCD or tax code
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    phone: Mapped[str] = mapped_column(String(20), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    # The filer, when someone files on the applicant's behalf (người được ủy quyền).
    filer_name: Mapped[str] = mapped_column(String(200), default="")
    filer_id_number: Mapped[str] = mapped_column(String(20), default="")
    filer_phone: Mapped[str] = mapped_column(String(20), default="")
    filer_address: Mapped[str] = mapped_column(String(300), default="")
    search_text: Mapped[str] = mapped_column(Text, default="")  # folded code, names, phone

    sets_count: Mapped[int] = mapped_column(default=1)
    notes: Mapped[str] = mapped_column(Text, default="", info={"max_length": 4000})
    fee_amount: Mapped[int | None] = mapped_column()  # VND
    result_delivery: Mapped[str] = mapped_column(String(16), default="counter")  # or post
    ledger_book: Mapped[str] = mapped_column(String(20), default="")  # quyển số
    ledger_seq: Mapped[int | None] = mapped_column()  # số thứ tự in the ledger

    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    original_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delay_count: Mapped[int] = mapped_column(default=0)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    timeliness: Mapped[str | None] = mapped_column(String(16))  # early/on_time/late
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    collected_by: Mapped[str] = mapped_column(String(200), default="")
    processing_unit: Mapped[str] = mapped_column(String(200), default="")

    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)
    version: Mapped[int] = mapped_column(default=1)

    procedure: Mapped[Procedure] = relationship()
    received_by: Mapped[User | None] = relationship(foreign_keys=[received_by_id])
    assigned_to: Mapped[User | None] = relationship(foreign_keys=[assigned_to_id])
    documents: Mapped[list[DossierDocument]] = relationship(
        back_populates="dossier", order_by="DossierDocument.position", cascade="all, delete-orphan"
    )
    events: Mapped[list[DossierEvent]] = relationship(
        back_populates="dossier", order_by="DossierEvent.id", cascade="all, delete-orphan"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="dossier", order_by="Attachment.id", cascade="all, delete-orphan"
    )
    # The citizen's rating when the result was returned (read here for the portal's object).
    satisfaction: Mapped[SatisfactionRating | None] = relationship(
        "SatisfactionRating", uselist=False, viewonly=True
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy reads it)


class DossierDocument(db.Model):  # type: ignore[name-defined,misc]
    """A document received with the dossier (from the procedure's checklist or added)."""

    __tablename__ = "dossier_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossier.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(Text, info={"max_length": 2000})
    kind: Mapped[str] = mapped_column(String(20), default="original")
    count: Mapped[int] = mapped_column(default=1)

    dossier: Mapped[Dossier] = relationship(back_populates="documents")


class Attachment(db.Model):  # type: ignore[name-defined,misc]
    """A scan of a received document, stored under instance/ (số hóa hồ sơ)."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossier.id", ondelete="CASCADE"), index=True
    )
    document_id: Mapped[int | None] = mapped_column(
        ForeignKey("dossier_document.id", ondelete="SET NULL")
    )
    filename: Mapped[str] = mapped_column(String(255))  # as uploaded, shown to staff
    stored_name: Mapped[str] = mapped_column(String(255), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    dossier: Mapped[Dossier] = relationship(back_populates="attachments")


def new_event_uid() -> str:
    """An identity for an event, never given again, even after a restore (MaTienDo).

    32 hex digits: the millisecond it was given (12), then 80 random bits. Random enough
    that no one guesses one (the rating tablet's link names it), and in time order so
    that the unique index of millions of events takes each new one at its end, a page
    already in memory, instead of at a random page of its own.
    """
    return f"{time.time_ns() // 1_000_000:012x}{secrets.token_hex(10)}"


class DossierEvent(db.Model):  # type: ignore[name-defined,misc]
    """One step of a dossier, or a notice given at the counter: the single event log.

    It is the dossier's history and audit trail, what the printed forms read, and
    the sync outbox. What a kind of step records beyond these columns is its typed
    payload (:attr:`payload`, :mod:`counter.domain.events`), stored in ``detail``.
    A counter notice (forms 02/03 without a dossier) has ``notice_id`` instead of
    ``dossier_id``.
    """

    __tablename__ = "dossier_event"
    __table_args__ = (
        Index("ix_dossier_event_synced_at", "synced_at"),
        Index("ix_dossier_event_action_at", "action", "at"),  # the reports' steps (0017)
        UniqueConstraint("uid", name="uq_dossier_event_uid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), default=new_event_uid)
    dossier_id: Mapped[int | None] = mapped_column(
        ForeignKey("dossier.id", ondelete="CASCADE"), index=True
    )
    notice_id: Mapped[int | None] = mapped_column(
        ForeignKey("counter_notice.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    username: Mapped[str] = mapped_column(String(64), default="")
    # The officer as named when acting (NguoiXuLy, ChucDanh) and the unit acting (PhongBanXuLy).
    officer_name: Mapped[str] = mapped_column(String(128), default="")
    officer_title: Mapped[str] = mapped_column(String(128), default="")
    unit: Mapped[str] = mapped_column(String(200), default="")
    action: Mapped[str] = mapped_column(String(32))  # the payload's kind
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str] = mapped_column(String(24))
    note: Mapped[str] = mapped_column(Text, default="", info={"max_length": 2000})
    due_before: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_after: Mapped[datetime | None] = mapped_column(UTCDateTime)
    form_no: Mapped[str | None] = mapped_column(String(4))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    dossier: Mapped[Dossier | None] = relationship(back_populates="events")
    notice: Mapped[CounterNotice | None] = relationship(back_populates="events")
    user: Mapped[User | None] = relationship()

    @property
    def payload(self) -> EventPayload:
        """What this kind of step recorded, typed (read from ``detail``)."""
        return from_detail(self.action, self.detail)


class CounterNotice(db.Model):  # type: ignore[name-defined,misc]
    """A form given at the counter without receiving a dossier: 02 (incomplete) or 03 (refused).

    Kept for the statistics and for reprinting.
    """

    __tablename__ = "counter_notice"
    __table_args__ = (UniqueConstraint("number", name="uq_counter_notice_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40))  # e.g. 02-261127-0003
    kind: Mapped[str] = mapped_column(String(16))  # incomplete/refused
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    procedure_id: Mapped[int | None] = mapped_column(ForeignKey("procedure.id"))
    applicant_name: Mapped[str] = mapped_column(String(200))
    id_number: Mapped[str] = mapped_column(String(20), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    # What is missing/wrong; max_length bounds the items' text together (the form's box).
    items: Mapped[list[str]] = mapped_column(JSON, default=list, info={"max_length": 4000})
    reason: Mapped[str] = mapped_column(Text, default="", info={"max_length": 4000})
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossier.id"))

    procedure: Mapped[Procedure | None] = relationship()
    user: Mapped[User | None] = relationship()
    events: Mapped[list[DossierEvent]] = relationship(
        back_populates="notice", order_by="DossierEvent.id", cascade="all, delete-orphan"
    )

    @property
    def event(self) -> DossierEvent | None:
        """The event that records the notice (rows from before 0012 have one too)."""
        return self.events[0] if self.events else None


class SatisfactionRating(db.Model):  # type: ignore[name-defined,misc]
    """The citizen's rating of the service when the result was returned (đánh giá hài lòng).

    One per dossier: given with one tap on the tablet beside the counter, or entered by
    an officer from what the citizen said. ``officer_id`` is who handed the result
    back (the one rated); ``entered_by_id`` the officer who typed it (none: the tablet).
    """

    __tablename__ = "satisfaction_rating"
    __table_args__ = (
        UniqueConstraint("dossier_id", name="uq_satisfaction_rating_dossier_id"),
        Index("ix_satisfaction_rating_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id", ondelete="CASCADE"))
    level: Mapped[str] = mapped_column(String(16))  # very_satisfied / satisfied / dissatisfied
    reason: Mapped[str] = mapped_column(Text, default="", info={"max_length": 500})
    source: Mapped[str] = mapped_column(String(16))  # tablet / officer
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    dossier: Mapped[Dossier] = relationship()
