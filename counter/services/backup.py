"""Backups of the SQLite database: online, checked, written atomically, rotated."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from counter.domain.errors import CounterError, ValidationError
from counter.extensions import db
from counter.services import Actor, audit, transaction

VN = ZoneInfo("Asia/Ho_Chi_Minh")
PREFIX = "counter-"
SUFFIX = ".db"


class BackupError(CounterError):
    """A backup or restore could not be done."""


@dataclass(frozen=True)
class BackupFile:
    name: str
    path: Path
    size: int
    taken_at: datetime  # aware, UTC-based mtime


def sqlite_path() -> Path:
    """The database file behind the app's engine; only SQLite can be backed up here."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise BackupError(
            "Chức năng sao lưu chỉ dùng cho cơ sở dữ liệu SQLite. "
            "Với PostgreSQL, hãy dùng pg_dump theo hướng dẫn vận hành."
        )
    return Path(url.database)


def integrity_ok(path: Path) -> bool:
    """True when the file is an SQLite database that passes ``PRAGMA integrity_check``."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return False
    try:
        rows = conn.execute("PRAGMA integrity_check").fetchall()
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.DatabaseError:
        return False
    finally:
        conn.close()
    return rows == [("ok",)] and {"alembic_version", "office", "user"} <= tables


def take_backup(
    dest_dir: Path, *, keep: int | None = None, now: datetime | None = None, label: str = ""
) -> Path:
    """Copy the live database with the online backup API, check it, then rename into place."""
    source = sqlite_path()
    dest_dir.mkdir(parents=True, exist_ok=True)
    stamp = (now or datetime.now(VN)).astimezone(VN).strftime("%Y-%m-%d_%H%M%S")
    final = dest_dir / f"{PREFIX}{stamp}{'-' + label if label else ''}{SUFFIX}"
    tmp = dest_dir / f".{final.name}.tmp"
    tmp.unlink(missing_ok=True)
    src = sqlite3.connect(source, timeout=30)
    try:
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
    finally:
        src.close()
    if not integrity_ok(tmp):
        tmp.unlink(missing_ok=True)
        raise BackupError("Bản sao lưu không qua được kiểm tra toàn vẹn; chưa lưu.")
    _fsync(tmp)
    os.replace(tmp, final)
    _fsync_dir(dest_dir)
    if keep:
        prune(dest_dir, keep)
    return final


def backup_now(actor: Actor, dest_dir: Path, keep: int | None = None) -> Path:
    """Take a backup and note it in the audit log."""
    path = take_backup(dest_dir, keep=keep)
    with transaction():
        audit.record(actor, "backup_created", path.name, f"{path.stat().st_size} bytes")
    return path


def list_backups(dest_dir: Path) -> list[BackupFile]:
    """Finished backups, newest first (temporary files are not listed)."""
    if not dest_dir.is_dir():
        return []
    files = []
    for path in dest_dir.glob(f"{PREFIX}*{SUFFIX}"):
        st = path.stat()
        files.append(
            BackupFile(path.name, path, st.st_size, datetime.fromtimestamp(st.st_mtime, VN))
        )
    return sorted(files, key=lambda f: f.name, reverse=True)


def find_backup(dest_dir: Path, name: str) -> Path:
    """A listed backup by file name; names from outside the list are refused."""
    for f in list_backups(dest_dir):
        if f.name == name:
            return f.path
    raise ValidationError("Không tìm thấy bản sao lưu này.")


def prune(dest_dir: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` backups; returns what was deleted."""
    removed = []
    for f in list_backups(dest_dir)[max(keep, 1) :]:
        f.path.unlink(missing_ok=True)
        removed.append(f.path)
    return removed


def has_backup_for_day(dest_dir: Path, day: datetime) -> bool:
    """True when a backup taken on ``day`` (Vietnam date) exists."""
    return any(f.name.startswith(f"{PREFIX}{day:%Y-%m-%d}_") for f in list_backups(dest_dir))


def daily_backup(dest_dir: Path, keep: int) -> Path | None:
    """The automatic backup: once per Vietnam calendar day, at the first chance."""
    now = datetime.now(VN)
    if has_backup_for_day(dest_dir, now):
        return None
    path = take_backup(dest_dir, keep=keep, now=now)
    with transaction():
        audit.record(Actor.system("auto-backup"), "backup_created", path.name, "daily")
    return path


def restore(file: Path, backup_dir: Path) -> Path:
    """Replace the live database by a checked backup; the current one is kept first.

    Returns the path of the safety copy taken before restoring.
    """
    if not file.is_file():
        raise BackupError(f"Không có tệp {file}.")
    if not integrity_ok(file):
        raise BackupError(
            "Tệp này không phải bản sao lưu hợp lệ của phần mềm hoặc đã bị hỏng "
            "(không qua kiểm tra toàn vẹn). Không khôi phục."
        )
    target = sqlite_path()
    safety = take_backup(backup_dir, label="truoc-khoi-phuc")
    numbers_used = _read_sequences(target)
    db.session.remove()
    db.engine.dispose()
    src = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(target, timeout=30)
        try:
            src.backup(dst)
            _carry_forward(dst, numbers_used)
        finally:
            dst.close()
    finally:
        src.close()
    return safety


def _read_sequences(path: Path) -> list[tuple[str, str, int]]:
    """The numbering high-water marks (dossier codes, ledger, notices) of a database file."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return list(conn.execute("SELECT agency_id, day, last_seq FROM daily_sequence"))
    except sqlite3.OperationalError:  # a database from before numbering existed
        return []
    finally:
        conn.close()


def _carry_forward(conn: sqlite3.Connection, numbers: list[tuple[str, str, int]]) -> None:
    """Keep every number issued before the restore: a printed code is never reused."""
    with conn:
        conn.executemany(
            "INSERT INTO daily_sequence (agency_id, day, last_seq) VALUES (?, ?, ?) "
            "ON CONFLICT (agency_id, day) DO UPDATE "
            "SET last_seq = MAX(last_seq, excluded.last_seq)",
            numbers,
        )


def _fsync(path: Path) -> None:
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def note_download(actor: Actor, name: str) -> None:
    """Downloads of the whole database are worth a line in the audit log."""
    with transaction():
        audit.record(actor, "backup_downloaded", name)
