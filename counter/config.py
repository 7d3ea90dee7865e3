"""Configuration: defaults, then ``instance/config.py``, then ``COUNTER_*`` variables."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from counter.domain import clock


def flag(raw: str) -> bool:
    """An on/off setting as written in an environment variable: 1/0, true/false, có/không…"""
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on", "có", "co"):
        return True
    if value in ("0", "false", "no", "off", "không", "khong"):
        return False
    raise ValueError(f"“{raw}” không phải 1 (bật) hoặc 0 (tắt)")


#: Settings that may come from ``COUNTER_<NAME>`` environment variables, with their parsers.
ENV_SETTINGS: dict[str, Callable[[str], Any]] = {
    "DATABASE_URL": str,
    "SECRET_KEY": str,
    "HOST": str,
    "PORT": int,
    "BACKUP_DIR": str,
    "BACKUP_KEEP": int,  # earlier versions' count of backups kept: now the daily count
    "BACKUP_KEEP_DAILY": int,
    "BACKUP_KEEP_WEEKLY": int,
    "BACKUP_KEEP_MONTHLY": int,
    "BACKUP_MIN_FREE_MB": int,
    "PRINTER": str,
    "KIOSK_PRINTER": str,
    "UPLOAD_MAX_MB": int,
    "UPLOAD_TOTAL_MB": int,
    "PUBLIC_URL": str,
    "IDLE_MINUTES": int,
    "HTTPS": flag,
    "PORTAL_URL": str,
    "PORTAL_USER": str,
    "PORTAL_PASSWORD": str,
    "PORTAL_AGENCY": str,
    "PORTAL_BATCH": int,
    "PORTAL_TIMEOUT": float,
    "PORTAL_EVERY": int,
    "PORTAL_SYNC_KEY": str,
    "PORTAL_PULL_DAYS": int,
    "PORTAL_CHECK_DAYS": int,
}


class Defaults:
    """Built-in defaults; every value can be overridden."""

    HOST = "127.0.0.1"
    PORT = 8080
    DATABASE_URL: str | None = None  # None: SQLite file in the instance folder
    SECRET_KEY: str | None = None  # None: generated once and kept in the instance folder
    BACKUP_DIR: str | None = None  # None: instance/backups
    # Backup generations kept: the newest of each of the last 7 days, 4 weeks, 12 months.
    BACKUP_KEEP_DAILY = 7
    BACKUP_KEEP_WEEKLY = 4
    BACKUP_KEEP_MONTHLY = 12
    # Warn (backup page, log) when the backup disk has less free space than this.
    BACKUP_MIN_FREE_MB = 1024
    PRINTER: str | None = None
    UPLOAD_MAX_MB = 20  # each scan
    UPLOAD_TOTAL_MB = 100  # all the scans of one reception (or one "add scans")
    PUBLIC_URL: str | None = None  # base of the look-up link printed on slips
    # Served over HTTPS (by a proxy or a certificate): the session cookie is sent only so.
    HTTPS = False
    # Public look-ups per address and minute (citizens' phones; a walker of codes is slowed).
    LOOKUP_PER_MINUTE = 30
    # Tickets a kiosk (one address) may take per minute: a child pressing every button
    # cannot empty the roll.
    KIOSK_PER_MINUTE = 20
    # The kiosk's thermal printer: an address (tcp://…, usb://…) when no printer named
    # "Kiosk" is set up in Quản trị › Máy in nhiệt; none: the ticket is shown on screen only.
    KIOSK_PRINTER: str | None = None
    # A called ticket may be marked absent (vắng mặt) once it was called again this often.
    QUEUE_NO_SHOW_AFTER_RECALLS = 2
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = clock.ZONE_NAME
    LANGUAGES = ("vi", "en")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = 12 * 3600
    WTF_CSRF_TIME_LIMIT = 12 * 3600
    # A signed-in session ends after this long without a request (8 working hours).
    IDLE_MINUTES = 480
    # Sign-in throttling, per (account, address): a few free mistakes, then a wait that
    # doubles from LOGIN_FIRST_DELAY_SECONDS up to LOGIN_MAX_DELAY_MINUTES; and at most
    # LOGIN_MAX_FAILURES_ADDRESS wrong passwords from one address, across accounts, per
    # LOGIN_WINDOW_MINUTES.
    LOGIN_FREE_FAILURES = 3
    LOGIN_FIRST_DELAY_SECONDS = 2
    LOGIN_MAX_DELAY_MINUTES = 15
    LOGIN_MAX_FAILURES_ADDRESS = 30
    LOGIN_WINDOW_MINUTES = 15
    # The provincial portal (issue 11): base URL, account, madonvi (None: the office's
    # agency identifier), items per request, seconds before a request is given up, and
    # minutes between automatic syncs while the app runs (0: none, the default).
    PORTAL_URL: str | None = None
    PORTAL_USER = ""
    PORTAL_PASSWORD = ""
    PORTAL_AGENCY: str | None = None
    PORTAL_BATCH = 50
    PORTAL_TIMEOUT = 30.0
    PORTAL_EVERY = 0
    # The key that signs USB bundles and checks the portal's receipts (issue 12); the
    # province is told it once. None: generated once and kept in instance/portal_sync_key.
    PORTAL_SYNC_KEY: str | None = None
    # How far back the pull of online submissions, and the check after a restore, look (days).
    PORTAL_PULL_DAYS = 30
    PORTAL_CHECK_DAYS = 366


def load_config(app: Any, test_config: dict[str, Any] | None = None) -> None:
    """Fill ``app.config`` in order of precedence: defaults < instance file < env < test_config."""
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    for name, parse in ENV_SETTINGS.items():
        raw = os.environ.get(f"COUNTER_{name}")
        if raw is not None and raw != "":
            try:
                app.config[name] = parse(raw)
            except ValueError as err:
                raise ValueError(f"COUNTER_{name}: {err}") from None
    if test_config:
        app.config.update(test_config)

    instance = Path(app.instance_path)
    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = f"sqlite:///{instance / 'counter.db'}"
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    secure = bool(app.config["HTTPS"])
    app.config["SESSION_COOKIE_SECURE"] = app.config["REMEMBER_COOKIE_SECURE"] = secure
    if secure:
        app.config["PREFERRED_URL_SCHEME"] = "https"
    if not app.config.get("BACKUP_DIR"):
        app.config["BACKUP_DIR"] = str(instance / "backups")
    app.config.setdefault("UPLOAD_DIR", str(instance / "uploads"))
    # The whole body: every scan of a reception plus its typed fields. The CSRF check
    # reads the body before any view, so this is the one limit a reception meets first.
    scans_mb = max(int(app.config["UPLOAD_TOTAL_MB"]), int(app.config["UPLOAD_MAX_MB"]))
    app.config["MAX_CONTENT_LENGTH"] = (scans_mb + 1) * 1024 * 1024
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(instance)
    if not app.config.get("PORTAL_SYNC_KEY"):
        app.config["PORTAL_SYNC_KEY"] = instance_secret_key(instance, "portal_sync_key")


def instance_secret_key(instance: Path, name: str = "secret_key") -> str:
    """Read a secret kept in the instance folder (file ``name``), creating it the first time."""
    path = instance / name
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(key, encoding="ascii")
    with contextlib.suppress(OSError):  # Windows ignores POSIX modes
        os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return key
