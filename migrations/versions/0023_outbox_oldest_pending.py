"""the outbox's oldest waiting item by index

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02 04:10:00

Every staff page asks whether something has waited more than a working day to go to the
portal (the red banner): the oldest pending item's time. With days offline thousands of
items wait, and the answer read each of them; ``(status, created_at)`` gives it at once.
"""

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_outbox_item_status_created_at", "outbox_item", ["status", "created_at"], unique=False
    )


def downgrade():
    op.drop_index("ix_outbox_item_status_created_at", table_name="outbox_item")
