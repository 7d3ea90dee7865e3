"""Migration 0014 (the portal outbox): dossiers received before it are queued for the portal, once each."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from counter.extensions import db
from tests.conftest import PG_URL, make_app
from tests.services.test_migration_0010 import _insert
from tests.services.test_migration_0017 import added_by_0017
from tests.services.test_migration_0019 import changed_by_0019
from tests.services.test_migration_0020 import changed_by_0020
from tests.services.test_migration_0021 import changed_by_0021
from tests.services.test_migration_0023 import changed_by_0023

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="builds its own SQLite file")

OUTBOX_TABLES = {"outbox_item", "portal_dossier", "sync_lease", "sync_run"}


def test_upgrade_queues_every_dossier_and_event_then_downgrades(tmp_path: Path) -> None:
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'old.db'}")
    with app.app_context():
        upgrade(revision="0011")
        meta = sa.MetaData()
        meta.reflect(bind=db.engine)
        with db.engine.begin() as conn:
            _insert(conn, meta.tables["procedure"], id=1, national_code="2.000815", name="X")
            for n in range(1, 4):
                _insert(
                    conn,
                    meta.tables["dossier"],
                    id=n,
                    code=f"000.20.18.H18-261120-{n:04d}",
                    procedure_id=1,
                    status="received",
                    applicant_name=f"Người {n}",
                    lookup_key=f"K{n}",
                )
                for _ in range(n):
                    _insert(
                        conn,
                        meta.tables["dossier_event"],
                        dossier_id=n,
                        action="receive",
                        to_status="received",
                        detail="{}",
                    )

        upgrade(revision="0014")

        with db.engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT kind, dossier_id, event_id, progress_key, status FROM outbox_item"
                    " ORDER BY id"
                )
            ).all()
            lease = conn.execute(sa.text("SELECT name, holder FROM sync_lease")).all()
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        states = [r for r in rows if r.kind == "state"]
        progress = [r for r in rows if r.kind == "progress"]
        assert [r.dossier_id for r in states] == [1, 2, 3]
        assert [r.dossier_id for r in progress] == [1, 2, 2, 3, 3, 3]
        assert len({r.progress_key for r in progress}) == 6
        assert {r.status for r in rows} == {"pending"}
        assert rows.index(states[-1]) < rows.index(progress[0])  # states go first
        assert lease == [("portal", None)]
        # The schema is the one the models describe (tables of later revisions, such as
        # the USB bundles' record, and indexes of later revisions are missing at 0014 by design).
        assert [
            d
            for d in diff
            if (d[0] != "add_table" or d[1].name in OUTBOX_TABLES)
            and not added_by_0017(d)
            and not changed_by_0019(d)
            and not changed_by_0020(d)
            and not changed_by_0021(d)
            and not changed_by_0023(d)
        ] == []

        downgrade(revision="0013")
        assert not OUTBOX_TABLES & set(sa.inspect(db.engine).get_table_names())
        db.session.remove()
        db.engine.dispose()


def test_later_upgrades_keep_a_non_empty_outbox_as_it_is(tmp_path: Path) -> None:
    """sync-faults 19: an app upgrade with items still queued leaves every one of them."""
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'old.db'}")
    with app.app_context():
        upgrade(revision="0011")
        meta = sa.MetaData()
        meta.reflect(bind=db.engine)
        with db.engine.begin() as conn:
            _insert(conn, meta.tables["procedure"], id=1, national_code="2.000815", name="X")
            for n in range(1, 4):
                _insert(
                    conn,
                    meta.tables["dossier"],
                    id=n,
                    code=f"000.20.18.H18-261120-{n:04d}",
                    procedure_id=1,
                    status="received",
                    applicant_name=f"Người {n}",
                    lookup_key=f"K{n}",
                )
                _insert(
                    conn,
                    meta.tables["dossier_event"],
                    dossier_id=n,
                    action="receive",
                    to_status="received",
                    detail="{}",
                )
        upgrade(revision="0014")
        query = sa.text(
            "SELECT id, kind, dossier_id, event_id, progress_key, status, attempts,"
            " next_attempt_at, last_error, portal_code, portal_message FROM outbox_item ORDER BY id"
        )
        with db.engine.begin() as conn:
            # One waits out a backoff, one was refused, the rest are pending.
            conn.execute(
                sa.text(
                    "UPDATE outbox_item SET attempts = 2, last_error = 'Cổng báo lỗi máy chủ.',"
                    " next_attempt_at = '2026-11-20 08:00:00.000000' WHERE dossier_id = 1"
                )
            )
            conn.execute(
                sa.text(
                    "UPDATE outbox_item SET status = 'parked', portal_code = '4',"
                    " portal_message = 'Sai mã thủ tục' WHERE dossier_id = 2 AND kind = 'state'"
                )
            )
            before = conn.execute(query).all()
        assert len(before) == 6

        upgrade()  # to the newest revision

        with db.engine.connect() as conn:
            assert conn.execute(query).all() == before
        db.session.remove()
        db.engine.dispose()
