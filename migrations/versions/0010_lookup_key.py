"""public look-up key

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 12:00:00

Each dossier gets a random six-character key (mã tra cứu) that the slip prints
and its QR code carries: the public look-up shows the name and procedure only
with it, since dossier codes are sequential and can be walked. Dossiers received
before this revision get a key here; their printed QR codes still open the page,
which then shows only the status and due date until the key is typed.

"""
import secrets

from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

# A copy, not an import: a migration must not change when the app's code does.
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
LENGTH = 6
BATCH = 5000


def _key():
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def upgrade():
    # Nullable first, filled row by row (each needs its own random key), then required.
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lookup_key', sa.String(length=12), nullable=True))

    conn = op.get_bind()
    dossier = sa.table('dossier', sa.column('id', sa.Integer), sa.column('lookup_key', sa.String))
    update = (
        dossier.update()
        .where(dossier.c.id == sa.bindparam('b_id'))
        .values(lookup_key=sa.bindparam('b_key'))
    )
    ids = [row[0] for row in conn.execute(sa.select(dossier.c.id).order_by(dossier.c.id))]
    for start in range(0, len(ids), BATCH):
        conn.execute(update, [{'b_id': i, 'b_key': _key()} for i in ids[start:start + BATCH]])

    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.alter_column('lookup_key', existing_type=sa.String(length=12), nullable=False)


def downgrade():
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.drop_column('lookup_key')
