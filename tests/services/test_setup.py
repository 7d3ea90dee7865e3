"""Schema migrations from empty, and ``init`` being idempotent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import create_engine, text

from counter.extensions import db
from counter.models import AuditEntry, Office, User
from counter.services.setup import initialize
from tests.conftest import PG_URL, all_tables, make_app


def _counts() -> dict[str, int]:
    out = {}
    for table in db.metadata.sorted_tables:
        out[table.name] = db.session.scalar(db.select(db.func.count()).select_from(table)) or 0
    return out


def test_upgrade_from_empty_creates_every_table_with_named_constraints(tmp_path: Path) -> None:
    if PG_URL:
        engine = create_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        url = PG_URL
    else:
        url = f"sqlite:///{tmp_path / 'empty.db'}"
    app = make_app(tmp_path, url)
    with app.app_context():
        initialize()
        tables = set(all_tables())
        assert {t.name for t in db.metadata.sorted_tables} <= tables
        assert "alembic_version" in tables
        # Constraint names follow the convention, so later batch migrations can find them.
        from sqlalchemy import inspect

        pk = inspect(db.engine).get_pk_constraint("user")
        assert pk["name"] == "pk_user"
        db.session.remove()
        db.engine.dispose()


def test_init_twice_changes_nothing(app: Flask, runner: Any) -> None:
    # The tests' database is the demo without its queue history: the first run adds it.
    result = runner.invoke(args=["init", "--demo"])
    assert result.exit_code == 0, result.output
    before = _counts()
    assert before["queue_ticket"] > 0
    for args in (["init", "--demo"], ["init"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
        assert _counts() == before


def test_first_init_without_demo_creates_admin_who_must_change_password(tmp_path: Path) -> None:
    if PG_URL:
        return  # the PostgreSQL database is shared; the SQLite run covers this
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'fresh.db'}")
    with app.app_context():
        report = initialize()
        admin = db.session.scalar(db.select(User))
        assert admin.username == "admin" and admin.must_change_password
        assert report.admin_password and len(report.admin_password) >= 8
        assert db.session.get(Office, 1) is not None
        assert db.session.scalar(db.select(AuditEntry.action)) == "init"
        again = initialize()
        assert again.admin_password is None
        assert db.session.scalar(db.select(db.func.count(User.id))) == 1
        db.session.remove()
        db.engine.dispose()
