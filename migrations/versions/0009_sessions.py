"""sign-in sessions and login throttling

Two changes for issue 9:

* ``user_session``: one row per signed-in browser. The signed cookie carries a
  random token (only its SHA-256 is stored), so logout, a lock, a password change
  or an idle day end the session on the server, whatever cookie a browser kept.
* ``login_failure`` becomes one row per (typed username, address) with a count,
  the instant of the next allowed attempt and the refusals of the current audit
  window, instead of one row per failed attempt. Its rows only throttle sign-ins
  of the last day, so the table is dropped and created again rather than
  converted (a pending wait is lifted by the upgrade). Downgrading does the same.

Creating and dropping whole tables needs no batch mode on SQLite; the same SQL
runs on PostgreSQL.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 12:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_table('login_failure')  # its indexes go with it
    op.create_table(
        'login_failure',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('username', sa.String(length=64), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('last_at', sa.DateTime(), nullable=False),
        sa.Column('next_allowed_at', sa.DateTime(), nullable=True),
        sa.Column('refused', sa.Integer(), nullable=False),
        sa.Column('refused_since', sa.DateTime(), nullable=True),
        sa.Column('refused_audit_id', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failure')),
        sa.UniqueConstraint('username', 'address', name='uq_login_failure_username_address'),
    )
    op.create_index('ix_login_failure_address_last_at', 'login_failure', ['address', 'last_at'])
    op.create_index('ix_login_failure_last_at', 'login_failure', ['last_at'])

    op.create_table(
        'user_session',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=False),
        sa.Column('user_agent', sa.String(length=256), nullable=False),
        sa.Column('ended_at', sa.DateTime(), nullable=True),
        sa.Column('end_reason', sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ['user_id'], ['user.id'], name=op.f('fk_user_session_user_id_user'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_user_session')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_user_session_token_hash')),
    )
    op.create_index(
        'ix_user_session_user_id_ended_at', 'user_session', ['user_id', 'ended_at']
    )


def downgrade():
    op.drop_index('ix_user_session_user_id_ended_at', table_name='user_session')
    op.drop_table('user_session')
    op.drop_table('login_failure')
    # The table as 0001 created it: one row per failed attempt.
    op.create_table(
        'login_failure',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('username', sa.String(length=64), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failure')),
    )
    op.create_index('ix_login_failure_address_at', 'login_failure', ['address', 'at'])
    op.create_index('ix_login_failure_username_at', 'login_failure', ['username', 'at'])

