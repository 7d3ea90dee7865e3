"""dossier search index: FTS5 trigram table on SQLite, pg_trgm GIN index on PostgreSQL

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 21:10:00

Issue 15. The search looks for every typed word inside ``dossier.search_text`` (folded code,
names, phones, ID numbers). ``LIKE '%word%'`` read every row: over a second at a million
dossiers.

* SQLite (3.34 or later, for the trigram tokenizer): ``dossier_fts``, an FTS5 table of
  ``dossier.search_text`` with the trigram tokenizer, external content (the text is not
  stored twice: ``content='dossier'``, its rowid is ``dossier.id``). Three triggers keep it
  in step with every writer (reception, the portal pull, the demo, amendments, deletes).
  A word of three characters or more is looked up there; a shorter one still with LIKE.
  An SQLite without the trigram tokenizer gets no table: the search keeps using LIKE (said
  here as the migration runs).
* PostgreSQL: the ``pg_trgm`` extension (trusted: the database owner may create it) and a
  GIN index ``gin_trgm_ops`` on ``dossier.search_text``, which ``LIKE '%word%'`` uses.

Careful: a later migration that rebuilds ``dossier`` in SQLite batch mode (copy, drop,
rename) drops these triggers with the old table; it must create them again
(``tests/services/test_migration_0018.py`` checks them at the head revision).
"""

import time

import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

FTS = 'dossier_fts'
TRIGGERS = ('dossier_fts_insert', 'dossier_fts_delete', 'dossier_fts_update')
PG_INDEX = 'ix_dossier_search_text_trgm'
#: Rows indexed per statement while back-filling (each batch says how far it got).
BATCH = 50_000


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        _upgrade_sqlite(bind)
    elif bind.dialect.name == 'postgresql':
        _upgrade_postgresql(bind)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        for name in TRIGGERS:
            op.execute(f'DROP TRIGGER IF EXISTS {name}')
        op.execute(f'DROP TABLE IF EXISTS {FTS}')
    elif bind.dialect.name == 'postgresql':
        op.execute(f'DROP INDEX IF EXISTS {PG_INDEX}')
        # The extension stays: other objects may use it, and creating it again is harmless.


def _has_trigram(bind) -> bool:
    """Whether this SQLite's FTS5 has the trigram tokenizer (SQLite 3.34 and later)."""
    try:
        bind.exec_driver_sql("CREATE VIRTUAL TABLE temp._trigram_probe USING fts5(x, tokenize='trigram')")
    except sa.exc.OperationalError:
        return False
    bind.exec_driver_sql('DROP TABLE temp._trigram_probe')
    return True


def _upgrade_sqlite(bind) -> None:
    version = bind.exec_driver_sql('SELECT sqlite_version()').scalar()
    if not _has_trigram(bind):
        print(
            f'0018: SQLite {version} has no FTS5 trigram tokenizer (3.34 or later needed): '
            'dossier search keeps reading every row (LIKE).',
            flush=True,
        )
        return
    op.execute(
        f"CREATE VIRTUAL TABLE {FTS} USING fts5("
        "search_text, content='dossier', content_rowid='id', tokenize='trigram')"
    )
    # The 'delete' command must be given the text as indexed: the old row's.
    op.execute(
        f'CREATE TRIGGER dossier_fts_insert AFTER INSERT ON dossier BEGIN '
        f'INSERT INTO {FTS}(rowid, search_text) VALUES (new.id, new.search_text); END'
    )
    op.execute(
        f'CREATE TRIGGER dossier_fts_delete AFTER DELETE ON dossier BEGIN '
        f"INSERT INTO {FTS}({FTS}, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
        'END'
    )
    op.execute(
        f'CREATE TRIGGER dossier_fts_update AFTER UPDATE OF id, search_text ON dossier BEGIN '
        f"INSERT INTO {FTS}({FTS}, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
        f'INSERT INTO {FTS}(rowid, search_text) VALUES (new.id, new.search_text); END'
    )
    total = bind.exec_driver_sql('SELECT count(*) FROM dossier').scalar() or 0
    print(f'0018: indexing the search text of {total} dossiers (SQLite {version}, FTS5 trigram)', flush=True)
    started = time.monotonic()
    done, last = 0, 0
    while True:
        upto = bind.exec_driver_sql(
            f'SELECT max(id) FROM (SELECT id FROM dossier WHERE id > {last} ORDER BY id LIMIT {BATCH})'
        ).scalar()
        if upto is None:
            break
        bind.exec_driver_sql(
            f'INSERT INTO {FTS}(rowid, search_text) '
            f'SELECT id, search_text FROM dossier WHERE id > {last} AND id <= {int(upto)}'
        )
        done = min(total, done + BATCH)  # each batch but the last holds BATCH rows
        last = int(upto)
        print(f'0018: {done}/{total} dossiers indexed ({time.monotonic() - started:.0f} s)', flush=True)
    bind.exec_driver_sql(f"INSERT INTO {FTS}({FTS}) VALUES ('optimize')")
    print(f'0018: search index ready ({time.monotonic() - started:.0f} s)', flush=True)


def _upgrade_postgresql(bind) -> None:
    op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    total = bind.exec_driver_sql('SELECT count(*) FROM dossier').scalar() or 0
    print(f'0018: building the trigram index of {total} dossiers (pg_trgm GIN)', flush=True)
    started = time.monotonic()
    op.execute(f'CREATE INDEX {PG_INDEX} ON dossier USING gin (search_text gin_trgm_ops)')
    print(f'0018: search index ready ({time.monotonic() - started:.0f} s)', flush=True)
