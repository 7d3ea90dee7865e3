"""Migration 0009: the session table and the per-(account, address) throttle table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from counter.extensions import db
from tests.conftest import PG_URL, make_app

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="the PostgreSQL database is shared")

TABLES = ("login_failure", "user_session")


def test_0009_builds_the_tables_the_models_describe_and_goes_back(tmp_path: Path) -> None:
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'old.db'}")
    with app.app_context():
        upgrade(revision="0008")
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO login_failure (username, address, at) VALUES "
                    "('admin', '10.0.0.66', '2026-12-01 01:00:00')"
                )
            )
        upgrade(revision="0009")
        assert set(TABLES) <= set(inspect(db.engine).get_table_names())
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
            # A wait pending before the upgrade is lifted (the table is rebuilt).
            assert conn.execute(text("SELECT count(*) FROM login_failure")).scalar() == 0
        assert [d for d in diff if any(t in repr(d) for t in TABLES)] == []

        downgrade(revision="0008")
        names = inspect(db.engine).get_table_names()
        assert "user_session" not in names
        columns = {c["name"] for c in inspect(db.engine).get_columns("login_failure")}
        assert columns == {"id", "username", "address", "at"}
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize(
    "url", ["sqlite:///unused.db", "postgresql+psycopg://counter@localhost/counter"]
)
def test_0009_sql_for_sqlite_and_postgresql(
    tmp_path: Path, url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The offline SQL (what ``flask db upgrade 0008:0009 --sql`` prints) for both databases."""
    pytest.importorskip("psycopg")
    app = make_app(tmp_path, url)
    with app.app_context():
        upgrade(revision="0008:0009", sql=True)
        downgrade(revision="0009:0008", sql=True)
    sql = capsys.readouterr().out
    assert "CREATE TABLE user_session" in sql
    assert re.search(r'REFERENCES "?user"? \(id\) ON DELETE CASCADE', sql)
    assert "CONSTRAINT uq_login_failure_username_address UNIQUE (username, address)" in sql
    assert "DROP TABLE user_session" in sql
    stamp = sql.index("UPDATE alembic_version SET version_num='0009'")
    assert sql.index("CREATE TABLE user_session") < stamp
    if url.startswith("postgresql"):
        assert "SERIAL" in sql and "TIMESTAMP WITHOUT TIME ZONE" in sql
