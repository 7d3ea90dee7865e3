"""dossiers pulled from the portal, and what a pull or a check after a restore found

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 17:45:00

Issue 12, the pull and sync after a restore. ``portal_inbox`` holds what came down
from the portal: a pulled dossier (with the scans the portal lists), a listed value
skipped with its reason, a dossier the portal holds for this office that this PC
lacks. ``portal_pull`` records each pull.

Creating whole tables needs no batch mode on SQLite.
"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'portal_inbox',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('ma_ho_so', sa.String(length=64), nullable=False),
        sa.Column('dossier_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('summary', sa.JSON(), nullable=False),
        sa.Column('files', sa.JSON(), nullable=False),
        sa.Column('seen_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['dossier_id'], ['dossier.id'],
            name=op.f('fk_portal_inbox_dossier_id_dossier'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_inbox')),
    )
    op.create_table(
        'portal_pull',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('trigger', sa.String(length=16), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.Column('pulled', sa.Integer(), nullable=False),
        sa.Column('known', sa.Integer(), nullable=False),
        sa.Column('skipped', sa.Integer(), nullable=False),
        sa.Column('missing', sa.Integer(), nullable=False),
        sa.Column('failed', sa.Boolean(), nullable=False),
        sa.Column('error', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_pull')),
    )


def downgrade():
    op.drop_table('portal_pull')
    op.drop_table('portal_inbox')
