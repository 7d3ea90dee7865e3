"""exported USB bundles, to match their receipts

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 15:50:00

Issue 12, the bundle. ``sync_bundle`` records each bundle written for a USB stick:
what each line delivers (the outbox items behind it), so that the portal's receipt
marks exactly those items sent, once.

Creating a whole table needs no batch mode on SQLite.
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'sync_bundle',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('bundle_id', sa.String(length=32), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by', sa.String(length=64), nullable=False),
        sa.Column('agency', sa.String(length=64), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('first_item_id', sa.Integer(), nullable=False),
        sa.Column('last_item_id', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('items', sa.JSON(), nullable=False),
        sa.Column('receipt_at', sa.DateTime(), nullable=True),
        sa.Column('accepted', sa.Integer(), nullable=False),
        sa.Column('rejected', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_bundle')),
        sa.UniqueConstraint('bundle_id', name=op.f('uq_sync_bundle_bundle_id')),
    )


def downgrade():
    op.drop_table('sync_bundle')
