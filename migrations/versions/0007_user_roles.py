"""An account may hold several roles: user.role becomes the user_role table

At a commune one officer often receives and resolves a same-day chứng thực, so
an account holds a set of roles. Every existing account keeps the role it had
(one user_role row each); the user.role column is then dropped. Downgrading
keeps one role per account, the widest it holds (admin, leader, specialist,
reception), because the old schema cannot hold more.

The column is dropped and added in place (batch with recreate="never": SQLite
3.35+ ALTER TABLE DROP COLUMN, which Python 3.11 ships). Rebuilding the user
table instead would drop and copy it, and with foreign keys on that deletes
every user_role row (ON DELETE CASCADE) and trips the audit log's and the
dossiers' references to the accounts.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 09:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

#: Downgrade keeps the first role of this list that an account holds.
WIDEST_FIRST = ("admin", "leader", "specialist", "reception")

user = sa.table("user", sa.column("id", sa.Integer), sa.column("role", sa.String))
user_role = sa.table("user_role", sa.column("user_id", sa.Integer), sa.column("role", sa.String))


def upgrade():
    op.create_table(
        'user_role',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('role', sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ['user_id'], ['user.id'], name=op.f('fk_user_role_user_id_user'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('user_id', 'role', name=op.f('pk_user_role')),
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(user.c.id, user.c.role)).all()
    if rows:
        bind.execute(
            user_role.insert(), [{"user_id": uid, "role": role} for uid, role in rows if role]
        )
    with op.batch_alter_table('user', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('role')


def downgrade():
    with op.batch_alter_table('user', schema=None, recreate='never') as batch_op:
        batch_op.add_column(
            sa.Column('role', sa.String(length=16), nullable=False, server_default='reception')
        )
    bind = op.get_bind()
    held = {}
    for uid, role in bind.execute(sa.select(user_role.c.user_id, user_role.c.role)):
        held.setdefault(uid, set()).add(role)
    for uid, roles in held.items():
        widest = next((r for r in WIDEST_FIRST if r in roles), "reception")
        bind.execute(user.update().where(user.c.id == uid).values(role=widest))
    # The server default stays: removing it would need the table rebuild avoided above.
    op.drop_table('user_role')
