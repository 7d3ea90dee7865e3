"""the ledger's index: dossiers by date of receipt with their status

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 22:40:00

Issue 15. The ledger (form 07) counts a period's dossiers and pages through them by
``received_at``, leaving out those not received (submitted online, refused): with the
status in the index, the count and a deep page read the index alone instead of every
row of the period. ``(received_at, status)`` answers whatever ``(received_at)`` answered,
so it replaces it. On a large office the build takes seconds: the upgrade says how long.
"""

import time

from alembic import op


revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def _say(text):
    print(f"0020: {text}", flush=True)


def upgrade():
    started = time.perf_counter()
    _say("building ix_dossier_received_at_status (received_at, status)…")
    op.create_index(
        "ix_dossier_received_at_status", "dossier", ["received_at", "status"], unique=False
    )
    _say(f"ix_dossier_received_at_status built in {time.perf_counter() - started:.1f} s")
    op.drop_index("ix_dossier_received_at", table_name="dossier")


def downgrade():
    op.create_index("ix_dossier_received_at", "dossier", ["received_at"], unique=False)
    op.drop_index("ix_dossier_received_at_status", table_name="dossier")
