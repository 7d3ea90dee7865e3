"""The announced days off and swapped working Saturdays, as ranges (lịch nghỉ)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from counter.domain import clock
from counter.extensions import db
from counter.models.types import UTCDateTime


class CalendarEntry(db.Model):  # type: ignore[name-defined,misc]
    """One row of a year's schedule: a range of days off, or a working (làm bù) day.

    A year that has any entries uses them instead of the statutory defaults; the
    year of a row is the year of its last date.
    """

    __tablename__ = "calendar_entry"
    __table_args__ = (
        CheckConstraint("last_date >= first_date", name="range_order"),
        CheckConstraint("kind IN ('day_off', 'working_day')", name="kind"),
        Index("ix_calendar_entry_year", "year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    first_date: Mapped[date] = mapped_column(Date)
    last_date: Mapped[date] = mapped_column(Date)
    year: Mapped[int] = mapped_column()
    kind: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(500), default="")
    origin: Mapped[str] = mapped_column(String(16), default="builtin")  # builtin/admin/import
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)
