"""Migration 0023: the outbox's oldest waiting item (every staff page's banner) from an
index; what the models describe, and back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from counter.extensions import db
from counter.portal.status import waited_too_long
from counter.services import search_index
from tests.conftest import PG_URL, make_app

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="builds its own SQLite file")

INDEX = "ix_outbox_item_status_created_at"
OLDEST = (  # as counter.portal.status.waited_too_long asks
    "SELECT created_at FROM outbox_item WHERE status = 'pending' ORDER BY created_at LIMIT 1"
)


def changed_by_0023(difference: Any) -> bool:
    """Whether an autogenerate difference is 0023's (for the tests of earlier revisions)."""
    return difference[0] == "add_index" and difference[1].name == INDEX


def _plan(sql: str) -> str:
    rows = db.session.execute(sa.text(f"EXPLAIN QUERY PLAN {sql}"))
    return " ".join(str(r[-1]) for r in rows)


def test_the_oldest_waiting_item_comes_from_an_index(tmp_path: Path) -> None:
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'old.db'}")
    with app.app_context():
        upgrade(revision="0022")
        assert f"COVERING INDEX {INDEX}" not in _plan(OLDEST)  # each waiting item read
        db.session.commit()  # this snapshot ends: the next one sees the new index

        upgrade(revision="0023")

        assert f"COVERING INDEX {INDEX}" in _plan(OLDEST)
        assert waited_too_long() is False  # nothing waits
        with db.engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"include_object": search_index.include_object}
            )
            assert compare_metadata(context, db.metadata) == []  # the models' schema

        downgrade(revision="0022")
        indexes = {i["name"] for i in sa.inspect(db.engine).get_indexes("outbox_item")}
        assert INDEX not in indexes
        db.session.remove()
        db.engine.dispose()
