"""Thermal printers of the office and the log of every print job."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from counter.domain import clock
from counter.extensions import db
from counter.models.types import UTCDateTime


class Printer(db.Model):  # type: ignore[name-defined,misc]
    """A receipt printer: one per counter, one at the kiosk."""

    __tablename__ = "printer"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)  # "Quầy 1", "Kiosk"
    uri: Mapped[str] = mapped_column(String(300))  # tcp://…, usb://…, file:…, win32://…
    width: Mapped[int] = mapped_column(default=576)  # dots: 384 (58 mm) or 576 (80 mm)
    cut: Mapped[bool] = mapped_column(default=True)
    text_mode: Mapped[bool] = mapped_column(default=False)
    is_default: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)


class PrintLog(db.Model):  # type: ignore[name-defined,misc]
    """One print attempt and its outcome; failures keep their message for the reprint."""

    __tablename__ = "print_log"
    __table_args__ = (Index("ix_print_log_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    username: Mapped[str] = mapped_column(String(64), default="")
    printer_id: Mapped[int | None] = mapped_column(ForeignKey("printer.id", ondelete="SET NULL"))
    printer_label: Mapped[str] = mapped_column(String(300), default="")
    kind: Mapped[str] = mapped_column(String(16))  # slip/ticket/notice/test
    ref: Mapped[str] = mapped_column(String(100), default="")  # dossier code, ticket number…
    ok: Mapped[bool] = mapped_column(default=False)
    error: Mapped[str] = mapped_column(Text, default="")
    size: Mapped[int] = mapped_column(default=0)
    duration_ms: Mapped[int] = mapped_column(default=0)
