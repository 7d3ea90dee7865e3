"""Sign-in, first-login password change, CSRF and role checks (throttling: test_login_throttle)."""

from __future__ import annotations

from typing import Any

from counter.extensions import db
from counter.models import AuditEntry, User
from tests.conftest import Browser


def _audit(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == action)))


def test_demo_admin_must_set_a_new_password_before_anything_else(browser: Browser) -> None:
    resp = browser.login("admin")
    assert resp.status_code == 302 and resp.location.endswith("/doi-mat-khau")
    resp = browser.get("/quan-tri/tai-khoan")
    assert resp.status_code == 302 and resp.location.endswith("/doi-mat-khau")
    page = browser.get("/doi-mat-khau").get_data(as_text=True)
    assert "đặt mật khẩu riêng" in page

    resp = browser.submit(
        "/doi-mat-khau",
        {"current_password": "admin", "new_password": "admin", "confirm": "admin"},
    )
    assert resp.status_code == 422
    assert "ít nhất 8 ký tự" in resp.get_data(as_text=True)

    resp = browser.submit(
        "/doi-mat-khau",
        {
            "current_password": "admin",
            "new_password": "Muong-Phang-2026",
            "confirm": "Muong-Phang-2026",
        },
    )
    assert resp.status_code == 302
    assert browser.get("/quan-tri/tai-khoan").status_code == 200
    user = db.session.scalar(db.select(User).where(User.username == "admin"))
    assert not user.must_change_password
    assert [e.username for e in _audit("password_changed")] == ["admin"]


def test_wrong_password_is_refused_in_vietnamese_and_audited(browser: Browser) -> None:
    resp = browser.login("tiepnhan", "sai-mat-khau")
    assert resp.status_code == 422
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in resp.get_data(as_text=True)
    failed = _audit("login_failed")
    assert len(failed) == 1 and failed[0].address == "127.0.0.1"
    assert browser.login("tiepnhan").status_code == 302
    assert [e.username for e in _audit("login")] == ["tiepnhan"]


def test_a_deactivated_account_cannot_sign_in(browser: Browser) -> None:
    user = db.session.scalar(db.select(User).where(User.username == "tiepnhan"))
    user.active = False
    db.session.commit()
    assert browser.login("tiepnhan").status_code == 422


def test_logout_needs_post_and_ends_the_session(login_as: Any) -> None:
    b = login_as("tiepnhan")
    assert b.get("/").status_code == 200
    assert b.get("/dang-xuat").status_code == 405
    resp = b.submit("/dang-xuat", {}, page="/")
    assert resp.status_code == 302
    assert b.get("/").status_code == 302
    assert [e.username for e in _audit("logout")] == ["tiepnhan"]


def test_post_without_csrf_token_is_refused_and_changes_nothing(login_as: Any) -> None:
    b = login_as("admin")
    resp = b.client.post(
        "/quan-tri/tai-khoan/moi",
        data={"username": "hacker", "full_name": "X", "role": "admin", "password": "12345678"},
    )
    assert resp.status_code == 400
    assert "Phiên làm việc của biểu mẫu đã hết hạn" in resp.get_data(as_text=True)
    assert db.session.scalar(db.select(User).where(User.username == "hacker")) is None


def test_login_form_without_csrf_token_is_refused(client: Any) -> None:
    resp = client.post("/dang-nhap", data={"username": "tiepnhan", "password": "tiepnhan123"})
    assert resp.status_code == 400


def test_staff_cannot_open_admin_pages(login_as: Any) -> None:
    for username in ("tiepnhan", "chuyenvien", "lanhdao"):
        b = login_as(username)
        resp = b.get("/quan-tri/tai-khoan")
        assert resp.status_code == 403
        assert "Bạn không có quyền mở trang này." in resp.get_data(as_text=True)


def test_open_redirect_after_login_is_refused(browser: Browser) -> None:
    html = browser.get("/dang-nhap").get_data(as_text=True)
    from tests.conftest import csrf_from

    resp = browser.client.post(
        "/dang-nhap?next=https://evil.example/",
        data={"csrf_token": csrf_from(html), "username": "tiepnhan", "password": "tiepnhan123"},
    )
    assert resp.status_code == 302 and resp.location == "/"


def test_session_cookie_is_httponly_and_samesite(browser: Browser) -> None:
    resp = browser.login("tiepnhan")
    cookie = resp.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_language_switches_to_english_and_back(login_as: Any) -> None:
    b = login_as("tiepnhan")
    assert "Đăng xuất" in b.get("/").get_data(as_text=True)
    b.submit("/ngon-ngu/en", {"next": "/"}, page="/")
    assert "Sign out" in b.get("/").get_data(as_text=True)
    b.submit("/ngon-ngu/vi", {"next": "/"}, page="/")
    assert "Đăng xuất" in b.get("/").get_data(as_text=True)
