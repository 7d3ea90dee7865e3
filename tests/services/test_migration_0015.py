"""Migration 0015 (the USB bundles' record): the table the models describe, and back."""

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


def test_upgrade_creates_the_bundle_table_then_downgrades(tmp_path: Path) -> None:
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'old.db'}")
    with app.app_context():
        upgrade(revision="0015")
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        assert [d for d in diff if "sync_bundle" in repr(d)] == []
        downgrade(revision="0014")
        assert "sync_bundle" not in sa.inspect(db.engine).get_table_names()
        db.session.remove()
        db.engine.dispose()
