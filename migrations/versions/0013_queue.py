"""queue: services, counters, tickets, calls

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 14:16:13.804016

The local queue (issue 13): queue services (a letter each, A001…), counters and
the services each serves, officers' sessions at counters, tickets (numbered per
service letter and day by the numbering service, kind ``queue``) and the log of
every step (the board's last calls, the statistics' times). New tables only: nothing existing changes.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('queue_service',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('letter', sa.String(length=2), nullable=False),
    sa.Column('fields', sa.Text(), nullable=False),
    sa.Column('default_minutes', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_service')),
    sa.UniqueConstraint('letter', name=op.f('uq_queue_service_letter')),
    sa.UniqueConstraint('name', name=op.f('uq_queue_service_name'))
    )
    op.create_table('queue_counter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=True),
    sa.Column('opened_at', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['officer_id'], ['user.id'], name=op.f('fk_queue_counter_officer_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_counter')),
    sa.UniqueConstraint('number', name=op.f('uq_queue_counter_number'))
    )
    op.create_table('queue_counter_service',
    sa.Column('counter_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['counter_id'], ['queue_counter.id'], name=op.f('fk_queue_counter_service_counter_id_queue_counter'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_id'], ['queue_service.id'], name=op.f('fk_queue_counter_service_service_id_queue_service'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('counter_id', 'service_id', name=op.f('pk_queue_counter_service'))
    )
    op.create_table('queue_counter_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('counter_id', sa.Integer(), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=True),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['counter_id'], ['queue_counter.id'], name=op.f('fk_queue_counter_session_counter_id_queue_counter'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['officer_id'], ['user.id'], name=op.f('fk_queue_counter_session_officer_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_counter_session'))
    )
    with op.batch_alter_table('queue_counter_session', schema=None) as batch_op:
        batch_op.create_index('ix_queue_counter_session_opened_at', ['opened_at'], unique=False)

    op.create_table('queue_ticket',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('priority', sa.Boolean(), nullable=False),
    sa.Column('priority_kind', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('called_at', sa.DateTime(), nullable=True),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('recalls', sa.Integer(), nullable=False),
    sa.Column('counter_id', sa.Integer(), nullable=True),
    sa.Column('officer_id', sa.Integer(), nullable=True),
    sa.Column('target_counter_id', sa.Integer(), nullable=True),
    sa.Column('transfers', sa.Integer(), nullable=False),
    sa.Column('transferred_at', sa.DateTime(), nullable=True),
    sa.Column('dossier_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['counter_id'], ['queue_counter.id'], name=op.f('fk_queue_ticket_counter_id_queue_counter'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossier.id'], name=op.f('fk_queue_ticket_dossier_id_dossier'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['officer_id'], ['user.id'], name=op.f('fk_queue_ticket_officer_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['service_id'], ['queue_service.id'], name=op.f('fk_queue_ticket_service_id_queue_service')),
    sa.ForeignKeyConstraint(['target_counter_id'], ['queue_counter.id'], name=op.f('fk_queue_ticket_target_counter_id_queue_counter'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_ticket')),
    sa.UniqueConstraint('day', 'code', name='uq_queue_ticket_day_code')
    )
    with op.batch_alter_table('queue_ticket', schema=None) as batch_op:
        batch_op.create_index('ix_queue_ticket_day_status', ['day', 'status'], unique=False)
        batch_op.create_index('ix_queue_ticket_dossier_id', ['dossier_id'], unique=False)

    op.create_table('queue_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=True),
    sa.Column('counter_id', sa.Integer(), nullable=True),
    sa.Column('counter_number', sa.Integer(), nullable=True),
    sa.Column('officer_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['counter_id'], ['queue_counter.id'], name=op.f('fk_queue_event_counter_id_queue_counter'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['officer_id'], ['user.id'], name=op.f('fk_queue_event_officer_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['service_id'], ['queue_service.id'], name=op.f('fk_queue_event_service_id_queue_service'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['queue_ticket.id'], name=op.f('fk_queue_event_ticket_id_queue_ticket'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_event'))
    )
    with op.batch_alter_table('queue_event', schema=None) as batch_op:
        batch_op.create_index('ix_queue_event_at', ['at'], unique=False)



def downgrade():
    with op.batch_alter_table('queue_event', schema=None) as batch_op:
        batch_op.drop_index('ix_queue_event_at')

    op.drop_table('queue_event')
    with op.batch_alter_table('queue_ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_queue_ticket_dossier_id')
        batch_op.drop_index('ix_queue_ticket_day_status')

    op.drop_table('queue_ticket')
    with op.batch_alter_table('queue_counter_session', schema=None) as batch_op:
        batch_op.drop_index('ix_queue_counter_session_opened_at')

    op.drop_table('queue_counter_session')
    op.drop_table('queue_counter_service')
    op.drop_table('queue_counter')
    op.drop_table('queue_service')
