"""the setup's version follows the catalog's fields and the staff's names too

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02 06:30:00

Every worklist and search page offers two filters, by field (lĩnh vực) and by officer,
whose choices were read from ``procedure`` and ``user`` on each page: two statements of
the nine a page ran. They change when the catalog is imported or edited and when an
account is added, renamed or locked, a few times a year. Each process now keeps them as
it keeps the office hours (``counter.services.setup_cache``): these triggers raise
``setup_version`` (migration 0021) on every INSERT and DELETE of ``procedure`` and
``user``, and on an UPDATE of the columns the choices show (a procedure's field, an
account's name or active flag), whoever writes: the app, another process, a statement
typed by hand.

Careful, as in 0021: a later migration that rebuilds one of these tables in SQLite batch
mode drops its triggers with the old table and must create them again
(``create_triggers`` below).
"""

from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

#: table → the columns whose UPDATE counts.
WATCHED = {
    "procedure": ("field_code", "field_name"),
    "user": ("full_name", "active"),
}
BUMP = "UPDATE setup_version SET version = version + 1 WHERE id = 1"
PG_FUNCTION = "setup_version_bump"  # made by 0021


def _sqlite_triggers(table, columns):
    for suffix, event in (
        ("insert", "INSERT"),
        ("update", f"UPDATE OF {', '.join(columns)}"),
        ("delete", "DELETE"),
    ):
        yield f"setup_version_{table}_{suffix}", event


def create_triggers(bind, tables=tuple(WATCHED)):
    """Create the triggers of ``tables`` (a later batch-mode rebuild calls this again)."""
    for table in tables:
        columns = WATCHED[table]
        if bind.dialect.name == "sqlite":
            for name, event in _sqlite_triggers(table, columns):
                op.execute(f'CREATE TRIGGER {name} AFTER {event} ON "{table}" BEGIN {BUMP}; END')
        elif bind.dialect.name == "postgresql":
            op.execute(
                f"CREATE TRIGGER setup_version_{table} AFTER INSERT OR "
                f'UPDATE OF {", ".join(columns)} OR DELETE ON "{table}" '
                f"FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}()"
            )


def upgrade():
    create_triggers(op.get_bind())
    op.execute(BUMP)  # copies kept by a process still running the old code: made again


def downgrade():
    bind = op.get_bind()
    for table, columns in WATCHED.items():
        if bind.dialect.name == "sqlite":
            for name, _event in _sqlite_triggers(table, columns):
                op.execute(f"DROP TRIGGER IF EXISTS {name}")
        elif bind.dialect.name == "postgresql":
            op.execute(f'DROP TRIGGER IF EXISTS setup_version_{table} ON "{table}"')
