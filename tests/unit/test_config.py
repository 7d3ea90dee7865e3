"""Configuration precedence: defaults < instance/config.py < COUNTER_* < test_config."""

from __future__ import annotations

from pathlib import Path

import pytest

from counter import create_app


def test_defaults_use_sqlite_in_instance_and_generate_a_secret_once(tmp_path: Path) -> None:
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'counter.db'}"
    key = app.config["SECRET_KEY"]
    assert len(key) >= 32
    assert (tmp_path / "secret_key").read_text().strip() == key
    again = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert again.config["SECRET_KEY"] == key
    other = create_app({"INSTANCE_PATH": str(tmp_path / "other")})
    assert other.config["SECRET_KEY"] != key
    assert app.config["HOST"] == "127.0.0.1" and app.config["PORT"] == 8080


def test_factory_touches_no_database(tmp_path: Path) -> None:
    create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})
    assert not (tmp_path / "counter.db").exists()


def test_instance_file_then_environment_then_test_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "config.py").write_text(
        "PORT = 9000\nHOST = '0.0.0.0'\nSECRET_KEY = 'from-file'\nBACKUP_KEEP = 3\n"
    )
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert (app.config["PORT"], app.config["HOST"], app.config["SECRET_KEY"]) == (
        9000,
        "0.0.0.0",
        "from-file",
    )
    monkeypatch.setenv("COUNTER_PORT", "9100")
    monkeypatch.setenv("COUNTER_SECRET_KEY", "from-env")
    monkeypatch.setenv("COUNTER_DATABASE_URL", "postgresql+psycopg://u@localhost/x")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["PORT"] == 9100
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@localhost/x"
    assert app.config["BACKUP_KEEP"] == 3  # still from the file
    app = create_app({"INSTANCE_PATH": str(tmp_path), "PORT": 1234})
    assert app.config["PORT"] == 1234


def test_session_cookies_are_httponly_and_samesite(tmp_path: Path) -> None:
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_secure_cookies_follow_counter_https(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Off by default (most offices serve plain HTTP on the LAN); on for HTTPS offices."""
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})
    assert app.config["SESSION_COOKIE_SECURE"] is False
    assert app.config["REMEMBER_COOKIE_SECURE"] is False
    for raw, secure in (("1", True), ("true", True), ("có", True), ("0", False), ("off", False)):
        monkeypatch.setenv("COUNTER_HTTPS", raw)
        app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})
        assert app.config["SESSION_COOKIE_SECURE"] is secure, raw
        assert app.config["REMEMBER_COOKIE_SECURE"] is secure, raw
    monkeypatch.setenv("COUNTER_HTTPS", "maybe")
    with pytest.raises(ValueError, match="COUNTER_HTTPS"):
        create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})


def test_over_https_the_session_cookie_is_marked_secure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COUNTER_HTTPS", "1")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x", "TESTING": True})
    resp = app.test_client().get("/dang-nhap", base_url="https://motcua.local")
    cookies = resp.headers.getlist("Set-Cookie")
    assert cookies and all("Secure" in c for c in cookies), cookies
