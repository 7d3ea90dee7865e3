"""Backups taken while the app writes, checked, rotated, and restored."""

from __future__ import annotations

import gzip
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from counter.domain import clock
from counter.domain.retention import Retention
from counter.extensions import db
from counter.models import AuditEntry, Dossier
from counter.services import Actor, audit, backup, transaction
from tests.conftest import PG_URL

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="file backups are for the SQLite default")
ROOT = Path(__file__).resolve().parents[2]


def _writer(app: Flask, stop: threading.Event, committed: list[int]) -> None:
    """Commit one audit row at a time until told to stop, noting each committed id."""
    with app.app_context():
        actor = Actor(None, "writer", "admin", "test")
        while not stop.is_set():
            with transaction():
                entry = audit.record(actor, "office_updated", "load", "x" * 200)
            committed.append(entry.id)
        db.session.remove()


def _unpacked(path: Path) -> Path:
    """A backup as a plain SQLite file (this version's backups are gzip files)."""
    if path.read_bytes()[:2] != b"\x1f\x8b":
        return path
    plain = path.with_name(path.name + ".unpacked.db")
    plain.write_bytes(gzip.decompress(path.read_bytes()))
    return plain


def _ids(path: Path) -> list[int]:
    conn = sqlite3.connect(_unpacked(path))
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

    assert backup.integrity_ok(_unpacked(path))
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


def test_daily_backup_runs_once_a_day_and_rotates(app: Flask, tmp_path: Path) -> None:
    target = tmp_path / "bk"
    policy = Retention(daily=2, weekly=0, monthly=0)
    monday = datetime(2026, 11, 23, 8, 5, tzinfo=clock.VN)
    first = backup.daily_backup(target, policy, now=monday)
    assert first is not None and first.name == "counter-2026-11-23_080500.db.gz"
    assert backup.daily_backup(target, policy, now=monday + timedelta(hours=3)) is None
    for day in (1, 2):
        backup.daily_backup(target, policy, now=monday + timedelta(days=day))
    names = [f.name for f in backup.list_backups(target)]
    assert names == ["counter-2026-11-25_080500.db.gz", "counter-2026-11-24_080500.db.gz"]
    assert not list(target.glob(".*.tmp"))


def _touch_backup(target: Path, when: datetime, suffix: str = ".db.gz", label: str = "") -> None:
    name = f"counter-{when:%Y-%m-%d_%H%M%S}{'-' + label if label else ''}{suffix}"
    (target / name).write_bytes(b"x")


def _days_kept(target: Path) -> list[str]:
    return [f"{f.taken_at:%Y-%m-%d}" for f in backup.list_backups(target)]


def test_a_year_of_daily_backups_keeps_7_days_4_weeks_12_months(app: Flask, tmp_path: Path) -> None:
    """The daily backup of 2026, rotated each day as run.py does (dates injected)."""
    target = tmp_path / "bk"
    target.mkdir()
    policy = Retention(daily=7, weekly=4, monthly=12)
    # Left by an earlier version: an uncompressed backup; and a safety copy of a restore.
    _touch_backup(target, datetime(2025, 12, 31, 9, 0), suffix=".db")
    _touch_backup(target, datetime(2026, 2, 10, 14, 0), label="truoc-khoi-phuc")
    day = datetime(2026, 1, 1, 9, 0)
    while day.year == 2026:
        _touch_backup(target, day)
        if day.day == 15:  # a backup by hand in the afternoon, the same day
            _touch_backup(target, day.replace(hour=16))
        backup.prune(target, policy)
        if day == datetime(2026, 3, 15, 9, 0):
            assert _days_kept(target) == [
                *("2026-03-15", "2026-03-14", "2026-03-13", "2026-03-12"),
                *("2026-03-11", "2026-03-10", "2026-03-09"),  # the last 7 days
                *("2026-03-08", "2026-03-01"),  # weekly: the Sundays of the weeks before
                "2026-02-28",  # monthly: February's last
                "2026-02-22",  # weekly
                "2026-02-10",  # the safety copy of a restore, never rotated
                *("2026-01-31", "2025-12-31"),  # monthly (December: an uncompressed .db)
            ]
            # Of the two backups of 15 March, the newest (by hand, 16:00) is kept.
            assert (target / "counter-2026-03-15_160000.db.gz").exists()
            assert not (target / "counter-2026-03-15_090000.db.gz").exists()
        day += timedelta(days=1)
    kept = _days_kept(target)
    assert kept == [
        # 7 daily
        "2026-12-31",
        "2026-12-30",
        "2026-12-29",
        "2026-12-28",
        "2026-12-27",
        "2026-12-26",
        "2026-12-25",
        # weekly: the newest of ISO weeks 51 and 50 (weeks 53 and 52 are above)
        "2026-12-20",
        "2026-12-13",
        # monthly: the last backup of each month, January to November
        "2026-11-30",
        "2026-10-31",
        "2026-09-30",
        "2026-08-31",
        "2026-07-31",
        "2026-06-30",
        "2026-05-31",
        "2026-04-30",
        "2026-03-31",
        "2026-02-28",
        # the safety copy of a restore is never rotated
        "2026-02-10",
        "2026-01-31",
    ]
    assert not (target / "counter-2025-12-31_090000.db").exists()  # the 13th month


def test_cli_backup_and_restore(app: Flask, runner: Any, tmp_path: Path) -> None:
    result = runner.invoke(args=["backup", str(tmp_path / "usb")])
    assert result.exit_code == 0, result.output
    path = Path(result.output.strip().splitlines()[-1])
    assert path.is_file() and path.name.endswith(".db.gz")
    assert backup.integrity_ok(_unpacked(path))
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
    assert name.endswith(".db.gz")
    resp = b.get(f"/quan-tri/sao-luu/tai/counter-{name}")
    assert resp.status_code == 200 and resp.mimetype == "application/gzip"
    assert "Content-Encoding" not in resp.headers  # saved as the .gz it is
    assert gzip.decompress(resp.data)[:16] == b"SQLite format 3\x00"
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


# What run.py does at start: hold the instance folder's lock for as long as it serves.
HOLDER = """
import sys, time
from pathlib import Path
from counter.services.instance_lock import acquire
lock = acquire(Path(sys.argv[1]))
print("held" if lock else "busy", flush=True)
time.sleep(120)
"""


def test_restore_is_refused_while_the_software_runs_and_allowed_once_it_died(
    app: Flask, runner: Any, tmp_path: Path
) -> None:
    path = backup.take_backup(tmp_path / "bk")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, app.instance_path],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        result = runner.invoke(args=["restore", str(path), "--yes"])
        assert result.exit_code != 0
        assert "Phần mềm đang chạy" in result.output and "dừng phần mềm" in result.output
        assert not [f for f in backup.list_backups(Path(app.config["BACKUP_DIR"]))]
    finally:
        holder.kill()  # like a power cut: the lock is never released by the holder
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()
    assert (Path(app.instance_path) / "counter.lock").exists()
    result = runner.invoke(args=["restore", str(path), "--yes"])
    assert result.exit_code == 0, result.output


def _audit_count() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(AuditEntry)) or 0


def _write_audit_rows(n: int) -> None:
    for _ in range(n):
        with transaction():
            audit.record(Actor.system("test"), "office_updated", "after the backup")


def test_backups_are_compressed_and_restore_takes_either_kind(app: Flask, tmp_path: Path) -> None:
    target = tmp_path / "bk"
    path = backup.take_backup(target)
    assert path.name.endswith(".db.gz") and path.read_bytes()[:2] == b"\x1f\x8b"
    plain = _unpacked(path)
    assert plain.read_bytes()[:16] == b"SQLite format 3\x00" and backup.integrity_ok(plain)
    assert path.stat().st_size < plain.stat().st_size / 3
    at_backup = _audit_count()
    # An uncompressed backup as earlier versions wrote them.
    legacy = target / "counter-2025-06-01_090000.db"
    legacy.write_bytes(plain.read_bytes())
    plain.unlink()

    _write_audit_rows(3)
    backup.restore(path, target)
    assert _audit_count() == at_backup
    _write_audit_rows(2)
    backup.restore(legacy, target)
    assert _audit_count() == at_backup
    # A cut-off archive is refused and the live database is left as it was.
    _write_audit_rows(1)
    broken = tmp_path / "counter-2025-01-01_000000.db.gz"
    broken.write_bytes(path.read_bytes()[:300])
    with pytest.raises(backup.BackupError, match="không qua kiểm tra toàn vẹn"):
        backup.restore(broken, target)
    assert _audit_count() == at_backup + 1
    assert backup.integrity_ok(backup.sqlite_path())
    assert not list(target.glob(".*.tmp"))
    # Two restores, two safety copies kept (compressed too) beside the backups.
    safety = [f for f in backup.list_backups(target) if f.is_safety_copy]
    assert len(safety) == 2 and all(f.compressed for f in safety)


def test_space_needed_for_the_next_backup(app: Flask, tmp_path: Path) -> None:
    target = tmp_path / "bk"
    path = backup.take_backup(target)
    database = backup.sqlite_path().stat().st_size
    space = backup.space_report(target, 0)
    assert (space.count, space.used) == (1, path.stat().st_size)
    # Room for an uncompressed copy of the database beside the new compressed file.
    assert space.needed == database + path.stat().st_size
    assert backup.space_report(target, 10 * 1024**3).needed == 10 * 1024**3
    assert not space.low  # this disk has more than a few MB free


def test_backup_page_shows_the_space_used_and_warns_when_the_disk_is_low(
    app: Flask, login_as: Any
) -> None:
    b = login_as("admin")
    b.submit("/quan-tri/sao-luu", {}, follow_redirects=True)
    html = b.get("/quan-tri/sao-luu").get_data(as_text=True)
    assert "cho 1 bản sao lưu; ổ đĩa còn trống" in html
    assert "giữ: bản mới nhất của 7 ngày, 4 tuần và 12 tháng gần nhất" in html
    assert "sắp đầy" not in html
    app.config["BACKUP_MIN_FREE_MB"] = 1024**3  # a petabyte: more than any disk has free
    html = b.get("/quan-tri/sao-luu").get_data(as_text=True)
    assert "Ổ đĩa chứa bản sao lưu sắp đầy" in html


def test_generations_come_from_the_settings_and_an_old_keep_sets_the_days(app: Flask) -> None:
    assert backup.retention_from(app.config) == Retention(daily=7, weekly=4, monthly=12)
    app.config.update(BACKUP_KEEP_WEEKLY=8, BACKUP_KEEP_MONTHLY=24)
    assert backup.retention_from(app.config) == Retention(daily=7, weekly=8, monthly=24)
    app.config["BACKUP_KEEP"] = 14  # an office's instance/config.py from an earlier version
    assert backup.retention_from(app.config).daily == 14
