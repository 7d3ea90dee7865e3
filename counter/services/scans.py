"""Scans (số hóa, Circular 03/2025 Art. 5): checked, stored durably, attached, opened.

A scan is checked by its first bytes (PDF, JPEG, PNG) and its size
(:func:`check_uploads`), written to ``UPLOAD_DIR`` and synced under its final name
before the commit (:class:`StagedFiles`), attached to its dossier (:func:`attach`),
and opened by staff with an audit row (:func:`open_attachment`). Scans sent later,
from the dossier page, are one use case of their own (:func:`add_attachments`).

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
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from counter import settings
from counter.domain import clock
from counter.domain.errors import InvalidInput, NotAllowed, NotFound, ValidationError
from counter.domain.i18n import N_, Message
from counter.extensions import db
from counter.models import Attachment, Dossier
from counter.services import Actor, audit, transaction
from counter.services.files import fsync_dir

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
        month = f"{clock.now():%Y%m}"
        self.names = [f"{month}/{secrets.token_hex(16)}{ext}" for _, ext in files]
        try:
            self._write_journal()
            stored = [
                self._write_one(stream, name)
                for (stream, _), name in zip(files, self.names, strict=True)
            ]
            fsync_dir(self.root / month)  # the renames are durable before the commit
        except BaseException:
            self.abandon()
            raise
        return stored

    def _write_journal(self) -> None:
        pending = self.root / PENDING
        if not pending.is_dir():
            pending.mkdir(parents=True, exist_ok=True)
            fsync_dir(self.root)
        self.journal = pending / secrets.token_hex(8)
        with open(self.journal, "w", encoding="ascii") as out:
            out.write("\n".join(self.names) + "\n")
            out.flush()
            os.fsync(out.fileno())
        fsync_dir(pending)

    def _write_one(self, stream: IO[bytes], name: str) -> StoredScan:
        final = self.root / name
        if not final.parent.is_dir():
            final.parent.mkdir(parents=True, exist_ok=True)
            fsync_dir(self.root)
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


# -- uploads at the counter and on the dossier page -------------------------------

#: Roles that may open a dossier's scans.
ATTACHMENT_ROLES = ("reception", "specialist", "leader")
#: File types accepted for scans, by their first bytes.
SCAN_TYPES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
)
MAX_FILES = 30


@dataclass
class Upload:
    """A scan sent with the form; ``document`` is the index of its checklist line."""

    filename: str
    stream: IO[bytes]
    document: int | None = None


@dataclass
class _CheckedFile:
    upload: Upload
    filename: str
    content_type: str
    extension: str


def _upload_dir() -> Path:
    return settings.current().upload_dir


def _max_bytes() -> int:
    return settings.current().upload_max_mb * 1024 * 1024


def _safe_filename(name: str) -> str:
    base = unicodedata.normalize("NFC", os.path.basename((name or "").replace("\\", "/")))
    base = "".join(c for c in base if c.isprintable()).strip()
    return base[:255] or "tep-quet"


def check_upload(upload: Upload) -> _CheckedFile:
    """Refuse a scan that is empty, too large, or not really a PDF, JPEG or PNG."""
    name = _safe_filename(upload.filename)
    field_name = "attachments" if upload.document is None else f"documents-{upload.document}-files"
    stream = upload.stream
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    if size == 0:
        raise ValidationError(N_("Tệp '%(name)s' rỗng; hãy quét lại."), field=field_name, name=name)
    if size > _max_bytes():
        raise ValidationError(
            N_(
                "Tệp '%(name)s' quá lớn (%(size)s MB); mỗi tệp tối đa %(max)s MB. "
                "Hãy quét ở độ phân giải thấp hơn hoặc chia nhỏ tệp."
            ),
            field=field_name,
            name=name,
            size=f"{size / 1048576:.1f}",
            max=settings.current().upload_max_mb,
        )
    head = stream.read(16)
    stream.seek(0)
    for magic, content_type, extension in SCAN_TYPES:
        if head.startswith(magic):
            return _CheckedFile(upload, name, content_type, extension)
    raise ValidationError(
        N_(
            "Tệp '%(name)s' không phải tệp PDF, JPEG hoặc PNG thật (nội dung không khớp). "
            "Chỉ nhận bản quét dạng PDF, JPEG hoặc PNG."
        ),
        field=field_name,
        name=name,
    )


def check_uploads(uploads: list[Upload]) -> list[_CheckedFile]:
    """Check every scan of one sending: each file, their number and their total size."""
    errors: dict[str, str] = {}
    checked = []
    if len(uploads) > MAX_FILES:
        raise InvalidInput(
            {"attachments": Message(N_("Mỗi lần chỉ gửi tối đa %(n)s tệp quét."), n=MAX_FILES)}
        )
    total, over, budget = 0, False, settings.current().upload_total_mb * 1024 * 1024
    for upload in uploads:
        try:
            checked.append(check_upload(upload))
        except ValidationError as err:
            errors.setdefault(err.field or "attachments", err.message)
            continue
        upload.stream.seek(0, os.SEEK_END)
        total += upload.stream.tell()
        upload.stream.seek(0)
        if total > budget and not over:  # the file that passes the budget is named
            over = True
            name = checked[-1].filename
            field_name = (
                "attachments" if upload.document is None else f"documents-{upload.document}-files"
            )
            errors.setdefault(
                field_name,
                Message(
                    N_(
                        "Tệp '%(name)s' vượt quá tổng dung lượng các tệp quét của một lần gửi "
                        "(tối đa %(max)s MB; đến tệp này là %(total)s MB). Hãy quét ở độ phân "
                        "giải thấp hơn, hoặc thêm tệp này sau ở trang hồ sơ."
                    ),
                    name=name,
                    max=settings.current().upload_total_mb,
                    total=f"{total / 1048576:.1f}",
                ),
            )
    if errors:
        raise InvalidInput(errors)
    return checked


@dataclass
class _Staged:
    checked: _CheckedFile
    stored_name: str
    size: int
    sha256: str


class StagedFiles:
    """Scans written and synced under their final names before the commit (see scans)."""

    def __init__(self) -> None:
        self.files: list[_Staged] = []
        self.batch = ScanBatch(_upload_dir())

    def write_all(self, files: list[_CheckedFile]) -> None:
        try:
            stored = self.batch.write([(c.upload.stream, c.extension) for c in files])
        except OSError as err:
            log.error("cannot store a scan: %s", err)
            raise ValidationError(
                N_(
                    "Không lưu được tệp quét vào máy (thư mục lưu tệp không ghi được hoặc ổ đĩa "
                    "đầy). Hồ sơ chưa được lưu; báo quản trị viên."
                ),
                field="attachments",
            ) from None
        self.files = [
            _Staged(c, s.stored_name, s.size, s.sha256) for c, s in zip(files, stored, strict=True)
        ]

    def publish(self) -> None:
        """The rows are committed."""
        self.batch.committed()
        self.files.clear()

    def discard(self) -> None:
        """The transaction failed: its files go (unless a row refers to them after all)."""
        self.batch.abandon()
        self.files.clear()


def attach(
    dossier_id: int,
    actor: Actor,
    staged: StagedFiles,
    document_ids: list[int | None],
) -> list[Attachment]:
    """Attachment rows for the staged scans; ``document_ids`` maps checklist lines (an
    upload's ``document`` index) to the ids of their saved documents."""
    rows = []
    for item in staged.files:
        index = item.checked.upload.document
        in_list = index is not None and 0 <= index < len(document_ids)
        row = Attachment(
            dossier_id=dossier_id,
            document_id=document_ids[index] if in_list else None,  # type: ignore[index]
            filename=item.checked.filename,
            stored_name=item.stored_name,
            content_type=item.checked.content_type,
            size=item.size,
            sha256=item.sha256,
            uploaded_by_id=actor.user_id,
        )
        db.session.add(row)
        rows.append(row)
    return rows


def attachment_path(attachment: Attachment) -> Path:
    """Where a scan is stored; never outside UPLOAD_DIR."""
    root = _upload_dir().resolve()
    path = (root / attachment.stored_name).resolve()
    if root not in path.parents:
        raise NotFound(N_("Không tìm thấy tệp quét."))
    return path


def open_attachment(actor: Actor, attachment_id: int) -> tuple[Attachment, Path]:
    """A scan for a staff member to view; the access is audited (it is personal data)."""
    if not actor.has_role(*ATTACHMENT_ROLES):
        raise NotAllowed(N_("Bạn không có quyền xem tệp quét của hồ sơ."))
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFound(N_("Không tìm thấy tệp quét."))
    path = attachment_path(attachment)
    if not path.is_file():
        raise NotFound(
            N_(
                "Tệp quét không còn trên máy (có thể đã bị xóa hoặc chưa được khôi phục). "
                "Báo quản trị viên."
            )
        )
    with transaction():
        audit.record(
            actor,
            "attachment_viewed",
            attachment.dossier.code,
            f"{attachment.filename} (#{attachment.id})",
        )
    return attachment, path


def add_attachments(actor: Actor, dossier_id: int, uploads: list[Upload]) -> list[Attachment]:
    """Attach more scans to a dossier already received (digitising after the counter)."""
    if not actor.has_role("reception", "specialist"):
        raise NotAllowed(N_("Bạn không có quyền thêm tệp quét cho hồ sơ."))
    dossier = db.session.get(Dossier, dossier_id)
    if dossier is None:
        raise NotFound(N_("Không tìm thấy hồ sơ."))
    if not uploads:
        raise InvalidInput({"attachments": N_("Chọn ít nhất một tệp quét.")})
    files = check_uploads(uploads)
    staged = StagedFiles()
    staged.write_all(files)
    try:
        with transaction():
            rows = attach(dossier.id, actor, staged, [d.id for d in dossier.documents])
            audit.record(actor, "attachment_added", dossier.code, f"{len(rows)} tệp")
    except BaseException:
        staged.discard()
        raise
    staged.publish()
    return rows
