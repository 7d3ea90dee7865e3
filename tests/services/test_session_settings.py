"""What every new database connection is set to, as the app's statements find it."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import text

import counter
from counter.extensions import db


def _settings(wanted: dict[str, str]) -> dict[str, str]:
    sqlite = db.engine.dialect.name == "sqlite"
    return {
        name: str(db.session.scalar(text(f"PRAGMA {name}" if sqlite else f"SHOW {name}")))
        for name in wanted
    }


def test_a_new_connection_has_the_apps_settings_after_a_rollback(app: Flask) -> None:
    if db.engine.dialect.name == "sqlite":
        wanted = {
            "journal_mode": "wal",  # readers beside the writer
            "synchronous": "2",  # FULL: a printed slip never outlives its row
            "foreign_keys": "1",
        }
    else:  # a search reads its matches' rows ahead, not one after another
        default = "SELECT boot_val FROM pg_settings WHERE name = 'effective_io_concurrency'"
        if db.session.scalar(text(default)) == "0":
            pytest.skip("this server cannot read ahead (no posix_fadvise): it refuses the setting")
        wanted = {"effective_io_concurrency": str(counter.PG_IO_CONCURRENCY)}
    db.session.rollback()
    db.engine.dispose()  # the next statement opens a new connection
    assert _settings(wanted) == wanted
    db.session.rollback()  # a transaction ended without a commit keeps them
    assert _settings(wanted) == wanted


def test_a_setting_the_server_refuses_leaves_its_own_and_says_so(
    app: Flask, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    if db.engine.dialect.name == "sqlite":
        pytest.skip("PostgreSQL's setting")
    monkeypatch.setattr(counter, "PG_IO_CONCURRENCY", 5000)  # past its largest, 1000
    db.session.rollback()
    db.engine.dispose()
    server_default = db.session.scalar(
        text("SELECT boot_val FROM pg_settings WHERE name = 'effective_io_concurrency'")
    )
    assert _settings({"effective_io_concurrency": ""}) == {
        "effective_io_concurrency": server_default
    }
    assert "effective_io_concurrency = 5000 refused" in caplog.text
    db.session.rollback()
    db.engine.dispose()  # the next test's connections as the app makes them
