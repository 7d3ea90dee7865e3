"""Migration 0019 (worklist indexes): an office with dossiers gets them, the tabs use them, and back."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from counter.extensions import db
from counter.services import search_index
from tests.conftest import PG_URL, make_app
from tests.services.test_migration_0010 import _insert

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="builds its own SQLite file")

#: Indexes 0019 adds; it drops ix_dossier_status_due_at, which (status, due_at, id) replaces.
INDEXES_0019 = {
    "ix_dossier_status_due_at_id",
    "ix_dossier_due_at_id",
    "ix_dossier_assigned_to_id_status",
    "ix_dossier_received_by_id_status",
}


def changed_by_0019(difference: Any) -> bool:
    """Whether an autogenerate difference is 0019's (for the tests of earlier revisions)."""
    return (difference[0] == "add_index" and difference[1].name in INDEXES_0019) or (
        difference[0] == "remove_index" and difference[1].name == "ix_dossier_status_due_at"
    )


def _dossier_indexes() -> set[str]:
    return {i["name"] for i in sa.inspect(db.engine).get_indexes("dossier")}


def _plan(conn: sa.Connection, sql: str) -> str:
    return " | ".join(row[-1] for row in conn.execute(sa.text(f"EXPLAIN QUERY PLAN {sql}")))


def test_an_office_with_dossiers_gets_the_indexes_and_its_tabs_use_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'old.db'}")
    with app.app_context():
        upgrade(revision="0017")
        meta = sa.MetaData()
        meta.reflect(bind=db.engine)
        due = datetime(2026, 11, 20, 10, 0)
        with db.engine.begin() as conn:
            _insert(conn, meta.tables["procedure"], id=1, national_code="2.000815", name="X")
            _insert(conn, meta.tables["user"], id=1, username="tiepnhan", password_hash="x")
            for n in range(1, 301):
                _insert(
                    conn,
                    meta.tables["dossier"],
                    id=n,
                    code=f"000.20.18.H18-261120-{n:04d}",
                    lookup_key=f"K{n:07d}",
                    procedure_id=1,
                    status=("returned", "in_progress", "resolved")[n % 3],
                    applicant_name=f"Người {n}",
                    due_at=due - timedelta(days=n),
                    received_by_id=1,
                    assigned_to_id=1 if n % 3 else None,
                )
        assert "ix_dossier_status_due_at_id" not in _dossier_indexes()

        upgrade(revision="0019")

        said = capsys.readouterr().out
        assert "ix_dossier_due_at_id built in" in said  # progress for a large office
        assert _dossier_indexes() >= INDEXES_0019
        assert "ix_dossier_status_due_at" not in _dossier_indexes()
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM dossier")).scalar() == 300
            # A tab's page in due-date order comes from the index: no sorting of the rows.
            overdue = _plan(
                conn,
                "SELECT id FROM dossier WHERE status = 'in_progress' AND due_at < '2026-11-01' "
                "ORDER BY due_at, id LIMIT 25",
            )
            assert "ix_dossier_status_due_at_id" in overdue and "TEMP B-TREE" not in overdue
            everything = _plan(conn, "SELECT id FROM dossier ORDER BY due_at, id LIMIT 25")
            assert "ix_dossier_due_at_id" in everything and "TEMP B-TREE" not in everything
            context = MigrationContext.configure(
                conn, opts={"include_object": search_index.include_object}
            )
            diff = compare_metadata(context, db.metadata)
        from tests.services.test_migration_0020 import changed_by_0020
        from tests.services.test_migration_0022 import changed_by_0022

        assert [
            d
            for d in diff
            if "dossier" in repr(d) and not changed_by_0020(d) and not changed_by_0022(d)
        ] == []

        downgrade(revision="0017")
        indexes = _dossier_indexes()
        assert "ix_dossier_status_due_at" in indexes and not INDEXES_0019 & indexes
        db.session.remove()
        db.engine.dispose()
