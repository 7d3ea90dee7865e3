"""24/11 Ngày Văn hóa Việt Nam is a day off from 2026; built-in labels in Vietnamese only

Labour Code art. 112(1) as amended by Resolution 28/2026/QH16 (in force
1/7/2026). A database that already holds the 2026 schedule gets the day added,
unless an entry already covers it (an admin may have entered it). Dossiers are
not touched: a due date already printed keeps its date.

Built-in labels carried English notes in parentheses ("Tết Nguyên Đán (27
Chạp–mùng 6; statutory 16–20/2)"); the note moves to the source column and the
label keeps the Vietnamese name. Only rows still as shipped (origin builtin)
change.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 08:00:00

"""
from datetime import date, datetime, timezone

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

DAY = date(2026, 11, 24)
LABEL = "Ngày Văn hóa Việt Nam"
SOURCE = (
    "Tue 24/11; first year; Labour Code art.112(1) as amended by Resolution 28/2026/QH16, in force 1/7/2026; "
    "a swap 23/11 off ↔ Sat 28/11 was only proposed, not confirmed"
)

entry = sa.table(
    "calendar_entry",
    sa.column("id", sa.Integer),
    sa.column("first_date", sa.Date),
    sa.column("last_date", sa.Date),
    sa.column("year", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("label", sa.String),
    sa.column("source", sa.String),
    sa.column("origin", sa.String),
    sa.column("updated_by_id", sa.Integer),
    sa.column("updated_at", sa.DateTime),
)


def _split(label):
    """'Tết Nguyên Đán (note)' -> ('Tết Nguyên Đán', 'note'); 'làm bù' -> ('Làm bù', '')."""
    name, note = label, ""
    if label.endswith(")") and " (" in label:
        name, _, note = label.partition(" (")
        note = note[:-1]
    name = name.strip()
    return name[:1].upper() + name[1:], note.strip()


def upgrade():
    bind = op.get_bind()
    # An admin's edit keeps origin "builtin" but records the editor: leave those rows.
    rows = bind.execute(
        sa.select(entry.c.id, entry.c.label, entry.c.source).where(
            entry.c.origin == "builtin", entry.c.updated_by_id.is_(None)
        )
    ).all()
    for row_id, label, source in rows:
        name, note = _split(label)
        if (name, note) == (label, ""):
            continue
        new_source = "; ".join(part for part in (note, source) if part)[:500]
        bind.execute(
            entry.update().where(entry.c.id == row_id).values(label=name, source=new_source)
        )

    has_2026 = bind.execute(sa.select(entry.c.id).where(entry.c.year == 2026).limit(1)).first()
    covered = bind.execute(
        sa.select(entry.c.id)
        .where(entry.c.first_date <= DAY, entry.c.last_date >= DAY)
        .limit(1)
    ).first()
    if has_2026 and not covered:
        bind.execute(
            entry.insert().values(
                first_date=DAY,
                last_date=DAY,
                year=2026,
                kind="day_off",
                label=LABEL,
                source=SOURCE,
                origin="builtin",
                updated_at=datetime.now(timezone.utc).replace(tzinfo=None),
            )
        )


def downgrade():
    # The day stays off: the law does not change back with the schema.
    pass
