"""The local queue (hàng đợi): services, counters, tickets and the log of calls."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Date, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from counter.domain import clock
from counter.extensions import db
from counter.models.types import UTCDateTime

#: Which services a counter serves (many to many).
counter_service = Table(
    "queue_counter_service",
    db.metadata,
    Column("counter_id", ForeignKey("queue_counter.id", ondelete="CASCADE"), primary_key=True),
    Column("service_id", ForeignKey("queue_service.id", ondelete="CASCADE"), primary_key=True),
)


class QueueService(db.Model):  # type: ignore[name-defined,misc]
    """A queue service (dịch vụ xếp hàng): one letter of tickets, A001…, for some fields."""

    __tablename__ = "queue_service"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)  # "Hộ tịch"
    letter: Mapped[str] = mapped_column(String(2), unique=True)  # "A"
    # The catalog's fields (lĩnh vực) it groups, one a line; informs the kiosk's button.
    fields: Mapped[str] = mapped_column(Text, default="", info={"max_length": 1000})
    # Minutes one citizen takes, until today has served times of its own (the estimate).
    default_minutes: Mapped[int] = mapped_column(default=10)
    active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)

    @property
    def field_names(self) -> list[str]:
        """The grouped fields as a list."""
        return [line.strip() for line in (self.fields or "").splitlines() if line.strip()]


class QueueCounter(db.Model):  # type: ignore[name-defined,misc]
    """A counter (quầy): served by one officer at a time while open."""

    __tablename__ = "queue_counter"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)  # quầy số 1, 2…
    name: Mapped[str] = mapped_column(String(100), default="")
    active: Mapped[bool] = mapped_column(default=True)
    # Open while an officer holds it; set and cleared by a conditional update.
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)

    services: Mapped[list[QueueService]] = relationship(
        secondary=counter_service, lazy="selectin", order_by=QueueService.position
    )
    # Loaded only when asked for: a counter loads with each ticket, and an officer's
    # account brings its roles (the counter page names officers by id).
    officer = relationship("User", lazy="select")

    @property
    def is_open(self) -> bool:
        """Whether an officer holds the counter now."""
        return self.officer_id is not None


class CounterSession(db.Model):  # type: ignore[name-defined,misc]
    """One officer's time at a counter, from opening to closing (for statistics)."""

    __tablename__ = "queue_counter_session"
    __table_args__ = (Index("ix_queue_counter_session_opened_at", "opened_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    counter_id: Mapped[int] = mapped_column(ForeignKey("queue_counter.id", ondelete="CASCADE"))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class QueueTicket(db.Model):  # type: ignore[name-defined,misc]
    """A ticket (phiếu số thứ tự) taken at the kiosk: A001 of one service on one day."""

    __tablename__ = "queue_ticket"
    __table_args__ = (
        UniqueConstraint("day", "code", name="uq_queue_ticket_day_code"),
        # call next: the waiting tickets of a day, priority first, then the oldest
        Index("ix_queue_ticket_day_status", "day", "status"),
        Index("ix_queue_ticket_dossier_id", "dossier_id"),
        # the ticket at a counter (call next, the counter page): not a scan of every day's
        Index("ix_queue_ticket_counter_id_status", "counter_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("queue_service.id"))
    day: Mapped[date] = mapped_column(Date)  # the local day it was issued
    seq: Mapped[int]
    code: Mapped[str] = mapped_column(String(8))  # A001: kept for life, even on transfer
    priority: Mapped[bool] = mapped_column(default=False)
    priority_kind: Mapped[str] = mapped_column(String(16), default="")
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    # The place in the queue; a transfer keeps it (the citizen does not start again).
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    called_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recalls: Mapped[int] = mapped_column(default=0)
    counter_id: Mapped[int | None] = mapped_column(
        ForeignKey("queue_counter.id", ondelete="SET NULL")
    )
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # A ticket transferred to one counter waits for that counter only.
    target_counter_id: Mapped[int | None] = mapped_column(
        ForeignKey("queue_counter.id", ondelete="SET NULL")
    )
    transfers: Mapped[int] = mapped_column(default=0)
    transferred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossier.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)

    service: Mapped[QueueService] = relationship(lazy="joined")
    # Loaded only when asked for: eager, each ticket brought both counters, their
    # services and officers with their roles (call next: 20 statements, now 13).
    counter: Mapped[QueueCounter | None] = relationship(foreign_keys=[counter_id], lazy="select")
    target_counter: Mapped[QueueCounter | None] = relationship(
        foreign_keys=[target_counter_id], lazy="select"
    )


class QueueEvent(db.Model):  # type: ignore[name-defined,misc]
    """One step of a ticket or a counter: issue, call, recall, start, finish, no-show,
    transfer, open, close. The board's last calls (and, next, what it speaks), the
    statistics' times per service, counter and officer, and the board's ETag."""

    __tablename__ = "queue_event"
    __table_args__ = (Index("ix_queue_event_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    action: Mapped[str] = mapped_column(String(16))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("queue_ticket.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(8), default="")
    service_id: Mapped[int | None] = mapped_column(
        ForeignKey("queue_service.id", ondelete="SET NULL")
    )
    counter_id: Mapped[int | None] = mapped_column(
        ForeignKey("queue_counter.id", ondelete="SET NULL")
    )
    counter_number: Mapped[int | None]
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
