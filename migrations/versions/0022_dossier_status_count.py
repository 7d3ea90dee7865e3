"""how many dossiers each status holds, kept by triggers

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02 03:10:00

Issue 15. Every worklist page and the home page show how many dossiers each tab holds;
the open statuses were counted by reading their index entries: tens of thousands at a
large office (the resolved dossiers never collected alone were 30,000 of a million),
most of the counts' time on PostgreSQL. ``dossier_status_count`` keeps the number of
dossiers per status, raised and lowered by triggers on every INSERT, DELETE and change
of status of ``dossier``, by any process or statement, in the writer's own transaction;
so it is always the count the table would give. The back-fill is one GROUP BY.

PostgreSQL: a change of status moves both rows in the order of their status, so two
transactions changing statuses never wait on each other's row in turn (no deadlock); a
statement inserting or deleting many rows (COPY, a bulk import) adds them up per status
once (statement triggers with transition tables); TRUNCATE empties the counts.

Careful: a later migration that rebuilds ``dossier`` in SQLite batch mode (copy, drop,
rename) drops its triggers with the old table; it must create them again
(``create_triggers`` below), and the search index's of 0018 too.
"""

import time

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

TABLE = "dossier_status_count"
UPSERT = (
    f"INSERT INTO {TABLE} (status, dossiers) VALUES (NEW.status, 1) "
    f"ON CONFLICT (status) DO UPDATE SET dossiers = dossiers + 1"
)
LOWER = f"UPDATE {TABLE} SET dossiers = dossiers - 1 WHERE status = OLD.status"
SQLITE_TRIGGERS = {
    "dossier_status_count_insert": f"AFTER INSERT ON dossier BEGIN {UPSERT}; END",
    "dossier_status_count_update": (
        f"AFTER UPDATE OF status ON dossier WHEN OLD.status <> NEW.status "
        f"BEGIN {LOWER}; {UPSERT}; END"
    ),
    "dossier_status_count_delete": f"AFTER DELETE ON dossier BEGIN {LOWER}; END",
}
PG_FUNCTIONS = {
    # One row changing status: both counts in the order of their status.
    "dossier_status_count_row": (
        f"INSERT INTO {TABLE} AS c (status, dossiers) "
        f"SELECT s, n FROM (VALUES (OLD.status, -1), (NEW.status, 1)) AS v (s, n) ORDER BY s "
        f"ON CONFLICT (status) DO UPDATE SET dossiers = c.dossiers + EXCLUDED.dossiers"
    ),
    "dossier_status_count_added": (
        f"INSERT INTO {TABLE} AS c (status, dossiers) "
        f"SELECT status, count(*) FROM new_rows GROUP BY status ORDER BY status "
        f"ON CONFLICT (status) DO UPDATE SET dossiers = c.dossiers + EXCLUDED.dossiers"
    ),
    "dossier_status_count_emptied": f"DELETE FROM {TABLE}",
    "dossier_status_count_removed": (
        f"UPDATE {TABLE} AS c SET dossiers = c.dossiers - gone.n "
        f"FROM (SELECT status, count(*) AS n FROM old_rows GROUP BY status) AS gone "
        f"WHERE c.status = gone.status"
    ),
}
PG_TRIGGERS = {
    "dossier_status_count_update": (
        "AFTER UPDATE OF status ON dossier FOR EACH ROW "
        "WHEN (OLD.status IS DISTINCT FROM NEW.status) "
        "EXECUTE FUNCTION dossier_status_count_row()"
    ),
    "dossier_status_count_insert": (
        "AFTER INSERT ON dossier REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
        "EXECUTE FUNCTION dossier_status_count_added()"
    ),
    "dossier_status_count_delete": (
        "AFTER DELETE ON dossier REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
        "EXECUTE FUNCTION dossier_status_count_removed()"
    ),
    "dossier_status_count_truncate": (
        "AFTER TRUNCATE ON dossier FOR EACH STATEMENT "
        "EXECUTE FUNCTION dossier_status_count_emptied()"
    ),
}


def create_triggers(bind):
    """Create the triggers on ``dossier`` (a later batch-mode rebuild calls this again)."""
    if bind.dialect.name == "sqlite":
        for name, body in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")
    elif bind.dialect.name == "postgresql":
        for name, body in PG_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")


def upgrade():
    started = time.perf_counter()
    op.create_table(
        TABLE,
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("dossiers", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("status", name=op.f("pk_dossier_status_count")),
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for name, body in PG_FUNCTIONS.items():
            op.execute(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN {body}; RETURN NULL; END $$"
            )
    op.execute(
        f"INSERT INTO {TABLE} (status, dossiers) SELECT status, count(*) FROM dossier GROUP BY status"
    )
    create_triggers(bind)
    print(f"0022: dossiers counted per status in {time.perf_counter() - started:.1f} s", flush=True)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    elif bind.dialect.name == "postgresql":
        for name in PG_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON dossier")
    if bind.dialect.name == "postgresql":
        for name in PG_FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    op.drop_table(TABLE)
