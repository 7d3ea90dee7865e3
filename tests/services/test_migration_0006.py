"""Migration 0006 on a real SQLite database as it stood at revision 0005.

24/11/2026 (Ngày Văn hóa Việt Nam) joins a loaded 2026 schedule, the shipped labels
lose their English notes exactly as a fresh init stores them, and a dossier whose
due date was computed over 24/11 keeps the date printed on its slip.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from counter.domain.calendar import builtin_schedule, load_schedule_csv
from counter.extensions import db
from counter.models import CalendarEntry, Dossier
from counter.services import calendar as cal
from tests.conftest import PG_URL, make_app

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="builds its own SQLite file")

VN = ZoneInfo("Asia/Ho_Chi_Minh")
OLD_CSV = Path(__file__).parent.parent / "data" / "official_days_off_before_0006.csv"
NOW = datetime(2026, 11, 20, 3, 0)  # naive UTC, as the columns store it

# Received Mon 23/11/2026 09:00 with 1 working day; 24/11 was a working day then.
RECEIVED = datetime(2026, 11, 23, 9, 0, tzinfo=VN).astimezone(UTC).replace(tzinfo=None)
PRINTED_DUE = datetime(2026, 11, 24, 17, 0, tzinfo=VN).astimezone(UTC).replace(tzinfo=None)


def _old_builtin_rows() -> list[dict[str, Any]]:
    """The calendar rows an init stored before 0006: labels and sources as in the old file."""
    rows, errors = load_schedule_csv(OLD_CSV.read_text("utf-8"))
    assert not errors
    return [
        {
            "first_date": row.first_date,
            "last_date": row.last_date,
            "year": row.year,
            "kind": str(row.kind),
            "label": row.label,
            "source": row.source,
            "origin": "builtin",
            "updated_at": NOW,
        }
        for row in rows
    ]


def _seed_0005(tables: dict[str, sa.Table], calendar_rows: list[dict[str, Any]]) -> None:
    """Office, one procedure, calendar rows and one dossier, as 0005's schema holds them."""
    with db.engine.begin() as conn:
        conn.execute(
            tables["office"]
            .insert()
            .values(
                id=1,
                name="Trung tâm Phục vụ hành chính công xã Mường Phăng",
                governing_body="UBND xã Mường Phăng",
                agency_id="000.20.18.H18",
                place_name="Mường Phăng",
                address="Bản Phăng",
                phone="",
                morning_open=time(7),
                morning_close=time(11, 30),
                afternoon_open=time(13, 30),
                afternoon_close=time(17),
                same_day_cutoff=time(15),
                updated_at=NOW,
            )
        )
        conn.execute(tables["calendar_entry"].insert(), calendar_rows)
        conn.execute(
            tables["procedure"]
            .insert()
            .values(
                id=1,
                national_code="2.000635",
                name="Cấp bản sao Trích lục hộ tịch",
                search_text="cap ban sao trich luc ho tich",
                field_code="HT",
                field_name="Hộ tịch",
                limit_amount=1,
                limit_unit="working_days",
                limit_note="",
                result_name="Bản sao trích lục",
                implementing_body="UBND xã",
                legal_basis="",
                active=True,
                updated_at=NOW,
            )
        )
        conn.execute(
            tables["dossier"]
            .insert()
            .values(
                id=1,
                code="000.20.18.H18-261123-0001",
                procedure_id=1,
                status="in_progress",
                channel="counter",
                applicant_kind="citizen",
                applicant_name="Lò Văn Panh",
                id_number="011085004312",
                phone="0912345671",
                address="Bản Phăng",
                email="",
                filer_name="",
                filer_id_number="",
                filer_phone="",
                filer_address="",
                search_text="lo van panh",
                sets_count=1,
                notes="",
                result_delivery="counter",
                ledger_book="",
                received_at=RECEIVED,
                due_at=PRINTED_DUE,
                original_due_at=PRINTED_DUE,
                delay_count=0,
                collected_by="",
                processing_unit="UBND xã",
                created_at=RECEIVED,
                updated_at=RECEIVED,
                version=1,
            )
        )


@pytest.fixture
def at_0005(tmp_path: Path) -> Iterator[tuple[Flask, dict[str, sa.Table]]]:
    """An app on a new SQLite file migrated to 0005 only, and that schema's tables."""
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'old.db'}")
    with app.app_context():
        upgrade(revision="0005")
        metadata = sa.MetaData()
        metadata.reflect(bind=db.engine)
        yield app, dict(metadata.tables)
        db.session.remove()
        db.engine.dispose()


def _entries() -> list[CalendarEntry]:
    return list(
        db.session.scalars(
            db.select(CalendarEntry).order_by(CalendarEntry.first_date, CalendarEntry.id)
        )
    )


def _raw_due() -> tuple[datetime, datetime]:
    with db.engine.connect() as conn:
        row = conn.execute(sa.text("SELECT due_at, original_due_at FROM dossier")).one()
    return row[0], row[1]


def test_upgrade_adds_24_november_and_keeps_printed_due_dates(
    at_0005: tuple[Flask, dict[str, sa.Table]],
) -> None:
    _app, tables = at_0005
    admin_row = {
        "first_date": date(2025, 12, 31),
        "last_date": date(2025, 12, 31),
        "year": 2025,
        "kind": "day_off",
        "label": "Nghỉ tất niên (theo quyết định của UBND xã)",
        "source": "QĐ 12/QĐ-UBND",
        "origin": "admin",
        "updated_at": NOW,
    }
    _seed_0005(tables, [*_old_builtin_rows(), admin_row])
    raw_before = _raw_due()

    upgrade()

    entries = _entries()
    culture = [e for e in entries if e.first_date <= date(2026, 11, 24) <= e.last_date]
    assert len(culture) == 1
    day = culture[0]
    assert (day.first_date, day.last_date, day.year, day.kind, day.origin) == (
        date(2026, 11, 24),
        date(2026, 11, 24),
        2026,
        "day_off",
        "builtin",
    )
    assert day.label == "Ngày Văn hóa Việt Nam"
    assert cal.working_calendar().reason(date(2026, 11, 24)) == "Ngày Văn hóa Việt Nam"
    assert cal.working_calendar().is_working_day(date(2026, 11, 23))

    # The shipped labels are the Vietnamese names, as a fresh init stores them.
    builtin = [e for e in entries if e.origin == "builtin"]
    shipped = builtin_schedule()
    assert sorted((e.first_date, e.last_date, e.kind, e.label) for e in builtin) == sorted(
        (row.first_date, row.last_date, str(row.kind), row.label) for row in shipped
    )
    assert not [e.label for e in builtin if "(" in e.label or e.label[:1].islower()]
    # The note moved to the front of the source, as builtin_schedule() does it.
    fresh_sources = {(row.first_date, row.kind): row.source for row in shipped}
    for entry in builtin:
        if entry.first_date != date(2026, 11, 24):
            assert entry.source == fresh_sources[(entry.first_date, entry.kind)]
    tet = next(e for e in builtin if e.first_date == date(2026, 2, 14))
    assert tet.label == "Tết Nguyên Đán"
    assert tet.source.startswith("27 Chạp–mùng 6; statutory 16–20/2; TB 9441/TB-BNV")
    # An admin's own entry is left as the admin wrote it.
    mine = next(e for e in entries if e.origin == "admin")
    assert (mine.label, mine.source) == (admin_row["label"], admin_row["source"])

    # The slip's date stays: the law changes nothing that was already printed.
    assert _raw_due() == raw_before
    dossier = db.session.get(Dossier, 1)
    expected = PRINTED_DUE.replace(tzinfo=UTC)
    assert (dossier.due_at, dossier.original_due_at) == (expected, expected)
    # A new dossier received the same minute is due on Wednesday.
    assert cal.due_at(RECEIVED.replace(tzinfo=UTC), 1, "working_days") == datetime(
        2026, 11, 25, 17, 0, tzinfo=VN
    )

    # The next init finds 2026 loaded and adds nothing.
    count = len(entries)
    assert cal.load_builtin_schedule() is None
    assert db.session.scalar(db.select(db.func.count(CalendarEntry.id))) == count


def test_upgrade_keeps_a_24_november_the_admin_entered(
    at_0005: tuple[Flask, dict[str, sa.Table]],
) -> None:
    _app, tables = at_0005
    own = {
        "first_date": date(2026, 11, 24),
        "last_date": date(2026, 11, 24),
        "year": 2026,
        "kind": "day_off",
        "label": "Ngày Văn hóa Việt Nam (nghỉ lần đầu)",
        "source": "",
        "origin": "admin",
        "updated_at": NOW,
    }
    _seed_0005(tables, [*_old_builtin_rows(), own])

    upgrade()

    covering = [e for e in _entries() if e.first_date <= date(2026, 11, 24) <= e.last_date]
    assert [(e.label, e.origin) for e in covering] == [(own["label"], "admin")]


def test_upgrade_keeps_a_shipped_row_the_admin_has_edited(
    at_0005: tuple[Flask, dict[str, sa.Table]],
) -> None:
    _app, tables = at_0005
    with db.engine.begin() as conn:
        conn.execute(
            tables["user"]
            .insert()
            .values(
                id=1,
                username="admin",
                full_name="Quản trị hệ thống",
                title="Quản trị viên",
                role="admin",
                password_hash="x",
                must_change_password=False,
                active=True,
                created_at=NOW,
                session_version=1,
            )
        )
    rows = _old_builtin_rows()
    edited = next(row for row in rows if row["first_date"] == date(2025, 8, 30))
    # Saved from the edit page: origin stays "builtin", the editor is recorded.
    edited.update(label="Quốc khánh (nghỉ 4 ngày theo QĐ của tỉnh)", updated_by_id=1)
    for row in rows:
        row.setdefault("updated_by_id", None)
    _seed_0005(tables, rows)

    upgrade()

    entry = next(e for e in _entries() if e.first_date == date(2025, 8, 30))
    assert (entry.label, entry.source) == (edited["label"], edited["source"])
    # The rows nobody edited are split as shipped.
    assert next(e for e in _entries() if e.first_date == date(2025, 4, 30)).label == "30/4–1/5"


def test_upgrade_without_a_2026_schedule_leaves_it_to_init(
    at_0005: tuple[Flask, dict[str, sa.Table]],
) -> None:
    _app, tables = at_0005
    _seed_0005(tables, [row for row in _old_builtin_rows() if row["year"] < 2026])

    upgrade()

    assert not [e for e in _entries() if e.year == 2026]
    # 2026 has no loaded schedule, so the statutory days apply, 24/11 among them.
    assert cal.working_calendar().reason(date(2026, 11, 24)) == "Ngày Văn hóa Việt Nam"
    # The next init loads the shipped 2026 schedule with the day in it.
    note = cal.load_builtin_schedule()
    assert note is not None and "2026" in note
    day = next(e for e in _entries() if e.first_date == date(2026, 11, 24))
    assert day.label == "Ngày Văn hóa Việt Nam"


def test_fresh_init_shows_the_same_labels(app: Flask) -> None:
    stored = sorted(
        (e.first_date, e.last_date, e.kind, e.label, e.source)
        for e in db.session.scalars(db.select(CalendarEntry))
    )
    assert stored == sorted(
        (row.first_date, row.last_date, str(row.kind), row.label, row.source)
        for row in builtin_schedule()
    )
    assert "Ngày Văn hóa Việt Nam" in {label for _f, _l, _k, label, _s in stored}
