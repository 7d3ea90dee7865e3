"""Migration 0018 (the search index): existing dossiers indexed, kept in step, and back."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from counter.extensions import db
from counter.models import Dossier
from counter.services import dossiers as svc
from counter.services import search_index
from tests.conftest import PG_URL, initialize_for_tests, make_app
from tests.services.test_lifecycle_service import actor_for, make_dossier

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="builds its own SQLite file")

TRIGGERS = {"dossier_fts_insert", "dossier_fts_delete", "dossier_fts_update"}


def _objects() -> set[str]:
    rows = db.session.execute(
        sa.text("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
    )
    return {r[0] for r in rows}


def _found(query: str) -> list[str]:
    return sorted(row.dossier.code for row in svc.search(actor_for("reception"), query).rows)


def test_upgrade_indexes_the_dossiers_already_there_then_downgrades(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'old.db'}")
    with app.app_context():
        initialize_for_tests(demo=True)
        downgrade(revision="0017")
        assert search_index.FTS_TABLE not in _objects()
        # Dossiers received while the office ran 0017: no index, no trigger followed them.
        before = [
            make_dossier(name="Điêu Chính Khiêm", phone="0911222333"),
            make_dossier(name="Lò Thị Xuân", id_number="011190005555"),
        ]
        demo = list(db.session.scalars(db.select(Dossier.code)))
        assert _found("dieu chinh khiem") == [before[0].code]  # LIKE, as before 0018
        capsys.readouterr()

        upgrade()
        said = capsys.readouterr().out
        assert f"{len(demo)}/{len(demo)} dossiers indexed" in said  # progress, as it goes
        assert {search_index.FTS_TABLE, *TRIGGERS} <= _objects()
        assert search_index.fts_available()
        assert _found("dieu chinh khiem") == [before[0].code]  # now through the index
        assert _found("011190005555") == [before[1].code]
        assert _found("xuan lo") == [before[1].code]
        # Every dossier of the table is in the index (each code holds the agency's "h18").
        assert svc.search(actor_for("reception"), "h18").total == len(demo)
        after = make_dossier(name="Hà Nguyệt Quế", phone="0977000222")  # the triggers follow
        assert _found("ha nguyet que") == [after.code]
        # The schema the migrations build is still the one the models describe.
        with db.engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"include_object": search_index.include_object}
            )
            assert compare_metadata(context, db.metadata) == []

        downgrade(revision="0017")
        assert not ({search_index.FTS_TABLE, *TRIGGERS} & _objects())
        assert not search_index.fts_available()
        assert _found("ha nguyet que") == [after.code]  # LIKE again
        db.session.remove()
        db.engine.dispose()


def test_the_index_and_its_triggers_exist_at_the_newest_revision(app: object) -> None:
    """A later batch-mode rebuild of ``dossier`` would drop the triggers: this says so."""
    assert {search_index.FTS_TABLE, *TRIGGERS} <= _objects()
