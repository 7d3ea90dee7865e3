"""Sign-in sessions are kept on the server: logout, lock, a password change and an
idle day end them, whatever cookie a browser still holds."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from counter import create_app
from counter.domain.clock import now as utcnow
from counter.extensions import db
from counter.models import User, UserSession
from tests.conftest import Browser


def _copy(app: Flask, browser: Browser, **environ: str) -> FlaskClient:
    """Another browser holding a copy of ``browser``'s session cookie."""
    other = app.test_client()
    other.set_cookie("session", browser.client.get_cookie("session").value)
    if environ:
        other.environ_base.update(environ)
    return other


def _user(username: str) -> User:
    return db.session.scalar(db.select(User).where(User.username == username))


def _open_sessions(username: str) -> list[UserSession]:
    return list(
        db.session.scalars(
            db.select(UserSession).where(
                UserSession.user_id == _user(username).id, UserSession.ended_at.is_(None)
            )
        )
    )


def _signed_in(client: Any) -> bool:
    resp = client.get("/")
    if resp.status_code == 302:
        assert "/dang-nhap" in resp.location
        return False
    assert resp.status_code == 200
    return True


def test_a_cookie_copied_before_logout_gets_the_login_page_afterwards(
    app: Flask, login_as: Any
) -> None:
    officer: Browser = login_as("tiepnhan")
    colleague: Browser = login_as("lanhdao")
    stolen = _copy(app, officer)
    assert _signed_in(stolen)
    assert officer.submit("/dang-xuat", {}, page="/").status_code == 302
    assert not _signed_in(stolen)
    assert not _signed_in(officer.client)
    assert _signed_in(colleague.client)  # another user's session is unaffected
    ended = db.session.scalar(db.select(UserSession).where(UserSession.end_reason == "logout"))
    assert ended.user_id == _user("tiepnhan").id and ended.ended_at is not None


def test_a_cookie_used_from_another_address_or_browser_is_refused(
    app: Flask, login_as: Any
) -> None:
    officer: Browser = login_as("tiepnhan")
    assert not _signed_in(_copy(app, officer, REMOTE_ADDR="10.0.0.99"))
    assert not _signed_in(_copy(app, officer, HTTP_USER_AGENT="curl/8.0"))
    assert _signed_in(officer.client)  # the owner's session goes on


def test_locking_an_account_ends_all_its_sessions(app: Flask, login_as: Any) -> None:
    at_desk: Browser = login_as("tiepnhan")
    at_home: Browser = login_as("tiepnhan")
    colleague: Browser = login_as("kiemnhiem")
    admin: Browser = login_as("admin")
    assert len(_open_sessions("tiepnhan")) == 2
    page = admin.get("/quan-tri/tai-khoan").get_data(as_text=True)
    assert 'data-sessions="tiepnhan">2<' in page

    user = _user("tiepnhan")
    resp = admin.submit(
        f"/quan-tri/tai-khoan/{user.id}",
        {"full_name": user.full_name, "title": "", "roles": "reception"},
    )
    assert resp.status_code == 302
    assert not _signed_in(at_desk.client) and not _signed_in(at_home.client)
    assert _signed_in(colleague.client)
    assert _open_sessions("tiepnhan") == []
    page = admin.get("/quan-tri/tai-khoan").get_data(as_text=True)
    assert 'data-sessions="tiepnhan">0<' in page and 'data-sessions="kiemnhiem">1<' in page


def test_changing_the_password_ends_the_other_sessions(app: Flask, login_as: Any) -> None:
    at_desk: Browser = login_as("tiepnhan")
    at_home: Browser = login_as("tiepnhan")
    stolen = _copy(app, at_home)
    colleague: Browser = login_as("kiemnhiem")
    resp = at_desk.submit(
        "/doi-mat-khau",
        {
            "current_password": "tiepnhan123",
            "new_password": "Muong-Phang-2026",
            "confirm": "Muong-Phang-2026",
        },
    )
    assert resp.status_code == 302
    assert _signed_in(at_desk.client)  # the session that changed it goes on
    assert not _signed_in(at_home.client) and not _signed_in(stolen)
    assert _signed_in(colleague.client)
    assert len(_open_sessions("tiepnhan")) == 1


def test_an_admin_password_reset_ends_every_session(app: Flask, login_as: Any) -> None:
    officer: Browser = login_as("tiepnhan")
    admin: Browser = login_as("admin")
    url = f"/quan-tri/tai-khoan/{_user('tiepnhan').id}"
    resp = admin.submit(f"{url}/dat-lai-mat-khau", {"reset-password": "tam-moi-456"}, page=url)
    assert resp.status_code == 302
    assert not _signed_in(officer.client)
    assert _open_sessions("tiepnhan") == []


def test_an_idle_session_ends_after_the_configured_time(app: Flask, login_as: Any) -> None:
    assert app.config["IDLE_MINUTES"] == 480
    officer: Browser = login_as("tiepnhan")
    colleague: Browser = login_as("lanhdao")
    (session,) = _open_sessions("tiepnhan")
    session.last_seen_at = utcnow() - timedelta(minutes=479)
    db.session.commit()
    assert _signed_in(officer.client)  # 479 minutes idle: still open, and seen again now
    session = db.session.get(UserSession, session.id)
    assert utcnow() - session.last_seen_at < timedelta(minutes=1)

    session.last_seen_at = utcnow() - timedelta(minutes=481)
    db.session.commit()
    assert not _signed_in(officer.client)
    assert db.session.get(UserSession, session.id).end_reason == "idle"
    assert _signed_in(colleague.client)

    app.config["IDLE_MINUTES"] = 5
    (other,) = _open_sessions("lanhdao")
    other.last_seen_at = utcnow() - timedelta(minutes=6)
    db.session.commit()
    assert not _signed_in(colleague.client)


def test_last_seen_is_written_at_most_once_a_minute(app: Flask, login_as: Any) -> None:
    officer: Browser = login_as("tiepnhan")
    (session,) = _open_sessions("tiepnhan")
    before = session.last_seen_at - timedelta(seconds=30)
    session.last_seen_at = before
    db.session.commit()
    for _ in range(3):
        assert _signed_in(officer.client)
    assert db.session.get(UserSession, session.id).last_seen_at == before
    session = db.session.get(UserSession, session.id)
    session.last_seen_at = before - timedelta(minutes=1)
    db.session.commit()
    assert _signed_in(officer.client)
    assert db.session.get(UserSession, session.id).last_seen_at > before


def test_idle_minutes_come_from_the_environment(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COUNTER_IDLE_MINUTES", "30")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})
    assert app.config["IDLE_MINUTES"] == 30


def test_ended_and_long_idle_sessions_are_pruned_at_sign_in(app: Flask, browser: Browser) -> None:
    user = _user("lanhdao")
    long_ago = utcnow() - timedelta(days=40)
    recent = utcnow() - timedelta(days=2)
    for token, ended in (("a" * 64, long_ago), ("b" * 64, recent), ("c" * 64, None)):
        db.session.add(
            UserSession(
                token_hash=token,
                user_id=user.id,
                created_at=long_ago,
                last_seen_at=long_ago,
                address="127.0.0.1",
                user_agent="test",
                ended_at=ended,
                end_reason="logout" if ended else None,
            )
        )
    db.session.commit()
    assert browser.login("tiepnhan").status_code == 302
    kept = set(db.session.scalars(db.select(UserSession.token_hash)))
    # The session ended two days ago is kept for a while; the ones long over are gone.
    # (The sign-in's own session is the other one kept; its hash is random hex, which
    # may begin with "a" or "c": compare whole hashes.)
    assert "b" * 64 in kept and "a" * 64 not in kept and "c" * 64 not in kept
    assert len(kept) == 2


def _sign_again(app: Flask, client: FlaskClient, age: timedelta) -> None:
    """Give ``client`` its own session cookie as if last signed ``age`` ago."""
    from itsdangerous import TimestampSigner, URLSafeTimedSerializer

    class Earlier(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(utcnow().timestamp() - age.total_seconds())

    now = app.session_interface.get_signing_serializer(app)
    earlier = URLSafeTimedSerializer(
        app.secret_key,
        salt=now.salt,
        serializer=now.serializer,
        signer=Earlier,
        signer_kwargs=now.signer_kwargs,
    )
    data = now.loads(client.get_cookie("session").value)
    client.set_cookie("session", earlier.dumps(data))


def _cookie_age(app: Flask, value: str) -> timedelta:
    serializer = app.session_interface.get_signing_serializer(app)
    _data, signed = serializer.loads(value, return_timestamp=True)
    return utcnow() - signed


def test_a_page_that_changes_nothing_in_the_session_sends_no_new_cookie(
    app: Flask, login_as: Any
) -> None:
    officer: Browser = login_as("tiepnhan")
    officer.get("/")  # shows (and clears) the greeting
    page = officer.get("/")
    assert page.status_code == 200 and "Set-Cookie" not in page.headers


def test_a_cookie_in_use_is_signed_again_so_a_long_day_outlives_its_lifetime(
    app: Flask, login_as: Any
) -> None:
    """The cookie lasts PERMANENT_SESSION_LIFETIME (12 h) from its last signing: one used
    through the day is signed again now and then, as before on every request."""
    officer: Browser = login_as("tiepnhan")
    officer.get("/")
    _sign_again(app, officer.client, timedelta(hours=11, minutes=59))
    page = officer.get("/")
    assert page.status_code == 200 and "Set-Cookie" in page.headers
    assert _cookie_age(app, officer.client.get_cookie("session").value) < timedelta(minutes=1)
    assert _signed_in(officer.client)


def test_a_cookie_not_signed_for_longer_than_its_lifetime_signs_out(
    app: Flask, login_as: Any
) -> None:
    officer: Browser = login_as("tiepnhan")
    _sign_again(app, officer.client, timedelta(hours=12, minutes=1))
    assert not _signed_in(officer.client)
