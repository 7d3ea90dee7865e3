"""The audit log: every sign-in and every change made through a service."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from counter.domain.i18n import N_
from counter.domain.lifecycle import Status
from counter.extensions import db
from counter.models import AuditEntry
from counter.services import Actor

# Action names shown (translated) on the audit page.
ACTIONS: dict[str, str] = {
    "login": N_("Đăng nhập"),
    "login_failed": N_("Đăng nhập thất bại"),
    "login_throttled": N_("Đăng nhập bị tạm chặn"),
    "login_unlocked": N_("Mở khóa đăng nhập"),
    "logout": N_("Đăng xuất"),
    "password_changed": N_("Đổi mật khẩu"),
    "password_reset": N_("Đặt lại mật khẩu"),
    "user_created": N_("Tạo tài khoản"),
    "user_updated": N_("Sửa tài khoản"),
    "office_updated": N_("Sửa thông tin đơn vị"),
    "backup_created": N_("Sao lưu dữ liệu"),
    "backup_downloaded": N_("Tải bản sao lưu"),
    "backup_restored": N_("Khôi phục dữ liệu"),
    "init": N_("Khởi tạo dữ liệu"),
    "calendar_entry_added": N_("Thêm ngày nghỉ/làm bù"),
    "calendar_entry_updated": N_("Sửa ngày nghỉ/làm bù"),
    "calendar_entry_deleted": N_("Xóa ngày nghỉ/làm bù"),
    "calendar_imported": N_("Nhập lịch nghỉ từ tệp"),
    "printer_saved": N_("Lưu cấu hình máy in"),
    "printer_deleted": N_("Xóa máy in"),
    "catalog_imported": N_("Nhập danh mục thủ tục"),
    "procedure_created": N_("Thêm thủ tục"),
    "procedure_updated": N_("Sửa thủ tục"),
    "procedure_abolished": N_("Bãi bỏ thủ tục"),
    "dossier_received": N_("Tiếp nhận hồ sơ"),
    "notice_incomplete": N_("Lập phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (mẫu 02)"),
    "notice_refused": N_("Lập phiếu từ chối tiếp nhận hồ sơ (mẫu 03)"),
    "attachment_added": N_("Thêm tệp quét hồ sơ"),
    "attachment_viewed": N_("Xem tệp quét hồ sơ"),
    "bundle_exported": N_("Xuất gói dữ liệu đồng bộ (USB)"),
    "bundle_receipt": N_("Nạp biên nhận gói dữ liệu đồng bộ"),
}


#: Field names written in account and office details, as the forms label them.
FIELD_LABELS: dict[str, str] = {
    "full_name": N_("Họ và tên"),
    "title": N_("Chức danh"),
    "active": N_("Được phép đăng nhập"),
    "roles": N_("Vai trò"),
    "name": N_("Tên trung tâm"),
    "governing_body": N_("Cơ quan chủ quản"),
    "agency_id": N_("Mã định danh điện tử"),
    "place_name": N_("Địa danh (ghi trên biểu mẫu)"),
    "address": N_("Địa chỉ"),
    "phone": N_("Số điện thoại"),
    "public_url": N_("Địa chỉ tra cứu in trong mã QR của giấy hẹn"),
    "print_on_receive": N_("In giấy hẹn khi bấm «Tiếp nhận và in giấy hẹn»"),
    "morning_open": N_("Mở cửa buổi sáng"),
    "morning_close": N_("Đóng cửa buổi sáng"),
    "afternoon_open": N_("Mở cửa buổi chiều"),
    "afternoon_close": N_("Đóng cửa buổi chiều"),
    "same_day_cutoff": N_("Giờ chốt nhận hồ sơ trả trong ngày"),
}
#: Details written as "field: old → new; …" (or "roles=…" for a new account).
_FIELD_DETAILS = ("user_created", "user_updated", "office_updated")
_STATUS_CHANGE = re.compile(r"(\w+) → (\w+)")
_FIELD_CHANGE = re.compile(r"([a-z_]+)(: |=)(.*)", re.S)
_STATUSES = {s.value for s in Status}
_BOOLEANS = {"True": N_("có"), "False": N_("không")}
#: Sign-in attempts refused while an address waits, counted in one row per window.
_REFUSED = re.compile(r"refused=(\d+)")
_REFUSED_TEXT = N_("%(count)s lần bị từ chối trong lúc phải chờ")


def describe(entry: AuditEntry, translate: Callable[[str], str] = str) -> str:
    """The detail as the audit page shows it: names and labels, never codes.

    "resolved → returned" reads "Đã xử lý xong → Đã trả kết quả"; "phone: a → b"
    reads "Số điện thoại: a → b"; role codes read as role names. ``translate`` is
    the page's gettext; other details are shown as written.
    """
    detail = entry.detail or ""
    change = _STATUS_CHANGE.fullmatch(detail)
    if entry.action.startswith("dossier_") and change and set(change.groups()) <= _STATUSES:
        return " → ".join(translate(Status(code).label) for code in change.groups())
    if entry.action in _FIELD_DETAILS:
        return "; ".join(_describe_field(part, translate) for part in detail.split("; "))
    refused = _REFUSED.fullmatch(detail)
    if entry.action == "login_throttled" and refused:
        return translate(_REFUSED_TEXT) % {"count": int(refused.group(1))}
    return detail


def _describe_field(part: str, translate: Callable[[str], str]) -> str:
    from counter.services.accounts import ROLE_LABELS  # accounts records through this module

    match = _FIELD_CHANGE.fullmatch(part)
    if match is None or match.group(1) not in FIELD_LABELS:
        return part
    field, _sep, values = match.groups()

    def value(text: str) -> str:
        if field == "roles":
            return ", ".join(
                translate(ROLE_LABELS[r]) if r in ROLE_LABELS else r for r in text.split(", ")
            )
        return translate(_BOOLEANS[text]) if text in _BOOLEANS else text

    shown = " → ".join(value(v) for v in values.split(" → "))
    return f"{translate(FIELD_LABELS[field])}: {shown}"


def _row(actor: Actor, action: str, target: str, detail: str) -> dict[str, Any]:
    return {
        "user_id": actor.user_id,
        "username": actor.username,
        "action": action,
        "target": target[:128],
        "detail": detail,
        "address": actor.address[:64],
    }


def record(actor: Actor, action: str, target: str = "", detail: str = "") -> AuditEntry:
    """Add an audit row to the current transaction; the caller commits."""
    entry = AuditEntry(**_row(actor, action, target, detail))
    db.session.add(entry)
    return entry


#: A plain INSERT of the audit table (:func:`write`).
_INSERT = AuditEntry.__table__.insert()


def write(actor: Actor, action: str, target: str = "", detail: str = "") -> None:
    """:func:`record` as a plain statement on the transaction's connection, for a use case
    that writes its rows that way (reception): nothing for the session to flush."""
    db.session.connection().execute(_INSERT, _row(actor, action, target, detail))


#: When the newest audit row was written (every sign-in and change writes one): what this
#: PC's clock is compared with (:func:`counter.domain.clock.doubt`; the staff pages' banner
#: reads it with :mod:`counter.services.page_facts`).
NEWEST_AT = db.select(db.func.max(AuditEntry.at))


def search(
    *,
    username: str = "",
    action: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
    page: int = 1,
    per_page: int = 50,
) -> tuple[list[AuditEntry], int]:
    """Audit rows, newest first, filtered; returns the page and the total count."""
    query = db.select(AuditEntry)
    if username:
        query = query.where(AuditEntry.username == username)
    if action:
        query = query.where(AuditEntry.action == action)
    if since:
        query = query.where(AuditEntry.at >= since)
    if until:
        query = query.where(AuditEntry.at < until)
    total = db.session.scalar(db.select(db.func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(
        query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(per_page)
        .offset((max(page, 1) - 1) * per_page)
    ).all()
    return list(rows), total
