"""Backups of the SQLite database: online, checked, compressed, written atomically, rotated.

A backup is SQLite's online backup of the live database into a temporary file, checked
with ``PRAGMA integrity_check``, gzip-compressed into a second temporary file, synced,
then renamed to ``counter-YYYY-MM-DD_HHMMSS.db.gz``: a crash never leaves a half
backup under a real name. Backups are kept by generations (daily, weekly, monthly, see
:mod:`counter.domain.retention`); the safety copy taken before a restore
(``...-truoc-khoi-phuc.db.gz``) is never rotated. Uncompressed ``.db`` backups of
earlier versions are listed, rotated and restored like the others.
"""

from __future__ import annotations

import gzip
import os
import re
import secrets
import shutil
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from counter import settings
from counter.domain import clock
from counter.domain.errors import CounterError, ValidationError
from counter.domain.i18n import N_
from counter.domain.retention import Retention, kept
from counter.extensions import db
from counter.portal import pull
from counter.services import Actor, audit, instance_lock, numbering, transaction
from counter.services.files import fsync_dir

PREFIX = "counter-"
SUFFIX = ".db"  # uncompressed backups of earlier versions
GZ_SUFFIX = ".db.gz"
SAFETY_LABEL = "truoc-khoi-phuc"
GZIP_MAGIC = b"\x1f\x8b"
_NAME_RE = re.compile(
    r"^counter-(?P<stamp>\d{4}-\d{2}-\d{2}_\d{6})(?:-(?P<label>[a-z0-9-]+))?\.db(?:\.gz)?$"
)
_TEMP_GLOB = f".{PREFIX}*.tmp"
_STALE_TEMP_SECONDS = 24 * 3600
_CHUNK = 1024 * 1024
#: One backup at a time in this process (the daily thread and the page's button).
_taking = threading.Lock()


class BackupError(CounterError):
    """A backup or restore could not be done."""


@dataclass(frozen=True)
class BackupFile:
    name: str
    path: Path
    size: int
    taken_at: datetime  # Vietnam time, from the name (the file's mtime when it has none)
    label: str = ""

    @property
    def compressed(self) -> bool:
        """A gzip file (this version's backups) rather than a plain SQLite file."""
        return self.name.endswith(GZ_SUFFIX)

    @property
    def is_safety_copy(self) -> bool:
        """The database as it was before a restore; never rotated away."""
        return self.label == SAFETY_LABEL


@dataclass(frozen=True)
class SpaceReport:
    """Disk space of the backups, for the backup page and the daily log line."""

    used: int  # bytes taken by the listed backups
    count: int
    free: int  # bytes free on the disk holding them
    needed: int  # free bytes the next backup should find

    @property
    def low(self) -> bool:
        """Too little free space for the next backup to be taken safely."""
        return self.free < self.needed


def retention_from(config: Mapping[str, Any]) -> Retention:
    """The generations to keep, from the ``BACKUP_KEEP_*`` settings.

    ``BACKUP_KEEP`` (earlier versions: the number of backups kept) still sets the
    daily count when an office has it in its configuration.
    """
    daily = config.get("BACKUP_KEEP") or config["BACKUP_KEEP_DAILY"]
    return Retention(
        daily=int(daily),
        weekly=int(config["BACKUP_KEEP_WEEKLY"]),
        monthly=int(config["BACKUP_KEEP_MONTHLY"]),
    )


def sqlite_path() -> Path:
    """The database file behind the app's engine; only SQLite can be backed up here."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise BackupError(
            N_(
                "Chức năng sao lưu chỉ dùng cho cơ sở dữ liệu SQLite. "
                "Với PostgreSQL, hãy dùng pg_dump theo hướng dẫn vận hành."
            )
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
    dest_dir: Path,
    *,
    retention: Retention | None = None,
    now: datetime | None = None,
    label: str = "",
) -> Path:
    """Back up the live database (online), check it, compress it, rename it into place.

    With ``retention``, the backups in ``dest_dir`` are rotated afterwards.
    """
    source = sqlite_path()
    dest_dir.mkdir(parents=True, exist_ok=True)
    when = (now or clock.now()).astimezone(clock.VN).replace(microsecond=0)
    with _taking:
        while True:  # two backups in the same second: the later one is named a second on
            stamp = when.strftime("%Y-%m-%d_%H%M%S")
            final = dest_dir / f"{PREFIX}{stamp}{'-' + label if label else ''}{GZ_SUFFIX}"
            if not final.exists():
                break
            when += timedelta(seconds=1)
        _remove_stale_temps(dest_dir)
        token = secrets.token_hex(4)
        raw = dest_dir / f".{PREFIX}{stamp}-{token}.db.tmp"
        packed = dest_dir / f".{PREFIX}{stamp}-{token}.gz.tmp"
        try:
            _online_copy(source, raw)
            if not integrity_ok(raw):
                raise BackupError(N_("Bản sao lưu không qua được kiểm tra toàn vẹn; chưa lưu."))
            _compress(raw, packed)
            os.replace(packed, final)
            fsync_dir(dest_dir)
        except (OSError, sqlite3.Error) as err:  # a full disk, a folder not writable
            raise BackupError(
                N_(
                    "Không ghi được bản sao lưu vào %(folder)s (%(error)s). "
                    "Kiểm tra ổ đĩa còn trống và quyền ghi thư mục."
                ),
                folder=str(dest_dir),
                error=getattr(err, "strerror", None) or str(err),
            ) from None
        finally:
            raw.unlink(missing_ok=True)
            packed.unlink(missing_ok=True)
    if retention is not None:
        prune(dest_dir, retention, taken=final)
    return final


def _online_copy(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent snapshot while the app goes on writing."""
    src = sqlite3.connect(source, timeout=30)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
    finally:
        src.close()


def _compress(raw: Path, packed: Path) -> None:
    with open(raw, "rb") as src, open(packed, "wb") as out:
        # mtime=0: the name carries the time; the same database gives the same bytes.
        with gzip.GzipFile(filename="", mode="wb", fileobj=out, compresslevel=6, mtime=0) as gz:
            shutil.copyfileobj(src, gz, _CHUNK)
        out.flush()
        os.fsync(out.fileno())


def _remove_stale_temps(dest_dir: Path) -> None:
    """Temporary files a crash left during a backup (a backup takes minutes, not a day)."""
    limit = time.time() - _STALE_TEMP_SECONDS
    for path in dest_dir.glob(_TEMP_GLOB):
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except FileNotFoundError:
            continue


def backup_now(actor: Actor, dest_dir: Path, retention: Retention | None = None) -> Path:
    """Take a backup and note it in the audit log."""
    path = take_backup(dest_dir, retention=retention)
    with transaction():
        audit.record(actor, "backup_created", path.name, f"{path.stat().st_size} bytes")
    return path


def list_backups(dest_dir: Path) -> list[BackupFile]:
    """Finished backups, compressed or not, newest first (temporary files are not listed)."""
    if not dest_dir.is_dir():
        return []
    files = []
    for path in dest_dir.iterdir():
        if not path.name.startswith(PREFIX) or not (
            path.name.endswith(SUFFIX) or path.name.endswith(GZ_SUFFIX)
        ):
            continue
        try:
            st = path.stat()
        except FileNotFoundError:  # rotated away by another backup meanwhile
            continue
        match = _NAME_RE.match(path.name)
        if match:
            taken = datetime.strptime(match["stamp"], "%Y-%m-%d_%H%M%S").replace(tzinfo=clock.VN)
            label = match["label"] or ""
        else:
            taken, label = datetime.fromtimestamp(st.st_mtime, clock.VN), ""
        files.append(BackupFile(path.name, path, st.st_size, taken, label))
    return sorted(files, key=lambda f: (f.taken_at, f.name), reverse=True)


def find_backup(dest_dir: Path, name: str) -> Path:
    """A listed backup by file name; names from outside the list are refused."""
    for f in list_backups(dest_dir):
        if f.name == name:
            return f.path
    raise ValidationError(N_("Không tìm thấy bản sao lưu này."))


def prune(dest_dir: Path, retention: Retention, taken: Path | None = None) -> list[Path]:
    """Delete the backups no generation keeps; returns what was deleted.

    Safety copies taken before a restore, and files whose name carries no time,
    are left to the administrator; ``taken``, the backup just written, stays
    (a backup pressed twice in one second may be named older than the last one).
    """
    rotated = [
        f for f in list_backups(dest_dir) if not f.label and _NAME_RE.match(f.name) is not None
    ]
    keep = kept((f.taken_at for f in rotated), retention)
    removed = []
    for f in rotated:
        if f.taken_at not in keep and f.path != taken:
            f.path.unlink(missing_ok=True)
            removed.append(f.path)
    return removed


def has_backup_for_day(dest_dir: Path, day: datetime) -> bool:
    """True when a backup taken on ``day`` (Vietnam date) exists."""
    return any(f.name.startswith(f"{PREFIX}{day:%Y-%m-%d}_") for f in list_backups(dest_dir))


def daily_backup(dest_dir: Path, retention: Retention, now: datetime | None = None) -> Path | None:
    """The automatic backup: once per Vietnam calendar day, at the first chance."""
    now = (now or clock.now()).astimezone(clock.VN)
    if has_backup_for_day(dest_dir, now):
        return None
    path = take_backup(dest_dir, retention=retention, now=now)
    with transaction():
        audit.record(Actor.system("auto-backup"), "backup_created", path.name, "daily")
    return path


def space_report(dest_dir: Path, min_free_bytes: int) -> SpaceReport:
    """Space the backups take and the disk's free space; ``low`` below what a backup needs.

    A backup needs room for an uncompressed copy of the database beside the new
    compressed file, so the next one needs at least the database's size plus the last
    backup's, twice the last backup, and never less than ``min_free_bytes``.
    """
    files = list_backups(dest_dir)
    last = files[0].size if files else 0
    try:
        database = sqlite_path().stat().st_size
    except (BackupError, OSError):
        database = 0
    needed = max(min_free_bytes, 2 * last, database + last)
    return SpaceReport(
        used=sum(f.size for f in files),
        count=len(files),
        free=shutil.disk_usage(_existing(dest_dir)).free,
        needed=needed,
    )


def _existing(path: Path) -> Path:
    """The path itself or its nearest existing parent (the backup folder may not exist yet)."""
    path = path.resolve()
    while not path.exists() and path.parent != path:
        path = path.parent
    return path


def restore(file: Path, backup_dir: Path) -> Path:
    """Replace the live database by a checked backup (gzip or plain); the current one is kept.

    Refused while the software runs (it holds the instance folder's lock, see
    :mod:`counter.services.instance_lock`); the lock is held during the restore, so the
    software cannot start in the middle of it. Returns the safety copy taken first.
    """
    lock = instance_lock.acquire(settings.current().instance_path)
    if lock is None:
        raise BackupError(
            N_(
                "Phần mềm đang chạy trên máy này nên không khôi phục được. Hãy dừng phần mềm "
                "trước (nhấn Ctrl+C trong cửa sổ đang chạy run.py, hoặc đóng cửa sổ đó), "
                "rồi chạy lại lệnh khôi phục."
            )
        )
    with lock:
        if not file.is_file():
            raise BackupError(N_("Không có tệp %(file)s."), file=str(file))
        with _plain_copy(file, backup_dir) as plain:
            if not integrity_ok(plain):
                raise BackupError(
                    N_(
                        "Tệp này không phải bản sao lưu hợp lệ của phần mềm hoặc đã bị hỏng "
                        "(không qua kiểm tra toàn vẹn). Không khôi phục."
                    )
                )
            target = sqlite_path()
            safety = take_backup(backup_dir, label=SAFETY_LABEL)
            numbers_used = numbering.read_marks(target)
            db.session.remove()
            db.engine.dispose()
            src = sqlite3.connect(f"file:{plain}?mode=ro", uri=True)
            try:
                dst = sqlite3.connect(target, timeout=30)
                try:
                    src.backup(dst)
                    numbering.carry_forward(dst, numbers_used)
                finally:
                    dst.close()
            finally:
                src.close()
            # The portal may hold states and dossiers the backup lacks: check before sending.
            pull.mark_check_due()
    return safety


@contextmanager
def _plain_copy(file: Path, work_dir: Path) -> Iterator[Path]:
    """The backup as a plain SQLite file: itself, or a temporary unpacked copy of a gzip."""
    with open(file, "rb") as fh:
        compressed = fh.read(2) == GZIP_MAGIC
    if not compressed:
        yield file
        return
    work_dir.mkdir(parents=True, exist_ok=True)
    plain = work_dir / f".{PREFIX}restore-{secrets.token_hex(4)}.db.tmp"
    try:
        try:
            with gzip.open(file, "rb") as src, open(plain, "wb") as out:
                shutil.copyfileobj(src, out, _CHUNK)
        except (OSError, EOFError, gzip.BadGzipFile):
            plain.write_bytes(b"")  # a damaged archive: refused as not a valid backup
        yield plain
    finally:
        plain.unlink(missing_ok=True)


def note_download(actor: Actor, name: str) -> None:
    """Downloads of the whole database are worth a line in the audit log."""
    with transaction():
        audit.record(actor, "backup_downloaded", name)
