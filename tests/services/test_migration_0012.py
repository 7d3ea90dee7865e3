"""Migration 0012: one event log with a unique identity per event, counter notices included."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from counter.domain import events as ev
from counter.domain.due import Timeliness
from counter.extensions import db
from counter.models import CounterNotice, Dossier
from tests.conftest import PG_URL, make_app
from tests.services.test_migration_0010 import _insert
from tests.services.test_migration_0017 import added_by_0017

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="builds its own SQLite file")

AT = datetime(2026, 11, 27, 3, 0)
COUNTER = "Bộ phận Một cửa"
# (dossier, user, action, from, to, detail) as the code before 0012 wrote them.
OLD_EVENTS: list[tuple[int, int | None, str, str | None, str, dict[str, Any]]] = [
    (1, 1, "receive", None, "received", {"documents": 2, "attachments": 0}),
    (
        1,
        1,
        "hand_over",
        "received",
        "in_progress",
        {"from_unit": COUNTER, "to_unit": "Tư pháp - Hộ tịch", "result": "early"},
    ),
    (
        1,
        2,
        "request_supplement",
        "in_progress",
        "supplement_requested",
        {"items": ["Bản sao CCCD"], "paused_from": "2026-11-28T02:00:00+00:00"},
    ),
    (2, None, "submit", None, "submitted", {}),
    (1, 2, "resolve", "in_progress", "resolved", {"timeliness": "on_time"}),
]


def _events(conn: sa.Connection, columns: str) -> list[tuple[Any, ...]]:
    return [
        tuple(r) for r in conn.execute(sa.text(f"SELECT {columns} FROM dossier_event ORDER BY id"))
    ]


def _old_database(tables: dict[str, sa.Table]) -> None:
    with db.engine.begin() as conn:
        for uid, login, name, title in (
            (1, "tiepnhan", "Lò Thị Hoa", "Công chức Văn phòng - Thống kê"),
            (2, "chuyenvien", "Quàng Văn Minh", ""),
        ):
            _insert(conn, tables["user"], id=uid, username=login, full_name=name, title=title)
        _insert(conn, tables["procedure"], id=1, national_code="2.000815", name="X")
        for n in (1, 2):
            _insert(
                conn,
                tables["dossier"],
                id=n,
                code=f"000.20.18.H18-261127-{n:04d}",
                lookup_key=f"KEY{n}",
                procedure_id=1,
                status="resolved",
                applicant_name=f"Người {n}",
            )
        for dossier_id, user_id, action, before, after, detail in OLD_EVENTS:
            conn.execute(
                tables["dossier_event"]
                .insert()
                .values(
                    dossier_id=dossier_id,
                    at=AT,
                    user_id=user_id,
                    username="demo" if user_id is None else ("tiepnhan", "chuyenvien")[user_id - 1],
                    action=action,
                    from_status=before,
                    to_status=after,
                    note="",
                    detail=detail,
                )
            )
        for number, kind, items, reason in (
            ("02-261127-0001", "incomplete", ["Tờ khai"], "Thiếu giấy tờ"),
            ("03-261127-0001", "refused", [], "Không thuộc thẩm quyền"),
        ):
            _insert(
                conn,
                tables["counter_notice"],
                number=number,
                kind=kind,
                at=AT,
                user_id=1,
                applicant_name="Cà Thị Én",
                items=items,
                reason=reason,
            )


def test_upgrade_gives_every_event_an_identity_and_a_notice_its_event_then_downgrades(
    tmp_path: Path,
) -> None:
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'old.db'}")
    with app.app_context():
        upgrade(revision="0011")
        meta = sa.MetaData()
        meta.reflect(bind=db.engine)
        _old_database(meta.tables)

        upgrade(revision="0012")

        with db.engine.connect() as conn:
            rows = _events(conn, "uid, dossier_id, notice_id, officer_name, officer_title, unit")
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        # (Tables of later revisions, such as the outbox, and indexes of later revisions
        # are missing at 0012 by design.)
        assert [
            d
            for d in diff
            if "dossier_event" in repr(d) and d[0] != "add_table" and not added_by_0017(d)
        ] == []
        uids = [r[0] for r in rows]
        assert len(set(uids)) == 7 and all(re.fullmatch(r"[0-9a-f]{32}", u) for u in uids)
        assert [r[1:] for r in rows] == [
            (1, None, "Lò Thị Hoa", "Công chức Văn phòng - Thống kê", COUNTER),
            (1, None, "Lò Thị Hoa", "Công chức Văn phòng - Thống kê", COUNTER),  # hands over
            (1, None, "Quàng Văn Minh", "", "Tư pháp - Hộ tịch"),
            (2, None, "demo", "", COUNTER),
            (1, None, "Quàng Văn Minh", "", "Tư pháp - Hộ tịch"),
            (None, 1, "Lò Thị Hoa", "Công chức Văn phòng - Thống kê", COUNTER),
            (None, 2, "Lò Thị Hoa", "Công chức Văn phòng - Thống kê", COUNTER),
        ]

        # Every old row reads as its typed payload; each notice has its event.
        dossier = db.session.get(Dossier, 1)
        assert [e.payload for e in dossier.events] == [
            ev.Received(documents=2, attachments=0),
            ev.HandedOver(from_unit=COUNTER, to_unit="Tư pháp - Hộ tịch", result=Timeliness.EARLY),
            ev.SupplementRequested(
                items=("Bản sao CCCD",),
                pause=ev.Pause(started=datetime.fromisoformat("2026-11-28T02:00:00+00:00")),
            ),
            ev.Resolved(timeliness=Timeliness.ON_TIME),
        ]
        incomplete, refused = (db.session.get(CounterNotice, n) for n in (1, 2))
        assert incomplete.event.payload == ev.IncompleteNotice(
            number="02-261127-0001", items=("Tờ khai",), reason="Thiếu giấy tờ"
        )
        assert (incomplete.event.form_no, incomplete.event.to_status) == ("02", "submitted")
        assert refused.event.payload == ev.RefusalNotice(
            number="03-261127-0001", reason="Không thuộc thẩm quyền"
        )
        assert (refused.event.form_no, refused.event.to_status) == ("03", "refused")
        assert refused.event.at == incomplete.at
        db.session.remove()

        # The identity is unique: the database refuses the same uid twice.
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
            conn.execute(sa.text(f"UPDATE dossier_event SET uid = '{uids[0]}' WHERE id = 2"))

        # And back: every dossier event as it was; the notices keep their own rows.
        downgrade(revision="0011")
        with db.engine.connect() as conn:
            assert _events(conn, "dossier_id, user_id, action, from_status, to_status") == [
                row[:5] for row in OLD_EVENTS
            ]
            details = [r[0] for r in _events(conn, "detail")]
            notices = conn.execute(
                sa.text("SELECT number, kind, reason FROM counter_notice ORDER BY id")
            ).all()
            columns = {c["name"] for c in sa.inspect(conn).get_columns("dossier_event")}
        assert [sa.JSON().result_processor(db.engine.dialect, None)(d) for d in details] == [
            row[5] for row in OLD_EVENTS
        ]
        assert [tuple(n) for n in notices] == [
            ("02-261127-0001", "incomplete", "Thiếu giấy tờ"),
            ("03-261127-0001", "refused", "Không thuộc thẩm quyền"),
        ]
        assert columns.isdisjoint({"uid", "notice_id", "officer_name", "officer_title", "unit"})

        upgrade(revision="0012")  # and up again
        with db.engine.connect() as conn:
            assert len({r[0] for r in _events(conn, "uid")}) == 7
        db.session.remove()
        db.engine.dispose()
