"""Scans on disk, made durable before the commit of the rows that refer to them.

For one use case (a reception, or scans added to a dossier later):

1. a journal ``UPLOAD_DIR/.pending/<token>`` lists the names about to be written (fsync);
2. each scan is written to ``<name>.part``, fsynced and renamed to ``<name>``, and the
   directory is fsynced;
3. the transaction inserting the attachment rows commits;
4. the journal is removed.

A kill or power cut at any step leaves either nothing, or files that no row refers to,
named in a journal; never a row without its file. Names are random and never reused,
so a file written for a transaction that did not commit is nobody else's.

At start, :func:`collect_orphans` finishes what such a crash left: for each journal older
than a day, it removes the ``.part`` files and the listed files no attachment row refers
to. Files not named in a journal are never touched, so the scans of another database
(an older backup restored, a new PostgreSQL database beside the same folder) are safe.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from counter.extensions import db
from counter.models import Attachment, utcnow

log = logging.getLogger(__name__)

PENDING = ".pending"
PART = ".part"
#: Journals and ``.part`` files younger than this may belong to a transaction in flight.
ORPHAN_AGE_SECONDS = 24 * 3600
#: Every stored name looks like this (``YYYYMM/<32 hex>.<ext>``); nothing else is removed.
STORED_NAME_RE = re.compile(r"^\d{6}/[0-9a-f]{32}\.(?:pdf|png|jpg)$")
#: Once the whole tree was swept for ``.part`` files left by versions without journals.
LEGACY_SWEEP_DONE = "legacy-part-files-swept"
_CHUNK = 1024 * 1024


@dataclass
class StoredScan:
    """One scan written under its final name."""

    stored_name: str
    size: int
    sha256: str


class ScanBatch:
    """The scans of one transaction: durable under their final names before it commits.

    Call :meth:`write` before the transaction, :meth:`committed` after it commits,
    :meth:`abandon` if it fails.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.journal: Path | None = None
        self.names: list[str] = []

    def write(self, files: list[tuple[IO[bytes], str]]) -> list[StoredScan]:
        """Write each (stream, extension); raises OSError, having removed what it wrote."""
        if not files:
            return []
        month = f"{utcnow():%Y%m}"
        self.names = [f"{month}/{secrets.token_hex(16)}{ext}" for _, ext in files]
        try:
            self._write_journal()
            stored = [
                self._write_one(stream, name)
                for (stream, _), name in zip(files, self.names, strict=True)
            ]
            _fsync_dir(self.root / month)  # the renames are durable before the commit
        except BaseException:
            self.abandon()
            raise
        return stored

    def _write_journal(self) -> None:
        pending = self.root / PENDING
        if not pending.is_dir():
            pending.mkdir(parents=True, exist_ok=True)
            _fsync_dir(self.root)
        self.journal = pending / secrets.token_hex(8)
        with open(self.journal, "w", encoding="ascii") as out:
            out.write("\n".join(self.names) + "\n")
            out.flush()
            os.fsync(out.fileno())
        _fsync_dir(pending)

    def _write_one(self, stream: IO[bytes], name: str) -> StoredScan:
        final = self.root / name
        if not final.parent.is_dir():
            final.parent.mkdir(parents=True, exist_ok=True)
            _fsync_dir(self.root)
        temp = final.with_name(final.name + PART)
        digest = hashlib.sha256()
        size = 0
        stream.seek(0)
        with open(temp, "wb") as out:
            while chunk := stream.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, final)
        return StoredScan(name, size, digest.hexdigest())

    def committed(self) -> None:
        """The rows are committed: the files are theirs, the journal goes."""
        if self.journal is not None:
            self.journal.unlink(missing_ok=True)
            self.journal = None
        self.names = []

    def abandon(self) -> None:
        """The transaction failed: remove the files, unless a row refers to them after all.

        A commit can fail after reaching the disk (an I/O error while syncing); when the
        database cannot say, everything is left to :func:`collect_orphans`.
        """
        if not self.names:
            return
        try:
            referenced = _referenced(self.names)
        except Exception:
            log.warning("scans of a failed transaction left for the start-up clean-up")
            return
        _remove(self.root, self.names, referenced)
        if self.journal is not None:
            self.journal.unlink(missing_ok=True)
            self.journal = None
        self.names = []


def _referenced(names: list[str]) -> set[str]:
    """The names among ``names`` that an attachment row refers to."""
    found: set[str] = set()
    for start in range(0, len(names), 500):
        chunk = names[start : start + 500]
        found.update(
            db.session.scalars(
                db.select(Attachment.stored_name).where(Attachment.stored_name.in_(chunk))
            )
        )
    return found


def _remove(root: Path, names: list[str], keep: set[str]) -> tuple[int, int]:
    """Remove ``.part`` files and unreferenced files; returns (files, bytes) removed."""
    count = size = 0
    for name in names:
        candidates = [root / (name + PART)]
        if name not in keep:
            candidates.append(root / name)
        for path in candidates:
            try:
                size += path.stat().st_size
                path.unlink()
                count += 1
            except FileNotFoundError:
                continue
    return count, size


def collect_orphans(root: Path, *, now: float | None = None) -> tuple[int, int]:
    """Remove what crashes left, older than a day; returns (files, bytes) removed.

    Only files named in a journal are candidates (see the module docstring); the first
    run also removes old ``.part`` files left by versions that kept no journal.
    """
    now = time.time() if now is None else now
    if not root.is_dir():
        return 0, 0
    pending = root / PENDING
    pending.mkdir(exist_ok=True)
    count = size = 0
    for journal in sorted(pending.iterdir()):
        if not journal.is_file() or journal.name == LEGACY_SWEEP_DONE:
            continue
        if now - journal.stat().st_mtime < ORPHAN_AGE_SECONDS:
            continue  # may be a reception in progress on this very moment
        names = [
            n
            for n in journal.read_text(encoding="ascii", errors="replace").split()
            if STORED_NAME_RE.match(n)
        ]
        removed = _remove(root, names, _referenced(names))
        count, size = count + removed[0], size + removed[1]
        journal.unlink()
    if not (pending / LEGACY_SWEEP_DONE).exists():
        removed = _sweep_part_files(root, now)
        count, size = count + removed[0], size + removed[1]
        (pending / LEGACY_SWEEP_DONE).touch()
    if count:
        log.info("removed %d file(s) left by an interrupted reception (%d bytes)", count, size)
    return count, size


def _sweep_part_files(root: Path, now: float) -> tuple[int, int]:
    count = size = 0
    for month in root.iterdir():
        if not (month.is_dir() and re.fullmatch(r"\d{6}", month.name)):
            continue
        for path in month.iterdir():
            if not path.name.endswith(PART) or not STORED_NAME_RE.match(
                f"{month.name}/{path.name[: -len(PART)]}"
            ):
                continue
            st = path.stat()
            if now - st.st_mtime >= ORPHAN_AGE_SECONDS:
                path.unlink(missing_ok=True)
                count, size = count + 1, size + st.st_size
    return count, size


def _fsync_dir(path: Path) -> None:
    """Make a rename or a new entry in ``path`` durable (POSIX; Windows has no such call)."""
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
