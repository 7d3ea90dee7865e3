"""Migration 0017 (satisfaction ratings, report indexes): what the models describe, and back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from counter.extensions import db
from tests.conftest import PG_URL, make_app
from tests.services.test_migration_0019 import changed_by_0019
from tests.services.test_migration_0020 import changed_by_0020
from tests.services.test_migration_0021 import changed_by_0021
from tests.services.test_migration_0022 import changed_by_0022
from tests.services.test_migration_0023 import changed_by_0023

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="builds its own SQLite file")

#: Indexes 0017 adds (on its table and on tables of earlier revisions: missing there by design).
INDEXES_0017 = {"ix_dossier_resolved_at", "ix_dossier_event_action_at", "ix_satisfaction_rating_at"}


def added_by_0017(difference: Any) -> bool:
    """Whether an autogenerate difference is one of 0017's indexes (for earlier revisions' tests)."""
    return difference[0] == "add_index" and difference[1].name in INDEXES_0017


def test_upgrade_matches_the_models_then_downgrades(tmp_path: Path) -> None:
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'old.db'}")
    with app.app_context():
        upgrade(revision="0017")
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        later = (
            changed_by_0019,
            changed_by_0020,
            changed_by_0021,
            changed_by_0022,
            changed_by_0023,
        )
        assert [d for d in diff if not any(change(d) for change in later)] == []
        indexes = {i["name"] for i in sa.inspect(db.engine).get_indexes("dossier_event")}
        assert "ix_dossier_event_action_at" in indexes
        downgrade(revision="0016")
        inspector = sa.inspect(db.engine)
        assert "satisfaction_rating" not in inspector.get_table_names()
        assert "ix_dossier_resolved_at" not in {i["name"] for i in inspector.get_indexes("dossier")}
        db.session.remove()
        db.engine.dispose()
