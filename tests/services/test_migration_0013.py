"""Migration 0013 (the queue): the queue's tables come and go, and nothing else changes."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from counter.extensions import db
from tests.conftest import PG_URL, make_app
from tests.services.test_migration_0021 import changed_by_0021

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="builds its own SQLite file")

QUEUE_TABLES = {
    "queue_service",
    "queue_counter",
    "queue_counter_service",
    "queue_counter_session",
    "queue_ticket",
    "queue_event",
}


def test_upgrade_creates_the_queue_and_downgrade_removes_only_it(tmp_path: Path) -> None:
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'q.db'}")
    with app.app_context():
        upgrade(revision="0012")
        before = set(sa.inspect(db.engine).get_table_names())
        assert not before & QUEUE_TABLES
        upgrade(revision="0013")
        with db.engine.connect() as conn:
            assert set(sa.inspect(conn).get_table_names()) == before | QUEUE_TABLES
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        # models and schema agree (but for what later revisions add)
        assert [d for d in diff if "queue_" in repr(d) and not changed_by_0021(d)] == []
        downgrade(revision="0012")
        assert set(sa.inspect(db.engine).get_table_names()) == before
        upgrade(revision="0013")
        db.session.remove()
        db.engine.dispose()
