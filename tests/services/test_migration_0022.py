"""Migration 0022: how many dossiers each status holds, back-filled, then kept by triggers
whatever statement writes; what the models describe, and back."""

from __future__ import annotations

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
from tests.services.test_migration_0023 import changed_by_0023

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="builds its own SQLite file")

TABLE = "dossier_status_count"


def changed_by_0022(difference: Any) -> bool:
    """Whether an autogenerate difference is 0022's (for the tests of earlier revisions)."""
    return difference[0] == "add_table" and difference[1].name == TABLE


def kept() -> dict[str, int]:
    """The counts the table keeps (statuses at zero left out)."""
    rows = db.session.execute(sa.text(f"SELECT status, dossiers FROM {TABLE}"))
    return {status: n for status, n in rows if n}


def counted() -> dict[str, int]:
    """The counts of the dossier table itself."""
    rows = db.session.execute(sa.text("SELECT status, count(*) FROM dossier GROUP BY status"))
    return dict(rows.all())


def test_the_counts_per_status_are_back_filled_then_kept_by_every_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'old.db'}")
    with app.app_context():
        upgrade(revision="0021")
        meta = sa.MetaData()
        meta.reflect(bind=db.engine)
        statuses = ["received"] * 5 + ["in_progress"] * 3 + ["resolved"] * 2 + ["returned"]
        with db.engine.begin() as conn:
            _insert(conn, meta.tables["procedure"], id=1, national_code="2.000815", name="X")
            for n, status in enumerate(statuses, start=1):
                _insert(
                    conn,
                    meta.tables["dossier"],
                    id=n,
                    code=f"000.20.18.H18-261120-{n:04d}",
                    procedure_id=1,
                    status=status,
                    applicant_name=f"Người {n}",
                    lookup_key=f"K{n:07d}",
                )

        upgrade(revision="0022")

        assert "0022: dossiers counted per status in" in capsys.readouterr().out
        assert kept() == {"received": 5, "in_progress": 3, "resolved": 2, "returned": 1}
        with db.engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"include_object": search_index.include_object}
            )
            diff = compare_metadata(context, db.metadata)
            assert [d for d in diff if not changed_by_0023(d)] == []  # the models' schema
        fresh = {"id": "100", "code": "'000.20.18.H18-261120-0100'", "lookup_key": "'K0000100'"}
        copied = ", ".join(fresh.get(c.name, c.name) for c in meta.tables["dossier"].columns)
        # Any statement, not only the app's: a change of status, one that changes nothing,
        # a new status, a row copied, rows deleted.
        writes = [
            "UPDATE dossier SET status = 'in_progress' WHERE id IN (1, 2)",
            "UPDATE dossier SET status = 'in_progress' WHERE id = 1",
            "UPDATE dossier SET applicant_name = 'Tên mới' WHERE id = 3",
            "UPDATE dossier SET status = 'supplement_requested' WHERE id = 3",
            f"INSERT INTO dossier SELECT {copied} FROM dossier WHERE id = 9",
            "DELETE FROM dossier WHERE status = 'received'",
        ]
        for sql in writes:
            db.session.execute(sa.text(sql))
            db.session.commit()
            assert kept() == counted(), sql
        assert kept() == {
            "in_progress": 5,
            "supplement_requested": 1,
            "resolved": 3,
            "returned": 1,
        }

        downgrade(revision="0021")
        assert TABLE not in sa.inspect(db.engine).get_table_names()
        triggers = db.session.execute(
            sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        ).scalars()
        assert not [name for name in triggers if name.startswith(TABLE)]
        db.session.execute(sa.text("UPDATE dossier SET status = 'returned'"))  # no trigger left
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
