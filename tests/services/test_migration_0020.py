"""Migration 0020 (the ledger's index): an office's period is counted from the index alone."""

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
from tests.services.test_migration_0019 import _dossier_indexes, _plan
from tests.services.test_migration_0022 import changed_by_0022

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="builds its own SQLite file")


def changed_by_0020(difference: Any) -> bool:
    """Whether an autogenerate difference is 0020's (for the tests of earlier revisions)."""
    return (
        difference[0] == "add_index" and difference[1].name == "ix_dossier_received_at_status"
    ) or (difference[0] == "remove_index" and difference[1].name == "ix_dossier_received_at")


def test_the_ledgers_period_is_counted_from_the_index_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'old.db'}")
    with app.app_context():
        upgrade(revision="0019")
        meta = sa.MetaData()
        meta.reflect(bind=db.engine)
        start = datetime(2026, 1, 1, 2, 0)
        with db.engine.begin() as conn:
            _insert(conn, meta.tables["procedure"], id=1, national_code="2.000815", name="X")
            for n in range(1, 201):
                _insert(
                    conn,
                    meta.tables["dossier"],
                    id=n,
                    code=f"000.20.18.H18-260101-{n:04d}",
                    lookup_key=f"K{n:07d}",
                    procedure_id=1,
                    status=("returned", "submitted", "refused", "in_progress")[n % 4],
                    applicant_name=f"Người {n}",
                    received_at=start + timedelta(days=n),
                    due_at=start + timedelta(days=n + 5),
                )
        count = (
            "SELECT count(*) FROM dossier WHERE received_at >= '2026-03-01' "
            "AND received_at < '2026-04-01' AND status NOT IN ('submitted', 'refused')"
        )
        with db.engine.connect() as conn:
            assert "COVERING INDEX" not in _plan(conn, count)

        upgrade(revision="0020")

        assert "ix_dossier_received_at_status built in" in capsys.readouterr().out
        indexes = _dossier_indexes()
        assert "ix_dossier_received_at_status" in indexes
        assert "ix_dossier_received_at" not in indexes  # the new one answers what it did
        with db.engine.connect() as conn:
            assert conn.execute(sa.text(count)).scalar() == 16  # March: 31 days, half of them
            assert "COVERING INDEX ix_dossier_received_at_status" in _plan(conn, count)
            context = MigrationContext.configure(
                conn, opts={"include_object": search_index.include_object}
            )
            diff = compare_metadata(context, db.metadata)
            assert [d for d in diff if "dossier" in repr(d) and not changed_by_0022(d)] == []

        downgrade(revision="0019")
        indexes = _dossier_indexes()
        assert "ix_dossier_received_at" in indexes
        assert "ix_dossier_received_at_status" not in indexes
        db.session.remove()
        db.engine.dispose()
