"""The settings services read: one object per app, readable with no request."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, has_request_context

from counter import settings
from tests.conftest import make_app


def test_services_read_the_apps_settings_without_a_request(app: Flask) -> None:
    assert not has_request_context()
    current = settings.current()
    assert current is app.extensions[settings.EXTENSION_KEY]
    assert current.instance_path == Path(app.instance_path)
    assert current.upload_dir == Path(app.instance_path) / "uploads"
    assert (current.upload_max_mb, current.upload_total_mb) == (20, 100)
    assert current.printer is None
    assert current.print_timeout == 5.0
    assert current.delay_notice_policy == "warn"


def test_a_setting_changed_after_the_start_is_seen_at_once(app: Flask) -> None:
    app.config.update(UPLOAD_MAX_MB=1, PRINTER="file:/dev/usb/lp0", DELAY_NOTICE_POLICY="refuse")
    current = settings.current()
    assert (current.upload_max_mb, current.printer, current.delay_notice_policy) == (
        1,
        "file:/dev/usb/lp0",
        "refuse",
    )


def test_each_app_keeps_its_own_settings(app: Flask, tmp_path: Path) -> None:
    other_instance = tmp_path / "other"
    other_instance.mkdir()
    other = make_app(other_instance, f"sqlite:///{other_instance / 'counter.db'}")
    with other.app_context():
        assert settings.current().instance_path == other_instance.resolve()
    assert settings.current().instance_path == Path(app.instance_path)
