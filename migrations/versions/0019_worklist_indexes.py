"""indexes for the worklist tabs of a large office

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 21:20:00

Issue 15. Every worklist tab lists its page in due-date order (``ORDER BY due_at, id``):
``dossier (status, due_at, id)`` serves the tabs of given statuses and replaces
``(status, due_at)``; ``dossier (due_at, id)`` serves «Tất cả». «Của tôi» looks dossiers
up by the one they are assigned to or who received them, with their status, in
due-date order; the received-by index also holds whether anyone was assigned (what
awaits a supplement at the counter), after ``id`` so that the order still comes from it.

Creating an index needs no batch mode on SQLite. On a large office each index takes
seconds: the upgrade says which one it builds and how long it took.
"""
import time

from alembic import op


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

INDEXES = (
    ('ix_dossier_status_due_at_id', ['status', 'due_at', 'id']),
    ('ix_dossier_due_at_id', ['due_at', 'id']),
    ('ix_dossier_assigned_to_id_status', ['assigned_to_id', 'status', 'due_at', 'id']),
    (
        'ix_dossier_received_by_id_status',
        ['received_by_id', 'status', 'due_at', 'id', 'assigned_to_id'],
    ),
)


def _say(text):
    print(f'0019: {text}', flush=True)


def upgrade():
    for name, columns in INDEXES:
        started = time.perf_counter()
        _say(f'building {name} ({", ".join(columns)})…')
        op.create_index(name, 'dossier', columns, unique=False)
        _say(f'{name} built in {time.perf_counter() - started:.1f} s')
    # (status, due_at, id) answers whatever (status, due_at) answered.
    op.drop_index('ix_dossier_status_due_at', table_name='dossier')


def downgrade():
    op.create_index('ix_dossier_status_due_at', 'dossier', ['status', 'due_at'], unique=False)
    for name, _columns in reversed(INDEXES):
        op.drop_index(name, table_name='dossier')
