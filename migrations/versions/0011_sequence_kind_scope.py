"""numbering: sequences keyed by kind and scope

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 14:00:00

The sequence table's key column was named ``agency_id`` but held three kinds of
key: an agency e-identifier (dossier codes), ``LEDGER`` (ledger numbers) and
``NOTICE-02`` / ``NOTICE-03`` (counter notices). It becomes ``kind`` + ``scope``:

    <agency id>  -> ('dossier', <agency id>)
    LEDGER       -> ('ledger', '')
    NOTICE-<nn>  -> ('notice', '<nn>')

Every row keeps its day and last number, so the next numbers continue where they
were. An agency identifier never contains ``-`` and always ends in a letter and two
digits, so it is never taken for ``LEDGER`` or ``NOTICE-…``.

"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

# Copies, not imports: a migration must not change when the app's code does.
DOSSIER, LEDGER, NOTICE = 'dossier', 'ledger', 'notice'
LEDGER_KEY, NOTICE_PREFIX = 'LEDGER', 'NOTICE-'

sequence = sa.table(
    'daily_sequence',
    sa.column('kind', sa.String),
    sa.column('scope', sa.String),
    sa.column('agency_id', sa.String),
)


def upgrade():
    # Every row is a dossier sequence until the two updates below, so the new key
    # (kind, scope, day) is unique at each step.
    with op.batch_alter_table('daily_sequence', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('kind', sa.String(length=16), nullable=False, server_default=DOSSIER)
        )
        batch_op.alter_column(
            'agency_id',
            new_column_name='scope',
            existing_type=sa.String(length=64),
            existing_nullable=False,
        )
    # A batch of its own: SQLite's batch mode leaves out a key on a column renamed with it.
    with op.batch_alter_table('daily_sequence', schema=None) as batch_op:
        batch_op.drop_constraint('pk_daily_sequence', type_='primary')
        batch_op.create_primary_key('pk_daily_sequence', ['kind', 'scope', 'day'])

    conn = op.get_bind()
    conn.execute(
        sequence.update().where(sequence.c.scope == LEDGER_KEY).values(kind=LEDGER, scope='')
    )
    conn.execute(
        sequence.update()
        .where(sequence.c.scope.like(NOTICE_PREFIX + '%'))
        .values(kind=NOTICE, scope=sa.func.substr(sequence.c.scope, len(NOTICE_PREFIX) + 1))
    )

    with op.batch_alter_table('daily_sequence', schema=None) as batch_op:
        batch_op.alter_column(
            'kind', existing_type=sa.String(length=16), existing_nullable=False, server_default=None
        )


def downgrade():
    # Back to one key column: ('ledger', '') -> LEDGER, ('notice', '02') -> NOTICE-02;
    # a kind added later (queue tickets) folds the same way, KIND-scope.
    kind = sa.func.upper(sequence.c.kind)
    op.get_bind().execute(
        sequence.update()
        .where(sequence.c.kind != DOSSIER)
        .values(
            scope=sa.case((sequence.c.scope == '', kind), else_=kind + '-' + sequence.c.scope)
        )
    )
    with op.batch_alter_table('daily_sequence', schema=None) as batch_op:
        batch_op.drop_constraint('pk_daily_sequence', type_='primary')
        batch_op.drop_column('kind')
        batch_op.alter_column(
            'scope',
            new_column_name='agency_id',
            existing_type=sa.String(length=64),
            existing_nullable=False,
        )
    with op.batch_alter_table('daily_sequence', schema=None) as batch_op:
        batch_op.create_primary_key('pk_daily_sequence', ['agency_id', 'day'])
