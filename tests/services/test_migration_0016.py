"""Migration 0016 (what came down from the portal, and the pulls): the tables the models describe, and back."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from counter.extensions import db
from tests.conftest import PG_URL, make_app

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="builds its own SQLite file")

TABLES = ("portal_inbox", "portal_pull")


def test_upgrade_creates_the_pull_tables_then_downgrades(tmp_path: Path) -> None:
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'old.db'}")
    with app.app_context():
        upgrade(revision="0016")
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        assert [d for d in diff if any(t in repr(d) for t in TABLES)] == []
        downgrade(revision="0015")
        names = sa.inspect(db.engine).get_table_names()
        assert not set(TABLES) & set(names)
        db.session.remove()
        db.engine.dispose()
