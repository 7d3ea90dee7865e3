"""Migration 0007: each existing account keeps its role in the new user_role table."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from counter.extensions import db
from counter.models import AuditEntry, User
from tests.conftest import PG_URL, make_app

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="the PostgreSQL database is shared")

USERS = [("admin", "admin"), ("hoa", "reception"), ("minh", "specialist"), ("thang", "leader")]


def test_every_account_keeps_its_role_across_0007_and_back(tmp_path: Path) -> None:
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'old.db'}")
    with app.app_context():
        upgrade(revision="0006")
        with db.engine.begin() as conn:
            for username, role in USERS:
                conn.execute(
                    text(
                        'INSERT INTO "user" (username, full_name, title, role, password_hash, '
                        "must_change_password, active, session_version, created_at) VALUES "
                        "(:u, :u, '', :r, 'x', 0, 1, 1, '2026-11-01 00:00:00')"
                    ),
                    {"u": username, "r": role},
                )
            # Rows that reference the accounts: a rebuild of the user table would trip them.
            conn.execute(
                text(
                    "INSERT INTO audit_entry (at, user_id, username, action, target, detail, "
                    "address) SELECT '2026-11-02 01:00:00', id, username, 'login', username, '', "
                    "'127.0.0.1' FROM \"user\""
                )
            )

        upgrade()
        assert "role" not in {c["name"] for c in inspect(db.engine).get_columns("user")}
        held = {u.username: u.roles for u in db.session.scalars(db.select(User))}
        assert held == {username: {role} for username, role in USERS}
        logins = db.session.scalar(db.select(db.func.count()).select_from(AuditEntry))
        assert logins == len(USERS)
        # The schema the migrations build is the one the models describe.
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        assert [d for d in diff if "user_role" in repr(d) or "'user'" in repr(d)] == []

        # Two roles for one account; going back keeps the widest of them.
        hoa = db.session.scalar(db.select(User).where(User.username == "hoa"))
        hoa.roles = {"reception", "specialist"}
        db.session.commit()
        db.session.remove()
        downgrade(revision="0006")
        with db.engine.connect() as conn:
            rows = dict(conn.execute(text('SELECT username, role FROM "user"')).all())
        assert rows == {
            "admin": "admin",
            "hoa": "specialist",
            "minh": "specialist",
            "thang": "leader",
        }
        assert "user_role" not in inspect(db.engine).get_table_names()
        db.session.remove()
        db.engine.dispose()
