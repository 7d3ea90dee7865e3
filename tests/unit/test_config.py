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
