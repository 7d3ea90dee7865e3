"""The bench's bulk builder (bench/bench_counter.py, issue 15) makes the database the app
would: the same rows whether the indexes are built after them or kept during the inserts,
and whether worker processes or the bench's own make them; the search index as its
triggers make it; the app's services count and find the built dossiers."""

from __future__ import annotations

import random
import shutil
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from counter import create_app
from counter.domain import clock
from counter.domain.text import fold
from counter.extensions import db
from counter.models import Dossier, Procedure, User
from counter.services import Actor
from counter.services import calendar as cal
from counter.services import dossiers as dossier_service
from counter.services.reception import search_key
from counter.services.setup import initialize

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import bench_counter

AT = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)  # a Wednesday, 10:00 in Vietnam
COUNT = 1_800
TABLES = (
    "dossier",
    "dossier_document",
    "dossier_event",
    "audit_entry",
    "daily_sequence",
    "dossier_status_count",
)


def _app(folder: Path) -> Any:
    return create_app(bench_counter.server_config(str(folder), f"sqlite:///{folder / 'c.db'}"))


def _build(folder: Path, **options: Any) -> dict[str, Any]:
    with clock.frozen(AT), _app(folder).app_context():
        picks = bench_counter.seed(COUNT, random.Random(15), days_back=400, **options)
        db.session.remove()
        db.engine.dispose()
    return picks


def _rows(folder: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(folder / "c.db") as conn:
        return conn.execute(sql).fetchall()


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One demo database copied twice: built in bulk by 2 workers, and row by row with the
    triggers in place by this process alone; same seed, batches of 500 (4 batches)."""
    base = tmp_path_factory.mktemp("bulk")
    with clock.frozen(AT), _app(base).app_context():
        initialize(demo=True)
        db.session.remove()
        db.engine.dispose()
    plain = tmp_path_factory.mktemp("plain")
    shutil.copy(base / "c.db", plain / "c.db")
    patch = pytest.MonkeyPatch()
    patch.setattr(bench_counter, "BATCH", 500)
    try:
        bulk_picks = _build(base, workers=2, bulk_schema=True)
        plain_picks = _build(plain, workers=0, bulk_schema=False)
    finally:
        patch.undo()
    return {"bulk": base, "plain": plain, "picks": bulk_picks, "plain_picks": plain_picks}


def test_same_rows_schema_and_picks_either_way(builds: dict[str, Any]) -> None:
    bulk, plain = builds["bulk"], builds["plain"]
    for table in TABLES:
        order = "1, 2" if table == "dossier_status_count" else "1, 2, 3"
        rows = _rows(bulk, f"SELECT * FROM {table} ORDER BY {order}")
        assert rows == _rows(plain, f"SELECT * FROM {table} ORDER BY {order}"), table
    assert len(_rows(bulk, "SELECT id FROM dossier")) == COUNT + 18  # and the demo's
    kept = "SELECT status, dossiers FROM dossier_status_count WHERE dossiers > 0 ORDER BY 1"
    counted = "SELECT status, count(*) FROM dossier GROUP BY status ORDER BY 1"
    assert _rows(bulk, kept) == _rows(bulk, counted)  # the counts per status, kept
    schema = "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
    assert _rows(bulk, schema) == _rows(plain, schema)  # every index and trigger back
    assert builds["picks"] == builds["plain_picks"]
    assert len({d["id"] for d in builds["picks"]["samples"]}) == bench_counter.SAMPLES


def test_search_index_is_what_the_triggers_make(builds: dict[str, Any]) -> None:
    bulk, plain = builds["bulk"], builds["plain"]
    for folder in (bulk, plain):  # FTS5 compares its index with the rows' text
        _rows(folder, "INSERT INTO dossier_fts(dossier_fts) VALUES ('integrity-check')")
    assert _rows(bulk, "SELECT count(*) FROM dossier_fts") == [(COUNT + 18,)]
    for word in ("nguyen", '" lo"', "thi hong", "0912", '"h18-2"'):
        sql = f"SELECT rowid FROM dossier_fts WHERE dossier_fts MATCH '{word}' ORDER BY rowid"
        found = _rows(bulk, sql)
        assert found and found == _rows(plain, sql), word


def test_the_services_count_and_find_the_built_dossiers(builds: dict[str, Any]) -> None:
    picks = builds["picks"]
    counts = {}
    for name in ("bulk", "plain"):
        with clock.frozen(AT), _app(builds[name]).app_context():
            leader = db.session.scalar(db.select(User).where(User.username == "lanhdao"))
            actor = Actor.for_user(leader, "127.0.0.1")
            counts[name] = dossier_service.worklist_counts(actor)
            for sample in picks["samples"][:10]:
                by_code = dossier_service.search(actor, sample["code"])
                assert [row.dossier.id for row in by_code.rows] == [sample["id"]]
                words = f"{fold(sample['applicant_name'])} {sample['phone']}"
                assert sample["id"] in [
                    row.dossier.id for row in dossier_service.search(actor, words).rows
                ]
            for dossier in db.session.scalars(
                db.select(Dossier).order_by(Dossier.id.desc()).limit(60)
            ):
                procedure = db.session.get(Procedure, dossier.procedure_id)
                assert dossier.due_at == cal.due_at(
                    dossier.received_at, procedure.limit_amount, procedure.limit_unit
                )
                parts = (dossier.code, dossier.applicant_name, dossier.filer_name)
                parts += (dossier.phone, dossier.filer_phone, dossier.id_number)
                assert dossier.search_text == search_key(*parts)
            db.session.remove()
            db.engine.dispose()
    assert counts["bulk"] == counts["plain"]
    assert counts["bulk"]["all"] >= COUNT and counts["bulk"]["overdue"] > 0
