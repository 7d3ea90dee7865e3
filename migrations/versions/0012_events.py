"""events: one log for dossier steps and counter notices, each with a stable identity

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 15:00:00

``dossier_event`` becomes the single event log:

* ``uid``: a random identity per event (the portal's MaTienDo), unique, never
  given again even after a restore from a backup (ids may be);
* ``officer_name`` / ``officer_title``: the officer as named when acting, and
  ``unit``: the unit that took the step (the holder of the dossier before it;
  for a handover, the unit handing over); filled for existing rows from the
  accounts and by replaying each dossier's handovers;
* ``notice_id``: a form 02/03 given at the counter has an event too, without a
  dossier (``dossier_id`` may now be empty); one is added for every existing
  counter notice.

Downgrade removes the notices' events (the notices keep their own copy) and the
new columns.

"""

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# Copies, not imports: a migration must not change when the app's code does.
ONE_STOP_UNIT = "Bộ phận Một cửa"
NOTICE_EVENTS = {
    "incomplete": ("notice_incomplete", "submitted", "02"),
    "refused": ("notice_refused", "refused", "03"),
}

event = sa.table(
    "dossier_event",
    sa.column("id", sa.Integer),
    sa.column("uid", sa.String),
    sa.column("dossier_id", sa.Integer),
    sa.column("notice_id", sa.Integer),
    sa.column("at", sa.DateTime),
    sa.column("user_id", sa.Integer),
    sa.column("username", sa.String),
    sa.column("officer_name", sa.String),
    sa.column("officer_title", sa.String),
    sa.column("unit", sa.String),
    sa.column("action", sa.String),
    sa.column("from_status", sa.String),
    sa.column("to_status", sa.String),
    sa.column("note", sa.Text),
    sa.column("form_no", sa.String),
    sa.column("detail", sa.JSON),
)
notice = sa.table(
    "counter_notice",
    sa.column("id", sa.Integer),
    sa.column("number", sa.String),
    sa.column("kind", sa.String),
    sa.column("at", sa.DateTime),
    sa.column("user_id", sa.Integer),
    sa.column("items", sa.JSON),
    sa.column("reason", sa.Text),
)
user = sa.table(
    "user",
    sa.column("id", sa.Integer),
    sa.column("username", sa.String),
    sa.column("full_name", sa.String),
    sa.column("title", sa.String),
)


def upgrade():
    with op.batch_alter_table("dossier_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("uid", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("notice_id", sa.Integer(), nullable=True))
        for name, length in (("officer_name", 128), ("officer_title", 128), ("unit", 200)):
            batch_op.add_column(
                sa.Column(name, sa.String(length=length), nullable=False, server_default="")
            )
        batch_op.alter_column("dossier_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(
            batch_op.f("fk_dossier_event_notice_id_counter_notice"),
            "counter_notice",
            ["notice_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_index(batch_op.f("ix_dossier_event_notice_id"), ["notice_id"], unique=False)

    conn = op.get_bind()
    accounts = conn.execute(sa.select(user.c.id, user.c.username, user.c.full_name, user.c.title))
    officers = {row.id: (row.full_name or row.username, row.title or "") for row in accounts}
    usernames = dict(conn.execute(sa.select(user.c.id, user.c.username)).all())
    rows = conn.execute(
        sa.select(
            event.c.id,
            event.c.dossier_id,
            event.c.user_id,
            event.c.username,
            event.c.action,
            event.c.detail,
        ).order_by(event.c.dossier_id, event.c.id)
    ).all()
    dossier_id, holder = None, ONE_STOP_UNIT
    for row in rows:
        if row.dossier_id != dossier_id:
            dossier_id, holder = row.dossier_id, ONE_STOP_UNIT
        detail = row.detail if isinstance(row.detail, dict) else {}
        unit = holder
        if row.action == "hand_over":
            unit = _text(detail.get("from_unit")) or holder
            holder = _text(detail.get("to_unit")) or holder
        name, title = officers.get(row.user_id, (row.username, ""))
        conn.execute(
            event.update()
            .where(event.c.id == row.id)
            .values(uid=uuid.uuid4().hex, officer_name=name, officer_title=title, unit=unit)
        )

    for row in conn.execute(sa.select(notice).order_by(notice.c.id)).all():
        action, to_status, form_no = NOTICE_EVENTS.get(row.kind, NOTICE_EVENTS["refused"])
        items = [str(i) for i in row.items] if isinstance(row.items, list) else []
        name, title = officers.get(row.user_id, ("", ""))
        conn.execute(
            event.insert().values(
                uid=uuid.uuid4().hex,
                dossier_id=None,
                notice_id=row.id,
                at=row.at,
                user_id=row.user_id,
                username=usernames.get(row.user_id, ""),
                officer_name=name,
                officer_title=title,
                unit=ONE_STOP_UNIT,
                action=action,
                from_status=None,
                to_status=to_status,
                note=row.reason or "",
                form_no=form_no,
                detail={"reason": row.reason or "", "number": row.number, "items": items},
            )
        )

    with op.batch_alter_table("dossier_event", schema=None) as batch_op:
        batch_op.alter_column("uid", existing_type=sa.String(length=32), nullable=False)
        batch_op.create_unique_constraint("uq_dossier_event_uid", ["uid"])
        for name, length in (("officer_name", 128), ("officer_title", 128), ("unit", 200)):
            batch_op.alter_column(
                name,
                existing_type=sa.String(length=length),
                existing_nullable=False,
                server_default=None,
            )


def downgrade():
    op.get_bind().execute(event.delete().where(event.c.notice_id.is_not(None)))
    with op.batch_alter_table("dossier_event", schema=None) as batch_op:
        batch_op.drop_constraint("uq_dossier_event_uid", type_="unique")
        batch_op.drop_index(batch_op.f("ix_dossier_event_notice_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_dossier_event_notice_id_counter_notice"), type_="foreignkey"
        )
        batch_op.alter_column("dossier_id", existing_type=sa.Integer(), nullable=False)
        for name in ("unit", "officer_title", "officer_name", "notice_id", "uid"):
            batch_op.drop_column(name)


def _text(value):
    return value.strip() if isinstance(value, str) else ""
