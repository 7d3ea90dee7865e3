"""counter — phần mềm Bộ phận Một cửa cấp xã (one-stop counter for a commune centre)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from counter.config import load_config
from counter.extensions import babel, csrf, db, login_manager, migrations_group
from counter.settings import init_settings

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: config, extensions, blueprints and commands. No database work here."""
    app = Flask(
        __name__,
        instance_path=str(
            Path((test_config or {}).get("INSTANCE_PATH") or PROJECT_DIR / "instance").resolve()
        ),
        instance_relative_config=True,
        template_folder=str(PROJECT_DIR / "templates"),
        static_folder=str(PROJECT_DIR / "static"),
    )
    load_config(app, test_config)
    init_settings(app)

    db.init_app(app)
    app.cli.add_command(migrations_group)  # Flask-Migrate bound on first use: bind_migrations
    csrf.init_app(app)
    login_manager.init_app(app)
    from counter.web.i18n import init_i18n

    init_i18n(app, babel)

    from counter.web import register_web

    register_web(app)

    from counter.cli import register_cli

    register_cli(app)
    return app


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    """WAL for readers beside the writer; FULL sync so a printed slip never outlives its row."""
    if isinstance(dbapi_conn, sqlite3.Connection):
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.close()
