"""satisfaction ratings, and indexes for the reports

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 17:45:00

Issue 14. ``satisfaction_rating`` keeps the citizen's rating of the service when the
result is returned (one per dossier). The reports count by period: an index on
``dossier (resolved_at, timeliness)`` and on ``dossier_event (action, at)`` (refused, withdrawn,
stopped and supplement steps) keep a monthly report fast on a large office.

Creating a table and indexes needs no batch mode on SQLite.
"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'satisfaction_rating',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('dossier_id', sa.Integer(), nullable=False),
        sa.Column('level', sa.String(length=16), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('source', sa.String(length=16), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('officer_id', sa.Integer(), nullable=True),
        sa.Column('entered_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['dossier_id'], ['dossier.id'], name=op.f('fk_satisfaction_rating_dossier_id_dossier'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['entered_by_id'], ['user.id'], name=op.f('fk_satisfaction_rating_entered_by_id_user'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['officer_id'], ['user.id'], name=op.f('fk_satisfaction_rating_officer_id_user'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_satisfaction_rating')),
        sa.UniqueConstraint('dossier_id', name='uq_satisfaction_rating_dossier_id'),
    )
    op.create_index('ix_satisfaction_rating_at', 'satisfaction_rating', ['at'], unique=False)
    op.create_index('ix_dossier_resolved_at', 'dossier', ['resolved_at', 'timeliness'], unique=False)
    op.create_index('ix_dossier_event_action_at', 'dossier_event', ['action', 'at'], unique=False)


def downgrade():
    op.drop_index('ix_dossier_event_action_at', table_name='dossier_event')
    op.drop_index('ix_dossier_resolved_at', table_name='dossier')
    op.drop_index('ix_satisfaction_rating_at', table_name='satisfaction_rating')
    op.drop_table('satisfaction_rating')
