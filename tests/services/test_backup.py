"""Backups taken while the app writes, checked, rotated, and restored."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from counter.extensions import db
from counter.models import AuditEntry, Dossier
from counter.services import Actor, audit, backup, transaction
from tests.conftest import PG_URL

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="file backups are for the SQLite default")


def _writer(app: Flask, stop: threading.Event, committed: list[int]) -> None:
    """Commit one audit row at a time until told to stop, noting each committed id."""
    with app.app_context():
        actor = Actor(None, "writer", "admin", "test")
        while not stop.is_set():
            with transaction():
                entry = audit.record(actor, "office_updated", "load", "x" * 200)
            committed.append(entry.id)
        db.session.remove()


def _ids(path: Path) -> list[int]:
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("SELECT id FROM audit_entry ORDER BY id")]
    finally:
        conn.close()


def test_backup_during_writes_then_restore_keeps_every_committed_row(
    app: Flask, tmp_path: Path
) -> None:
    stop = threading.Event()
    committed: list[int] = []
    thread = threading.Thread(target=_writer, args=(app, stop, committed))
    thread.start()
    try:
        while len(committed) < 50:
            time.sleep(0.01)
        before = list(committed)
        path = backup.take_backup(tmp_path / "bk")
        while len(committed) < len(before) + 50:  # writes went on during and after
            time.sleep(0.01)
    finally:
        stop.set()
        thread.join()

    assert backup.integrity_ok(path)
    in_backup = _ids(path)
    assert set(before) <= set(in_backup), "a row committed before the backup is missing"
    # A consistent snapshot: no gaps, i.e. not a torn copy of the file.
    assert in_backup == list(range(in_backup[0], in_backup[-1] + 1))
    assert max(committed) > in_backup[-1]  # the live database moved on

    backup.restore(path, tmp_path / "bk")
    restored = [e.id for e in db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id))]
    assert restored == in_backup
    assert backup.integrity_ok(backup.sqlite_path())
    # The database as it was before the restore was kept beside the backups.
    safety = [f for f in backup.list_backups(tmp_path / "bk") if "truoc-khoi-phuc" in f.name]
    assert len(safety) == 1 and set(committed) <= set(_ids(safety[0].path))


def test_restore_refuses_a_damaged_or_foreign_file(app: Flask, tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"SQLite format 3\x00" + b"\x00" * 500)
    with pytest.raises(backup.BackupError, match="không qua kiểm tra toàn vẹn"):
        backup.restore(junk, tmp_path / "bk")
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.close()
    with pytest.raises(backup.BackupError):
        backup.restore(other, tmp_path / "bk")
    # The live database is untouched.
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEntry)) is not None


def test_backups_are_rotated_and_daily_backup_runs_once_a_day(app: Flask, tmp_path: Path) -> None:
    target = tmp_path / "bk"
    from datetime import datetime, timedelta

    start = datetime(2026, 11, 20, 9, 0, tzinfo=backup.VN)
    for i in range(5):
        backup.take_backup(target, keep=3, now=start + timedelta(days=i))
    names = [f.name for f in backup.list_backups(target)]
    assert names == [
        "counter-2026-11-24_090000.db",
        "counter-2026-11-23_090000.db",
        "counter-2026-11-22_090000.db",
    ]
    first = backup.daily_backup(target, keep=10)
    assert first is not None and backup.integrity_ok(first)
    assert backup.daily_backup(target, keep=10) is None
    assert not list(target.glob(".*.tmp"))


def test_cli_backup_and_restore(app: Flask, runner: Any, tmp_path: Path) -> None:
    result = runner.invoke(args=["backup", str(tmp_path / "usb")])
    assert result.exit_code == 0, result.output
    path = Path(result.output.strip().splitlines()[-1])
    assert path.is_file() and backup.integrity_ok(path)
    bad = tmp_path / "bad.db"
    bad.write_text("không phải cơ sở dữ liệu")
    result = runner.invoke(args=["restore", str(bad), "--yes"])
    assert result.exit_code != 0
    assert "không qua kiểm tra toàn vẹn" in result.output
    result = runner.invoke(args=["restore", str(path), "--yes"])
    assert result.exit_code == 0, result.output
    actions = db.session.scalars(db.select(AuditEntry.action)).all()
    assert "backup_restored" in actions


def test_admin_backup_page_takes_lists_and_downloads(login_as: Any) -> None:
    b = login_as("admin")
    resp = b.submit("/quan-tri/sao-luu", {}, follow_redirects=True)
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "Đã sao lưu" in html
    name = html.split("<code>counter-")[1].split("</code>")[0]
    resp = b.get(f"/quan-tri/sao-luu/tai/counter-{name}")
    assert resp.status_code == 200 and resp.data[:16] == b"SQLite format 3\x00"
    resp.close()
    assert b.get("/quan-tri/sao-luu/tai/..%2Fcounter.db").status_code in (404, 422)
    actions = db.session.scalars(db.select(AuditEntry.action)).all()
    assert "backup_created" in actions and "backup_downloaded" in actions


def test_restore_never_hands_out_a_code_printed_after_the_backup(
    app: Flask, tmp_path: Path
) -> None:
    from counter.models import Procedure, User
    from counter.services.reception import DocumentLine, ReceptionInput, receive

    user = db.session.scalar(db.select(User).where(User.username == "tiepnhan"))
    officer = Actor.for_user(user, "127.0.0.1")
    procedure_id = db.session.scalar(
        db.select(Procedure.id).where(Procedure.national_code == "2.000815")
    )

    def receive_one(i: int) -> str:
        return receive(
            officer,
            ReceptionInput(
                procedure_id=procedure_id,
                applicant_name=f"Người nộp {i}",
                id_number=f"01119000{i:04d}",
                address="Mường Phăng",
                documents=[DocumentLine("Bản chính giấy tờ", "original", 1)],
            ),
        ).code

    first = receive_one(1)
    path = backup.take_backup(tmp_path / "bk")
    printed_after = [receive_one(2), receive_one(3)]
    backup.restore(path, tmp_path / "bk")
    assert db.session.scalar(db.select(Dossier.code).where(Dossier.code == first)) == first
    assert not db.session.scalars(db.select(Dossier).where(Dossier.code.in_(printed_after))).all()
    new_code = receive_one(4)
    assert new_code not in printed_after and new_code != first
    assert int(new_code[-4:]) == int(printed_after[-1][-4:]) + 1
