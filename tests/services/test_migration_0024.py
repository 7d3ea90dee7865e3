"""Migration 0024: the setup's version follows the catalog's fields and the staff's names
(the worklist filters' choices, kept per process), and back."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from counter.extensions import db
from tests.conftest import PG_URL, make_app
from tests.services.test_migration_0010 import _insert

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="builds its own SQLite file")

NEW_TRIGGERS = {
    f"setup_version_{table}_{event}"
    for table in ("procedure", "user")
    for event in ("insert", "update", "delete")
}


def _triggers() -> set[str]:
    rows = db.session.execute(sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
    return {r[0] for r in rows if r[0].startswith("setup_version_")}


def _version() -> int:
    return int(db.session.execute(sa.text("SELECT version FROM setup_version")).scalar_one())


def test_writes_to_the_fields_and_the_staffs_names_raise_the_setup_version(
    tmp_path: Path,
) -> None:
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'old.db'}")
    with app.app_context():
        upgrade(revision="0023")
        assert not NEW_TRIGGERS & _triggers()
        before = _version()

        upgrade(revision="0024")

        assert _triggers() >= NEW_TRIGGERS
        assert _version() == before + 1  # copies made by the old code are made again
        meta = sa.MetaData()
        meta.reflect(bind=db.engine)
        with db.engine.begin() as conn:
            _insert(conn, meta.tables["procedure"], id=1, national_code="1.0", name="X")
            _insert(conn, meta.tables["user"], id=1, username="a", full_name="A")
        assert _version() == before + 3
        writes = [
            "UPDATE procedure SET field_code = 'G09', field_name = 'Hộ tịch'",
            "UPDATE \"user\" SET full_name = 'Nguyễn Văn A'",
            'UPDATE "user" SET active = 0',
            "DELETE FROM procedure",
        ]
        for n, sql in enumerate(writes, start=before + 4):
            db.session.execute(sa.text(sql))
            db.session.commit()
            assert _version() == n, sql
        # A password changed or sessions ended: not what the filters show.
        db.session.execute(sa.text('UPDATE "user" SET session_version = 2'))
        db.session.commit()
        assert _version() == before + 3 + len(writes)

        downgrade(revision="0023")
        assert not NEW_TRIGGERS & _triggers()
        db.session.execute(sa.text('DELETE FROM "user"'))  # no trigger left behind
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
