"""portal outbox, accepted dossiers, sync lease and sync runs

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 14:30:00

Issue 11. ``outbox_item`` holds what is still to reach the provincial portal (and,
never deleted, what reached it or was refused); ``portal_dossier`` the dossiers
the portal has accepted once (isUpdating); ``sync_lease`` one row, so that only
one sync sends at a time; ``sync_run`` the log of runs.

Dossiers received before this revision were never sent: each gets a state item,
and each of its events a progress entry, so the first sync delivers them all.

Creating whole tables needs no batch mode on SQLite.
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

# Copies, not imports: a migration must not change when the app's code does.
LEASE_NAME = 'portal'
BATCH = 5000


def upgrade():
    op.create_table(
        'outbox_item',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('dossier_id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=True),
        sa.Column('progress_key', sa.String(length=40), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_attempt_at', sa.DateTime(), nullable=True),
        sa.Column('next_attempt_at', sa.DateTime(), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=False),
        sa.Column('portal_code', sa.String(length=16), nullable=False),
        sa.Column('portal_message', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.Column('parked_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ['dossier_id'], ['dossier.id'],
            name=op.f('fk_outbox_item_dossier_id_dossier'), ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['event_id'], ['dossier_event.id'],
            name=op.f('fk_outbox_item_event_id_dossier_event'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_item')),
        sa.UniqueConstraint('progress_key', name=op.f('uq_outbox_item_progress_key')),
    )
    op.create_index('ix_outbox_item_dossier_id', 'outbox_item', ['dossier_id'])
    op.create_index('ix_outbox_item_event_id', 'outbox_item', ['event_id'])
    op.create_index(
        'ix_outbox_item_status_kind_dossier_id', 'outbox_item',
        ['status', 'kind', 'dossier_id', 'id'],
    )
    op.create_table(
        'portal_dossier',
        sa.Column('dossier_id', sa.Integer(), nullable=False),
        sa.Column('first_accepted_at', sa.DateTime(), nullable=False),
        sa.Column('last_accepted_at', sa.DateTime(), nullable=False),
        sa.Column('last_item_id', sa.Integer(), nullable=False),
        sa.Column('last_status', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ['dossier_id'], ['dossier.id'],
            name=op.f('fk_portal_dossier_dossier_id_dossier'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('dossier_id', name=op.f('pk_portal_dossier')),
    )
    lease = op.create_table(
        'sync_lease',
        sa.Column('name', sa.String(length=32), nullable=False),
        sa.Column('holder', sa.String(length=64), nullable=True),
        sa.Column('acquired_at', sa.DateTime(), nullable=True),
        sa.Column('expires_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_sync_lease')),
    )
    op.create_table(
        'sync_run',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('trigger', sa.String(length=16), nullable=False),
        sa.Column('holder', sa.String(length=64), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('sent', sa.Integer(), nullable=False),
        sa.Column('parked', sa.Integer(), nullable=False),
        sa.Column('pending', sa.Integer(), nullable=False),
        sa.Column('failed', sa.Boolean(), nullable=False),
        sa.Column('error', sa.Text(), nullable=False),
        sa.Column('replies', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_run')),
    )
    op.bulk_insert(lease, [{'name': LEASE_NAME}])
    _enqueue_existing()


def _enqueue_existing():
    """A state item per existing dossier, then a progress entry per event, in id order."""
    conn = op.get_bind()
    outbox = sa.table(
        'outbox_item',
        *(sa.column(name) for name in (
            'kind', 'dossier_id', 'event_id', 'progress_key', 'status', 'attempts',
            'last_error', 'portal_code', 'portal_message', 'created_at',
        )),
    )
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    blank = {'status': 'pending', 'attempts': 0, 'last_error': '', 'portal_code': '',
             'portal_message': '', 'created_at': now}
    dossiers = conn.execute(sa.text('SELECT id FROM dossier ORDER BY id')).scalars().all()
    for start in range(0, len(dossiers), BATCH):
        conn.execute(outbox.insert(), [
            {'kind': 'state', 'dossier_id': d, 'event_id': None, 'progress_key': None, **blank}
            for d in dossiers[start:start + BATCH]
        ])
    # A counter notice's event (no dossier) is no dossier's progress; an event's
    # MaTienDo is its own uid (0012 gave every event one).
    events = conn.execute(
        sa.text('SELECT id, dossier_id, uid FROM dossier_event'
                ' WHERE dossier_id IS NOT NULL ORDER BY id')
    ).all()
    for start in range(0, len(events), BATCH):
        conn.execute(outbox.insert(), [
            {'kind': 'progress', 'dossier_id': d, 'event_id': e, 'progress_key': u, **blank}
            for e, d, u in events[start:start + BATCH]
        ])


def downgrade():
    op.drop_table('sync_run')
    op.drop_table('sync_lease')
    op.drop_table('portal_dossier')
    op.drop_index('ix_outbox_item_status_kind_dossier_id', table_name='outbox_item')
    op.drop_index('ix_outbox_item_event_id', table_name='outbox_item')
    op.drop_index('ix_outbox_item_dossier_id', table_name='outbox_item')
    op.drop_table('outbox_item')
