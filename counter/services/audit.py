"""The audit log: every sign-in and every change made through a service."""

from __future__ import annotations

from datetime import datetime

from counter.domain.i18n import N_
from counter.extensions import db
from counter.models import AuditEntry
from counter.services import Actor

# Action names shown (translated) on the audit page.
ACTIONS: dict[str, str] = {
    "login": N_("Đăng nhập"),
    "login_failed": N_("Đăng nhập thất bại"),
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
