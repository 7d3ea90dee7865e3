"""Sign-in throttling: an attacker slows down only their own attempts.

The throttle is keyed by (account, address): wrong passwords from one address make
that address wait, longer each time, while the real user signs in from their own
PC. The same address may try again once its wait is over (the attacker and a user
sharing one PC share the wait; the admin can lift it with «Mở khóa»).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from counter.domain.clock import now as utcnow
from counter.extensions import db
from counter.models import AuditEntry, LoginFailure, User
from tests.conftest import DEMO_PASSWORDS, Browser, csrf_from

ATTACKER = {"REMOTE_ADDR": "10.0.0.66"}
OFFICE_PC = {"REMOTE_ADDR": "10.0.0.7"}


class Visitor:
    """A browser at one address on the LAN."""

    def __init__(self, app: Flask, environ: dict[str, str]) -> None:
        self.client: FlaskClient = app.test_client()
        self.environ = environ
        self.token = ""

    def login(self, username: str, password: str | None = None) -> Any:
        """Post the sign-in form (its CSRF token fetched once, as a script would)."""
        if not self.token:
            html = self.client.get("/dang-nhap", environ_base=self.environ).get_data(as_text=True)
            self.token = csrf_from(html)
        return self.client.post(
            "/dang-nhap",
            data={
                "csrf_token": self.token,
                "username": username,
                "password": password or DEMO_PASSWORDS[username],
            },
            environ_base=self.environ,
        )


def _audit(*actions: str) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            db.select(AuditEntry).where(AuditEntry.action.in_(actions)).order_by(AuditEntry.id)
        )
    )


def _refused(entry: AuditEntry) -> int:
    match = re.fullmatch(r"refused=(\d+)", entry.detail)
    assert match, entry.detail
    return int(match.group(1))


def test_a_flood_from_one_address_does_not_stop_the_real_user_elsewhere(app: Flask) -> None:
    attacker = Visitor(app, ATTACKER)
    statuses = [attacker.login("admin", f"doan-bua-{i}").status_code for i in range(300)]
    assert statuses[0] == 422 and statuses[-1] == 429
    resp = attacker.login("admin", "doan-bua")
    text = resp.get_data(as_text=True)
    assert "Vui lòng thử lại sau" in text and ("giây" in text or "phút" in text)

    # The admin, at their own PC, signs in with the right password.
    admin = Visitor(app, OFFICE_PC)
    resp = admin.login("admin")
    assert resp.status_code == 302, resp.get_data(as_text=True)[:800]

    # 301 refused or wrong attempts: a handful of audit rows, counts kept in aggregate.
    failed = _audit("login_failed")
    throttled = _audit("login_throttled")
    assert len(failed) + len(throttled) <= 10, [(e.action, e.detail) for e in failed + throttled]
    assert len(failed) + sum(_refused(e) for e in throttled) == 301
    assert {e.address for e in failed + throttled} == {"10.0.0.66"}
    assert {e.target for e in throttled} == {"admin"}


def test_the_same_address_signs_in_once_its_wait_is_over(app: Flask) -> None:
    app.config["LOGIN_FIRST_DELAY_SECONDS"] = 60
    attacker = Visitor(app, ATTACKER)
    for _ in range(6):
        attacker.login("tiepnhan", "sai-mat-khau")
    # While the address waits, even the right password is not checked there.
    resp = attacker.login("tiepnhan")
    assert resp.status_code == 429
    assert "Vui lòng thử lại sau" in resp.get_data(as_text=True)
    # The wait is over: the right password from the same address works, and clears its count.
    db.session.execute(
        db.update(LoginFailure).values(next_allowed_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()
    assert attacker.login("tiepnhan").status_code == 302
    assert db.session.scalars(db.select(LoginFailure)).all() == []


def test_another_address_keeps_its_own_count(app: Flask) -> None:
    """Failures from the attacker's address do not count against the user's PC."""
    attacker = Visitor(app, ATTACKER)
    for _ in range(6):
        attacker.login("tiepnhan", "sai-mat-khau")
    user = Visitor(app, OFFICE_PC)
    # The user mistypes once: an ordinary refusal, not a wait caused by the attacker.
    resp = user.login("tiepnhan", "tiepnhan12")
    assert resp.status_code == 422
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in resp.get_data(as_text=True)
    assert user.login("tiepnhan").status_code == 302


def test_one_address_trying_many_accounts_is_capped(app: Flask) -> None:
    app.config["LOGIN_MAX_FAILURES_ADDRESS"] = 6
    attacker = Visitor(app, ATTACKER)
    for name in ("a1", "a2", "a3", "a4", "a5", "a6"):
        assert attacker.login(name, "doan-bua").status_code == 422
    resp = attacker.login("tiepnhan")
    assert resp.status_code == 429
    assert "Vui lòng thử lại sau 15 phút" in resp.get_data(as_text=True)
    # Every other address is untouched.
    assert Visitor(app, OFFICE_PC).login("tiepnhan").status_code == 302


def _flood(app: Flask, username: str, times: int = 8) -> None:
    app.config["LOGIN_FIRST_DELAY_SECONDS"] = 60  # the wait outlasts a slow test run
    attacker = Visitor(app, ATTACKER)
    for _ in range(times):
        attacker.login(username, "doan-bua")
    assert attacker.login(username).status_code == 429


def test_unlock_from_the_command_line(app: Flask, runner: Any) -> None:
    _flood(app, "lanhdao")
    result = runner.invoke(args=["unlock", "lanhdao"])
    assert result.exit_code == 0, result.output
    assert "Đã mở khóa đăng nhập cho lanhdao" in result.output
    assert "10.0.0.66" in result.output
    assert Visitor(app, ATTACKER).login("lanhdao").status_code == 302
    entry = _audit("login_unlocked")[-1]
    assert (entry.target, entry.username) == ("lanhdao", "cli")

    result = runner.invoke(args=["unlock", "lanhdao"])
    assert result.exit_code == 0 and "không bị chặn" in result.output
    result = runner.invoke(args=["unlock", "khong-co-ai"])
    assert result.exit_code != 0 and "Không có tài khoản khong-co-ai" in result.output


def _users_row(html: str, username: str) -> str:
    for row in html.split("<tr")[1:]:
        if f"<td>{username}</td>" in row:
            return row
    raise AssertionError(f"{username} not listed")


def test_unlock_from_the_users_page(app: Flask, login_as: Any) -> None:
    _flood(app, "chuyenvien")
    admin: Browser = login_as("admin")
    page = admin.get("/quan-tri/tai-khoan").get_data(as_text=True)
    row = _users_row(page, "chuyenvien")
    assert "Đang chặn đăng nhập" in row and "10.0.0.66" in row and "Mở khóa" in row
    assert "Mở khóa" not in _users_row(page, "lanhdao")
    user_id = db.session.scalar(db.select(User.id).where(User.username == "chuyenvien"))
    url = f"/quan-tri/tai-khoan/{user_id}/mo-khoa"

    # Without the form's token, or by a non-admin, nothing happens.
    assert admin.client.post(url).status_code == 400
    officer: Browser = login_as("tiepnhan")
    assert officer.submit(url, {}, page="/").status_code == 403
    assert db.session.scalar(db.select(db.func.count(LoginFailure.id))) > 0

    resp = admin.submit(url, {}, page="/quan-tri/tai-khoan", follow_redirects=True)
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert "Đã mở khóa đăng nhập cho chuyenvien" in page
    assert "Đang chặn đăng nhập" not in _users_row(page, "chuyenvien")
    assert Visitor(app, ATTACKER).login("chuyenvien").status_code == 302
    entry = _audit("login_unlocked")[-1]
    assert (entry.target, entry.username) == ("chuyenvien", "admin")
    audit_page = admin.get("/quan-tri/nhat-ky").get_data(as_text=True)
    assert "Mở khóa đăng nhập" in audit_page and "bị từ chối" in audit_page
