"""The settings the services read, as one typed object that needs no request.

``create_app`` builds one :class:`Settings` over ``app.config`` and keeps it on
``app.extensions``; services read it with :func:`current`, which needs an app context
(as the database session does) but no request, so the sync worker and the queue read
it the same way. A value set in ``app.config`` after the start (a test, ``flask shell``)
is seen at once: the object reads the config through rather than copying it.
Views keep reading Flask's own settings (cookies, CSRF, languages) from ``app.config``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, current_app

#: Where create_app keeps the app's settings.
EXTENSION_KEY = "counter.settings"
#: Seconds a thermal printer has to take a job (``PRINT_TIMEOUT``).
DEFAULT_PRINT_TIMEOUT = 5.0


@dataclass(frozen=True)
class Settings:
    """The app's settings that services use, typed, with their defaults."""

    config: Mapping[str, Any]
    instance_path: Path

    @property
    def upload_dir(self) -> Path:
        """Where scans are stored (``UPLOAD_DIR``, default instance/uploads)."""
        return Path(self.config["UPLOAD_DIR"])

    @property
    def upload_max_mb(self) -> int:
        """The largest scan, in MB (``UPLOAD_MAX_MB``)."""
        return int(self.config["UPLOAD_MAX_MB"])

    @property
    def upload_total_mb(self) -> int:
        """All the scans of one reception (or one "add scans") together, in MB."""
        return int(self.config["UPLOAD_TOTAL_MB"])

    @property
    def printer(self) -> str | None:
        """The thermal printer used when none is set up in the database (``PRINTER``)."""
        return self.config.get("PRINTER") or None

    @property
    def print_timeout(self) -> float:
        """Seconds a printer has to take a job (``PRINT_TIMEOUT``)."""
        return float(self.config.get("PRINT_TIMEOUT", DEFAULT_PRINT_TIMEOUT))

    @property
    def kiosk_printer(self) -> str:
        """The kiosk's printer address when no printer is named «Kiosk» ("" for none)."""
        return str(self.config.get("KIOSK_PRINTER") or "").strip()

    @property
    def queue_no_show_after_recalls(self) -> int:
        """How many recalls a ticket gets before it may be marked as not come."""
        return int(self.config.get("QUEUE_NO_SHOW_AFTER_RECALLS", 2))

    @property
    def delay_notice_policy(self) -> str:
        """A late delay notice (form 04): ``warn`` (default) or ``refuse``."""
        return str(self.config.get("DELAY_NOTICE_POLICY", "warn"))


def init_settings(app: Flask) -> Settings:
    """Build the app's settings once (in create_app) and keep them on the app."""
    settings = Settings(app.config, Path(app.instance_path))
    app.extensions[EXTENSION_KEY] = settings
    return settings


def current() -> Settings:
    """The running app's settings: inside any app context, with or without a request."""
    return current_app.extensions[EXTENSION_KEY]  # type: ignore[no-any-return]
