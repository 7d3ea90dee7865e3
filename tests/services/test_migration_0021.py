"""Migration 0021 (queue speed): the setup's version and its triggers, the index of the ticket
at a counter; what the models describe, and back."""

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
from tests.services.test_migration_0022 import changed_by_0022
from tests.services.test_migration_0023 import changed_by_0023

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="builds its own SQLite file")

TICKET_INDEX = "ix_queue_ticket_counter_id_status"


def changed_by_0021(difference: Any) -> bool:
    """Whether an autogenerate difference is 0021's (for the tests of earlier revisions)."""
    return (difference[0] == "add_table" and difference[1].name == "setup_version") or (
        difference[0] == "add_index" and difference[1].name == TICKET_INDEX
    )


def _triggers() -> set[str]:
    rows = db.session.execute(sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
    return {r[0] for r in rows if r[0].startswith("setup_version_")}


def _version() -> int:
    return int(db.session.execute(sa.text("SELECT version FROM setup_version")).scalar_one())


def _plan(sql: str) -> str:
    rows = db.session.execute(sa.text(f"EXPLAIN QUERY PLAN {sql}"))
    return " ".join(str(r[-1]) for r in rows)


def test_the_setup_has_a_version_its_writes_raise_and_the_counters_ticket_an_index(
    tmp_path: Path,
) -> None:
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'old.db'}")
    with app.app_context():
        upgrade(revision="0020")
        at_counter = (
            "SELECT id FROM queue_ticket WHERE counter_id = 1 "
            "AND status IN ('called', 'serving') ORDER BY called_at DESC LIMIT 1"
        )
        assert "SCAN queue_ticket" in _plan(at_counter)  # every ticket of every day, read
        db.session.execute(
            sa.text(
                "INSERT INTO office (id, name, governing_body, agency_id, place_name, address, "
                "phone, public_url, print_on_receive, morning_open, morning_close, "
                "afternoon_open, afternoon_close, same_day_cutoff, updated_at) VALUES "
                "(1, 'X', 'UBND', '000.00.00.H00', '', '', '', '', 'auto', '07:00:00', "
                "'11:30:00', '13:30:00', '17:00:00', '15:00:00', '2026-12-01 00:00:00')"
            )
        )
        db.session.commit()
        upgrade(revision="0021")
        assert _version() == 0
        assert TICKET_INDEX in _plan(at_counter)
        with db.engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"include_object": search_index.include_object}
            )
            diff = compare_metadata(context, db.metadata)
            assert [
                d for d in diff if not changed_by_0022(d) and not changed_by_0023(d)
            ] == []  # the models' schema
        # Writes to each table of the setup raise the version by one each.
        writes = [
            "UPDATE office SET name = 'Y'",
            "INSERT INTO calendar_entry (first_date, last_date, year, kind, label, source, "
            "origin, updated_at) VALUES ('2026-12-24', '2026-12-24', 2026, 'day_off', 'Nghỉ', "
            "'', 'admin', '2026-12-01 00:00:00')",
            "UPDATE calendar_entry SET label = 'Nghỉ bù'",
            "INSERT INTO queue_service (name, letter, fields, default_minutes, active, position, "
            "updated_at) VALUES ('Hộ tịch', 'A', '', 10, 1, 0, '2026-12-01 00:00:00')",
            "INSERT INTO queue_counter (number, name, active, updated_at) "
            "VALUES (1, '', 1, '2026-12-01 00:00:00')",
            "INSERT INTO queue_counter_service (counter_id, service_id) VALUES (1, 1)",
            "UPDATE queue_counter SET name = 'Quầy một'",
            "INSERT INTO printer (name, uri, width, cut, text_mode, is_default, active, "
            "updated_at) VALUES ('Kiosk', 'file:x.bin', 576, 1, 0, 0, 1, '2026-12-01 00:00:00')",
            "UPDATE printer SET active = 0",
            "UPDATE queue_service SET active = 0",
            "DELETE FROM queue_counter_service",
            "DELETE FROM printer",
            "DELETE FROM calendar_entry",
        ]
        for n, sql in enumerate(writes, start=1):
            db.session.execute(sa.text(sql))
            db.session.commit()
            assert _version() == n, sql
        # An officer opening a counter, or a call touching it, is not the setup.
        db.session.execute(
            sa.text("UPDATE queue_counter SET officer_id = NULL, updated_at = '2026-12-02'")
        )
        db.session.commit()
        assert _version() == len(writes)
        assert len(_triggers()) == 18  # insert, update, delete of each of the six tables

        downgrade(revision="0020")
        inspector = sa.inspect(db.engine)
        assert "setup_version" not in inspector.get_table_names()
        assert TICKET_INDEX not in {i["name"] for i in inspector.get_indexes("queue_ticket")}
        assert _triggers() == set()
        db.session.execute(sa.text("UPDATE office SET name = 'Z'"))  # no trigger left behind
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
