"""The admin's first hour: password, a new reception user, the office profile, a backup,
and all of it in the audit log."""

from __future__ import annotations

from typing import Any

from counter.extensions import db
from counter.models import AuditEntry, Office, User
from tests.conftest import PG_URL, Browser


def test_admin_first_hour_is_all_in_the_audit_log(browser: Browser) -> None:
    assert browser.login("admin").location.endswith("/doi-mat-khau")
    new_password = "Dien-Bien-Phu-1954"
    resp = browser.submit(
        "/doi-mat-khau",
        {"current_password": "admin", "new_password": new_password, "confirm": new_password},
    )
    assert resp.status_code == 302

    resp = browser.submit(
        "/quan-tri/tai-khoan/moi",
        {
            "username": "hoa.lt",
            "full_name": "Lò Thị Hoà",
            "title": "Công chức Văn phòng - Thống kê",
            "roles": "reception",
            "password": "tam-thoi-123",
        },
    )
    assert resp.status_code == 302
    user = db.session.scalar(db.select(User).where(User.username == "hoa.lt"))
    assert user.roles == {"reception"} and user.must_change_password
    assert "Lò Thị Hoà" in browser.get("/quan-tri/tai-khoan").get_data(as_text=True)

    office_form = {
        "public_url": "http://192.168.1.10:8080/",
        "name": "Trung tâm Phục vụ hành chính công xã Mường Phăng",
        "governing_body": "UBND xã Mường Phăng",
        "agency_id": "000.21.18.h18",
        "place_name": "Mường Phăng",
        "address": "Bản Phăng, xã Mường Phăng, tỉnh Điện Biên",
        "phone": "0215 3826 999",
        "morning_open": "07:30",
        "morning_close": "11:30",
        "afternoon_open": "13:30",
        "afternoon_close": "17:00",
        "same_day_cutoff": "15:00",
    }
    assert browser.submit("/quan-tri/don-vi", office_form).status_code == 302
    office = db.session.get(Office, 1)
    assert office.agency_id == "000.21.18.H18" and office.morning_open.hour == 7
    assert office.public_url == "http://192.168.1.10:8080"
    page = browser.get("/quan-tri/don-vi").get_data(as_text=True)
    assert "http://192.168.1.10:8080/tra-cuu/000.20.18.H18-261127-0001" in page
    assert office.morning_open.minute == 30

    if not PG_URL:
        resp = browser.submit("/quan-tri/sao-luu", {})
        assert resp.status_code == 302

    page = browser.get("/quan-tri/nhat-ky").get_data(as_text=True)
    for label in ("Đổi mật khẩu", "Tạo tài khoản", "Sửa thông tin đơn vị", "Đăng nhập"):
        assert label in page
    if not PG_URL:
        assert "Sao lưu dữ liệu" in page
    actions = {e.action for e in db.session.scalars(db.select(AuditEntry))}
    assert {"login", "password_changed", "user_created", "office_updated"} <= actions

    # Filter by action: only the account creation is listed.
    filtered = browser.get("/quan-tri/nhat-ky?action=user_created").get_data(as_text=True)
    assert "hoa.lt" in filtered and "000.21.18.H18" not in filtered


def test_office_profile_refuses_bad_hours_and_identifier(login_as: Any) -> None:
    b = login_as("admin")
    form = {
        "name": "Trung tâm",
        "governing_body": "UBND xã",
        "agency_id": "H18",
        "morning_open": "07:00",
        "morning_close": "11:30",
        "afternoon_open": "13:30",
        "afternoon_close": "17:00",
        "same_day_cutoff": "15:00",
    }
    resp = b.submit("/quan-tri/don-vi", form)
    assert resp.status_code == 422
    assert "Mã định danh cơ quan" in resp.get_data(as_text=True)
    form.update(agency_id="000.20.18.H18", public_url="192.168.1.10:8080")
    resp = b.submit("/quan-tri/don-vi", form)
    assert resp.status_code == 422
    assert "Địa chỉ tra cứu phải bắt đầu bằng http://" in resp.get_data(as_text=True)
    form.update(public_url="", morning_close="14:00")
    resp = b.submit("/quan-tri/don-vi", form)
    assert resp.status_code == 422
    assert "Giờ làm việc phải theo thứ tự" in resp.get_data(as_text=True)
    form.update(morning_close="11:30", same_day_cutoff="18:00")
    resp = b.submit("/quan-tri/don-vi", form)
    assert resp.status_code == 422
    assert "Giờ chốt nhận" in resp.get_data(as_text=True)
    assert db.session.get(Office, 1).agency_id == "000.20.18.H18"  # nothing half-saved


def test_new_user_is_refused_on_bad_input_and_duplicates(login_as: Any) -> None:
    b = login_as("admin")
    before = db.session.scalar(db.select(db.func.count(User.id)))
    base = {"full_name": "Nguyễn Văn A", "roles": "reception", "password": "tam-thoi-123"}
    resp = b.submit("/quan-tri/tai-khoan/moi", {**base, "username": "Nguyễn A"})
    assert resp.status_code == 422 and "chữ thường không dấu" in resp.get_data(as_text=True)
    resp = b.submit("/quan-tri/tai-khoan/moi", {**base, "username": "tiepnhan"})
    assert resp.status_code == 422 and "đã có" in resp.get_data(as_text=True)
    resp = b.submit("/quan-tri/tai-khoan/moi", {**base, "username": "ok.user", "roles": "boss"})
    assert resp.status_code == 422 and "Vai trò không hợp lệ." in resp.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(User.id))) == before


def test_admin_locks_an_account_and_resets_a_password(login_as: Any) -> None:
    staff = login_as("tiepnhan")
    assert staff.get("/").status_code == 200
    b = login_as("admin")
    user = db.session.scalar(db.select(User).where(User.username == "tiepnhan"))
    url = f"/quan-tri/tai-khoan/{user.id}"
    resp = b.submit(url, {"full_name": user.full_name, "title": "", "roles": "reception"})
    assert resp.status_code == 302
    # Locked: the open session ends and sign-in is refused.
    assert staff.get("/").status_code == 302
    assert Browser(staff.client).login("tiepnhan").status_code == 422
    resp = b.submit(
        url, {"full_name": user.full_name, "title": "", "roles": "reception", "active": "y"}
    )
    resp = b.submit(f"{url}/dat-lai-mat-khau", {"reset-password": "tam-moi-456"}, page=url)
    assert resp.status_code == 302
    again = Browser(staff.client).login("tiepnhan", "tam-moi-456")
    assert again.location.endswith("/doi-mat-khau")


def test_admin_cannot_lock_themself(login_as: Any) -> None:
    b = login_as("admin")
    admin = db.session.scalar(db.select(User).where(User.username == "admin"))
    resp = b.submit(
        f"/quan-tri/tai-khoan/{admin.id}",
        {"full_name": "X", "title": "", "roles": "reception", "active": "y"},
    )
    assert resp.status_code == 422
    assert "Không thể tự khóa hoặc bỏ quyền quản trị" in resp.get_data(as_text=True)
    assert db.session.get(User, admin.id).roles == {"admin"}


def test_backup_page_explains_itself_on_either_database(login_as: Any) -> None:
    b = login_as("admin")
    html = b.submit("/quan-tri/sao-luu", {}, follow_redirects=True).get_data(as_text=True)
    if PG_URL:
        assert "chỉ dùng cho cơ sở dữ liệu SQLite" in html and "pg_dump" in html
    else:
        assert "Đã sao lưu: counter-" in html
