"""The office profile: one row, the commune centre this PC serves."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import String, Time
from sqlalchemy.orm import Mapped, mapped_column

from counter.domain import clock
from counter.extensions import db
from counter.models.types import UTCDateTime


class Office(db.Model):  # type: ignore[name-defined,misc]
    """Trung tâm phục vụ hành chính công cấp xã: name, identifiers, hours."""

    __tablename__ = "office"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    governing_body: Mapped[str] = mapped_column(String(200))  # cơ quan chủ quản
    agency_id: Mapped[str] = mapped_column(String(64))  # mã định danh điện tử
    place_name: Mapped[str] = mapped_column(String(100), default="")  # địa danh on forms
    address: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    # Base of the look-up link in the slip's QR code: an address citizens' phones can open.
    public_url: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # How «Tiếp nhận và in giấy hẹn» prints the slip (services.office.PRINT_MODES).
    print_on_receive: Mapped[str] = mapped_column(String(16), default="auto", server_default="auto")
    morning_open: Mapped[time] = mapped_column(Time, default=time(7, 0))
    morning_close: Mapped[time] = mapped_column(Time, default=time(11, 30))
    afternoon_open: Mapped[time] = mapped_column(Time, default=time(13, 30))
    afternoon_close: Mapped[time] = mapped_column(Time, default=time(17, 0))
    same_day_cutoff: Mapped[time] = mapped_column(Time, default=time(15, 0))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)


class SetupVersion(db.Model):  # type: ignore[name-defined,misc]
    """One row whose number goes up whenever the office's setup changes: the office row,
    the calendar, the queue's services and counters, the printers.

    Database triggers (migration 0021) raise it on every write to those tables, by any
    process or statement, so each process may keep its own copies of them
    (:mod:`counter.services.setup_cache`) and check them with one small query.
    """

    __tablename__ = "setup_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(default=0)
