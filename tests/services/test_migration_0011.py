"""Migration 0011: the sequences' key becomes kind + scope, and every count goes on."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from counter.extensions import db
from counter.services import numbering, transaction
from tests.conftest import PG_URL, make_app

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="builds its own SQLite file")

AGENCY = "000.20.18.H18"
DAY = date(2026, 11, 30)
OLD_ROWS = [
    (AGENCY, "2026-11-30", 7),
    ("000.00.00.H41", "2026-11-30", 2),  # an agency identifier used before a change
    (AGENCY, "2026-11-27", 31),
    ("LEDGER", "2026-01-01", 1204),
    ("LEDGER", "2025-01-01", 9876),
    ("NOTICE-02", "2026-11-30", 3),
    ("NOTICE-03", "2026-11-30", 1),
]


def _rows(conn: sa.Connection, columns: str) -> set[tuple[object, ...]]:
    return set(conn.execute(sa.text(f"SELECT {columns} FROM daily_sequence")))


def test_upgrade_keeps_every_sequence_and_the_next_numbers_continue(tmp_path: Path) -> None:
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'old.db'}")
    with app.app_context():
        upgrade(revision="0010")
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO daily_sequence (agency_id, day, last_seq) VALUES (:a, :d, :n)"
                ),
                [{"a": a, "d": d, "n": n} for a, d, n in OLD_ROWS],
            )

        upgrade(revision="0011")

        with db.engine.connect() as conn:
            assert _rows(conn, "kind, scope, day, last_seq") == {
                ("dossier", AGENCY, "2026-11-30", 7),
                ("dossier", "000.00.00.H41", "2026-11-30", 2),
                ("dossier", AGENCY, "2026-11-27", 31),
                ("ledger", "", "2026-01-01", 1204),
                ("ledger", "", "2025-01-01", 9876),
                ("notice", "02", "2026-11-30", 3),
                ("notice", "03", "2026-11-30", 1),
            }
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        assert [d for d in diff if "daily_sequence" in repr(d)] == []

        with transaction():
            assert numbering.dossier_code(AGENCY, DAY) == f"{AGENCY}-261130-0008"
            assert numbering.dossier_code(AGENCY, date(2026, 11, 27)) == f"{AGENCY}-261127-0032"
            assert numbering.ledger_number(DAY) == ("2026", 1205)
            assert numbering.notice_number("02", DAY) == "02-261130-0004"
            assert numbering.notice_number("03", DAY) == "03-261130-0002"
            assert numbering.next_number("ticket", "A", DAY) == 1  # a new kind starts at 1

        # And back: one key column again, with the numbers taken since.
        downgrade(revision="0010")
        with db.engine.connect() as conn:
            assert _rows(conn, "agency_id, day, last_seq") == {
                (AGENCY, "2026-11-30", 8),
                ("000.00.00.H41", "2026-11-30", 2),
                (AGENCY, "2026-11-27", 32),
                ("LEDGER", "2026-01-01", 1205),
                ("LEDGER", "2025-01-01", 9876),
                ("NOTICE-02", "2026-11-30", 4),
                ("NOTICE-03", "2026-11-30", 2),
                ("TICKET-A", "2026-11-30", 1),
            }
            # The key is (agency_id, day) again: the same key twice is refused.
            with pytest.raises(sa.exc.IntegrityError):
                conn.execute(
                    sa.text(
                        "INSERT INTO daily_sequence (agency_id, day, last_seq) "
                        "VALUES ('LEDGER', '2026-01-01', 1)"
                    )
                )
        db.session.remove()
        db.engine.dispose()
