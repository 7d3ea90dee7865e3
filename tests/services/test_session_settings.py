"""What every new database connection is set to, as the app's statements find it."""

from __future__ import annotations

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
        wanted = {"effective_io_concurrency": str(counter.PG_IO_CONCURRENCY)}
    db.session.rollback()
    db.engine.dispose()  # the next statement opens a new connection
    assert _settings(wanted) == wanted
    db.session.rollback()  # a transaction ended without a commit keeps them
    assert _settings(wanted) == wanted
