"""office: how the slip prints on receiving (print_on_receive)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 11:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    # 'auto': the thermal printer when one is set up, else the browser's A4 dialog,
    # which is what every office got before the setting existed.
    with op.batch_alter_table('office', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('print_on_receive', sa.String(length=16), server_default='auto', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('office', schema=None) as batch_op:
        batch_op.drop_column('print_on_receive')
