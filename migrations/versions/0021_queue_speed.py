"""queue speed: the setup's version (for copies kept per process), the ticket at a counter by index

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02 00:30:00

Issue 13 (speed of the queue). The kiosk checks the opening hours, the calendar, the
service and its printer on every ticket; they change a few times a year. Each process
now keeps its own copies of them (``counter.services.setup_cache``) and checks one row,
``setup_version``, which triggers raise on every INSERT, UPDATE or DELETE of ``office``,
``calendar_entry``, ``queue_service``, ``queue_counter_service``, ``printer``, and of
``queue_counter`` when its number, name or active flag changes (not when an officer opens
it or a call touches it). Triggers, not the app, so that every writer counts: another
process, the command line, a statement typed by hand.

The ticket at a counter (called or being served), which call next, the counter page
and closing a counter look up, was found by reading every ticket of every day: the index
``ix_queue_ticket_counter_id_status`` finds it directly.

Careful: a later migration that rebuilds one of these tables in SQLite batch mode (copy,
drop, rename) drops its triggers with the old table; it must create them again
(``create_triggers`` below; ``tests/services/test_setup_cache.py`` checks every table at
the head revision).
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

#: table → the columns whose change counts (None: every change).
WATCHED = {
    "office": None,
    "calendar_entry": None,
    "queue_service": None,
    "queue_counter": ("number", "name", "active"),
    "queue_counter_service": None,
    "printer": None,
}
BUMP = "UPDATE setup_version SET version = version + 1 WHERE id = 1"
PG_FUNCTION = "setup_version_bump"


def _sqlite_triggers(table, columns):
    update = f"UPDATE OF {', '.join(columns)}" if columns else "UPDATE"
    for suffix, event in (("insert", "INSERT"), ("update", update), ("delete", "DELETE")):
        yield f"setup_version_{table}_{suffix}", event


def create_triggers(bind, tables=tuple(WATCHED)):
    """Create the triggers of ``tables`` (a later batch-mode rebuild calls this again)."""
    for table in tables:
        columns = WATCHED[table]
        if bind.dialect.name == "sqlite":
            for name, event in _sqlite_triggers(table, columns):
                op.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN {BUMP}; END")
        elif bind.dialect.name == "postgresql":
            update = f"UPDATE OF {', '.join(columns)}" if columns else "UPDATE"
            op.execute(
                f"CREATE TRIGGER setup_version_{table} AFTER INSERT OR {update} OR DELETE "
                f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}()"
            )


def upgrade():
    op.create_table(
        "setup_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_setup_version")),
    )
    op.execute("INSERT INTO setup_version (id, version) VALUES (1, 0)")
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(
            f"CREATE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN {BUMP}; RETURN NULL; END $$"
        )
    create_triggers(bind)
    op.create_index(
        "ix_queue_ticket_counter_id_status",
        "queue_ticket",
        ["counter_id", "status"],
        unique=False,
    )


def downgrade():
    op.drop_index("ix_queue_ticket_counter_id_status", table_name="queue_ticket")
    bind = op.get_bind()
    for table, columns in WATCHED.items():
        if bind.dialect.name == "sqlite":
            for name, _event in _sqlite_triggers(table, columns):
                op.execute(f"DROP TRIGGER IF EXISTS {name}")
        elif bind.dialect.name == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS setup_version_{table} ON {table}")
    if bind.dialect.name == "postgresql":
        op.execute(f"DROP FUNCTION IF EXISTS {PG_FUNCTION}()")
    op.drop_table("setup_version")
