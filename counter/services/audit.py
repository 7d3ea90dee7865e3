"""The audit log: every sign-in and every change made through a service."""

from __future__ import annotations

from datetime import datetime

from counter.extensions import db
from counter.models import AuditEntry
from counter.services import Actor

# Action names shown (translated) on the audit page.
ACTIONS: dict[str, str] = {
    "login": "Đăng nhập",
    "login_failed": "Đăng nhập thất bại",
    "logout": "Đăng xuất",
    "password_changed": "Đổi mật khẩu",
    "password_reset": "Đặt lại mật khẩu",
    "user_created": "Tạo tài khoản",
    "user_updated": "Sửa tài khoản",
    "office_updated": "Sửa thông tin đơn vị",
    "backup_created": "Sao lưu dữ liệu",
    "backup_downloaded": "Tải bản sao lưu",
    "backup_restored": "Khôi phục dữ liệu",
    "init": "Khởi tạo dữ liệu",
    "calendar_entry_added": "Thêm ngày nghỉ/làm bù",
    "calendar_entry_updated": "Sửa ngày nghỉ/làm bù",
    "calendar_entry_deleted": "Xóa ngày nghỉ/làm bù",
    "calendar_imported": "Nhập lịch nghỉ từ tệp",
    "printer_saved": "Lưu cấu hình máy in",
    "printer_deleted": "Xóa máy in",
    "catalog_imported": "Nhập danh mục thủ tục",
    "procedure_created": "Thêm thủ tục",
    "procedure_updated": "Sửa thủ tục",
    "procedure_abolished": "Bãi bỏ thủ tục",
    "dossier_received": "Tiếp nhận hồ sơ",
    "notice_incomplete": "Lập phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (mẫu 02)",
    "notice_refused": "Lập phiếu từ chối tiếp nhận hồ sơ (mẫu 03)",
    "attachment_added": "Thêm tệp quét hồ sơ",
    "attachment_viewed": "Xem tệp quét hồ sơ",
}


def record(actor: Actor, action: str, target: str = "", detail: str = "") -> AuditEntry:
    """Add an audit row to the current transaction; the caller commits."""
    entry = AuditEntry(
        user_id=actor.user_id,
        username=actor.username,
        action=action,
        target=target[:128],
        detail=detail,
        address=actor.address[:64],
    )
    db.session.add(entry)
    return entry


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
