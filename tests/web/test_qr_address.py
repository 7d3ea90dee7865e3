"""The slip's QR points at 127.0.0.1 until an admin sets the public address: the home page
and the slip page say so in plain words and propose the PC's LAN address (issue 8)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from counter.extensions import db
from counter.models import Dossier, Office
from counter.web.qr_address import (
    is_loopback_host,
    lan_address,
    listens_on_loopback_only,
    usable_lan_ip,
)
from tests.conftest import Browser

NOTICE = "Mã QR trên giấy hẹn chưa mở được bằng điện thoại"


def _text(resp: Any) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", resp.get_data(as_text=True)))


def _signed_in(app: Flask, username: str, base_url: str) -> Browser:
    if username == "admin":
        from counter.models import User

        db.session.scalar(
            db.select(User).where(User.username == "admin")
        ).must_change_password = False
        db.session.commit()
    b = Browser(app.test_client())
    html = b.get("/dang-nhap", base_url=base_url).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    from tests.conftest import DEMO_PASSWORDS

    resp = b.client.post(
        "/dang-nhap",
        data={"csrf_token": token, "username": username, "password": DEMO_PASSWORDS[username]},
        base_url=base_url,
    )
    assert resp.status_code == 302
    return b


def test_the_admin_home_says_the_qr_opens_on_this_pc_only_and_proposes_the_lan_address(
    app: Flask,
) -> None:
    admin = _signed_in(app, "admin", "http://127.0.0.1:8080")
    page = _text(admin.get("/", base_url="http://127.0.0.1:8080"))
    assert NOTICE in page
    assert "http://127.0.0.1:8080" in page and "chỉ mở được trên chính máy tính này" in page
    lan = lan_address()
    if lan:
        assert f"http://{lan}:8080" in page
    else:
        assert "chưa tìm được địa chỉ mạng nội bộ" in page
    html = admin.get("/", base_url="http://127.0.0.1:8080").get_data(as_text=True)
    assert 'href="/quan-tri/don-vi"' in re.search(r'id="qr-notice".*?</section>', html, re.S).group(
        0
    )
    # The server listens on 127.0.0.1 only (COUNTER_HOST's default): say how to open it.
    assert "COUNTER_HOST=0.0.0.0" in page
    app.config["HOST"] = "0.0.0.0"
    assert "COUNTER_HOST=0.0.0.0" not in _text(admin.get("/", base_url="http://127.0.0.1:8080"))

    # Once the admin sets the address, the notice is gone.
    db.session.get(Office, 1).public_url = "http://192.168.1.10:8080"
    db.session.commit()
    assert NOTICE not in _text(admin.get("/", base_url="http://127.0.0.1:8080"))


def test_other_officers_are_told_to_ask_the_admin(app: Flask) -> None:
    officer = _signed_in(app, "tiepnhan", "http://localhost:8080")
    resp = officer.get("/", base_url="http://localhost:8080")
    page = _text(resp)
    assert NOTICE in page and "báo quản trị viên" in page
    assert "/quan-tri/don-vi" not in resp.get_data(as_text=True)
    assert "COUNTER_HOST" not in page  # the admin's business


@pytest.mark.parametrize(
    ("public_url", "base_url", "shown"),
    [
        (None, "http://localhost/", True),
        (None, "http://192.168.1.10:8080/", False),  # opened over the LAN: the QR uses it
        ("http://127.0.0.1:8080", "http://192.168.1.10:8080/", True),  # set, but to this PC
        ("http://motcua.muongphang.local:8080", "http://127.0.0.1:8080/", False),
    ],
)
def test_what_counts_as_not_set(
    app: Flask, public_url: str | None, base_url: str, shown: bool
) -> None:
    app.config["PUBLIC_URL"] = public_url
    officer = _signed_in(app, "chuyenvien", base_url)
    assert (NOTICE in _text(officer.get("/", base_url=base_url))) is shown


def test_the_slip_page_says_it_too_on_screen_only(app: Flask) -> None:
    officer = _signed_in(app, "tiepnhan", "http://127.0.0.1:8080")
    dossier = db.session.scalar(db.select(Dossier).order_by(Dossier.id))
    resp = officer.get(f"/in/ho-so/{dossier.id}/mau-01", base_url="http://127.0.0.1:8080")
    html = resp.get_data(as_text=True)
    notice = re.search(r'<[^>]*id="qr-notice"[^>]*>', html)
    assert notice and "no-print" in notice.group(0)
    assert NOTICE in _text(resp) and "báo quản trị viên" in _text(resp)
    db.session.get(Office, 1).public_url = "http://192.168.1.10:8080"
    db.session.commit()
    resp = officer.get(f"/in/ho-so/{dossier.id}/mau-01", base_url="http://127.0.0.1:8080")
    assert 'id="qr-notice"' not in resp.get_data(as_text=True)


def test_the_office_page_proposes_the_lan_address(app: Flask) -> None:
    admin = _signed_in(app, "admin", "http://127.0.0.1:8080")
    page = _text(admin.get("/quan-tri/don-vi", base_url="http://127.0.0.1:8080"))
    lan = lan_address()
    if lan:
        assert f"Địa chỉ của máy này trong mạng nội bộ: http://{lan}:8080" in page


def test_addresses() -> None:
    for host in ("127.0.0.1", "127.0.1.1", "localhost", "LOCALHOST", "::1", "[::1]", "0.0.0.0", ""):
        assert is_loopback_host(host), host
    for host in ("192.168.1.10", "10.0.0.5", "motcua.muongphang.gov.vn"):
        assert not is_loopback_host(host), host
    assert listens_on_loopback_only("127.0.0.1") and listens_on_loopback_only("localhost")
    assert not listens_on_loopback_only("0.0.0.0") and not listens_on_loopback_only("192.168.1.10")
    assert usable_lan_ip("192.168.1.10") and usable_lan_ip("10.1.2.3")
    for ip in ("127.0.0.1", "169.254.3.4", "0.0.0.0", "224.0.0.1", "fe80::1", "x"):
        assert not usable_lan_ip(ip), ip
    found = lan_address()
    assert found is None or usable_lan_ip(found)
