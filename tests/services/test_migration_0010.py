"""Migration 0010: every dossier already received gets its own random look-up key."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from counter.domain.codes import LOOKUP_KEY_ALPHABET, LOOKUP_KEY_LENGTH
from counter.extensions import db
from tests.conftest import PG_URL, make_app

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="builds its own SQLite file")

NOW = datetime(2026, 11, 20, 3, 0)


def _filler(column: sa.Column) -> Any:
    """A plain value for a required column the test does not care about."""
    kind = column.type.python_type
    return {
        str: "",
        int: 0,
        bool: False,
        datetime: NOW,
        date: NOW.date(),
        time: time(7),
        Decimal: Decimal(1),
    }.get(kind, "")


def _insert(conn: sa.Connection, table: sa.Table, **values: Any) -> None:
    """Insert a row giving every NOT NULL column without a default some value."""
    row = dict(values)
    for column in table.columns:
        if column.name in row or column.nullable or column.primary_key:
            continue
        if column.server_default is None:
            row[column.name] = _filler(column)
    conn.execute(table.insert().values(**row))


def test_upgrade_gives_each_existing_dossier_a_distinct_key_then_requires_one(
    tmp_path: Path,
) -> None:
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'old.db'}")
    with app.app_context():
        upgrade(revision="0009")
        meta = sa.MetaData()
        meta.reflect(bind=db.engine)
        with db.engine.begin() as conn:
            _insert(conn, meta.tables["procedure"], id=1, national_code="2.000815", name="X")
            for n in range(1, 41):
                _insert(
                    conn,
                    meta.tables["dossier"],
                    id=n,
                    code=f"000.20.18.H18-261120-{n:04d}",
                    procedure_id=1,
                    status="received",
                    applicant_name=f"Người {n}",
                )

        upgrade(revision="0010")

        with db.engine.connect() as conn:
            keys = [r[0] for r in conn.execute(sa.text("SELECT lookup_key FROM dossier"))]
        assert len(keys) == 40 and len(set(keys)) == 40
        for key in keys:
            assert len(key) == LOOKUP_KEY_LENGTH and set(key) <= set(LOOKUP_KEY_ALPHABET)
        # NOT NULL after the back-fill: a row without a key is refused by the database.
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE dossier SET lookup_key = NULL WHERE id = 1"))
        # The schema the migration builds is the one the model describes.
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        assert [d for d in diff if "lookup_key" in repr(d)] == []

        downgrade(revision="0009")
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("dossier")}
        assert "lookup_key" not in columns
        db.session.remove()
        db.engine.dispose()
