"""The board's voice clips: the shipped ones (static/voice) and the office's own recordings.

An admin may upload a recording to replace any clip (a WAV, MP3 or Ogg file the browser can
decode); it is stored under ``instance/voice/<name>.<ext>`` and served in preference to the
shipped clip, until the admin puts the shipped one back. Which clips exist and what they
say is :data:`counter.domain.voice.CLIPS`.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from counter import settings
from counter.domain.errors import NotAllowed, NotFound, ValidationError
from counter.domain.i18n import N_
from counter.domain.voice import CLIPS
from counter.services import Actor, audit, transaction
from counter.services.files import fsync_dir

SHIPPED = Path(__file__).resolve().parents[2] / "static" / "voice"
#: The largest recording accepted: a clip is a word or two, a few seconds at most.
MAX_BYTES = 1024 * 1024
#: (magic bytes at offset 0, extra check, extension, content type) of what browsers decode.
AUDIO_TYPES = (
    (b"RIFF", lambda head: head[8:12] == b"WAVE", "wav", "audio/wav"),
    (b"OggS", lambda head: True, "ogg", "audio/ogg"),
    (b"ID3", lambda head: True, "mp3", "audio/mpeg"),
    (b"\xff", lambda head: len(head) > 1 and head[1] & 0xE0 == 0xE0, "mp3", "audio/mpeg"),
)
CONTENT_TYPES = {ext: kind for _m, _c, ext, kind in AUDIO_TYPES}
audit.ACTIONS.update(
    {
        "voice_clip_replaced": N_("Thay đoạn âm thanh của màn hình hiển thị"),
        "voice_clip_reset": N_("Dùng lại đoạn âm thanh có sẵn"),
    }
)


@dataclass(frozen=True)
class Clip:
    """One clip as the admin page lists it."""

    name: str
    text: str
    replaced: bool


def _own_dir() -> Path:
    return settings.current().instance_path / "voice"


def _known(name: str) -> str:
    if name not in CLIPS:
        raise NotFound(N_("Không có đoạn âm thanh này."))
    return name


def _own_files(name: str) -> list[Path]:
    folder = _own_dir()
    return [
        folder / f"{name}.{ext}" for ext in CONTENT_TYPES if (folder / f"{name}.{ext}").exists()
    ]


def clip_file(name: str) -> tuple[Path, str]:
    """The file to play for a clip and its content type: the office's own, else the shipped."""
    own = _own_files(_known(name))
    if own:
        path = own[0]
        return path, CONTENT_TYPES[path.suffix[1:]]
    return SHIPPED / f"{name}.wav", "audio/wav"


def list_clips() -> list[Clip]:
    """Every clip, in the order of the phrase table, and whether the office replaced it."""
    return [Clip(name, text, bool(_own_files(name))) for name, text in CLIPS.items()]


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise NotAllowed(N_("Chỉ quản trị viên được thay âm thanh của màn hình hiển thị."))


def _audio_type(data: bytes, filename: str) -> str:
    """The extension of an accepted recording, or a Vietnamese refusal."""
    if not data:
        raise ValidationError(N_("Tệp '%(name)s' rỗng."), field="file", name=filename)
    if len(data) > MAX_BYTES:
        raise ValidationError(
            N_("Tệp '%(name)s' quá lớn; mỗi đoạn âm thanh tối đa %(max)s KB."),
            field="file",
            name=filename,
            max=MAX_BYTES // 1024,
        )
    head = data[:16]
    for magic, check, extension, _kind in AUDIO_TYPES:
        if head.startswith(magic) and check(head):
            return extension
    raise ValidationError(
        N_(
            "Tệp '%(name)s' không phải tệp âm thanh WAV, MP3 hoặc OGG (nội dung không khớp). "
            "Hãy ghi âm lại và lưu dạng WAV, MP3 hoặc OGG."
        ),
        field="file",
        name=filename,
    )


def replace_clip(actor: Actor, name: str, data: bytes, filename: str) -> Clip:
    """Store the office's recording of a clip; the board plays it instead of the shipped one.

    ``data`` holds at most :data:`MAX_BYTES` + 1 bytes of the upload (more is too large).
    """
    _require_admin(actor)
    _known(name)
    extension = _audio_type(data, filename)
    folder = _own_dir()
    folder.mkdir(parents=True, exist_ok=True)
    # Written aside then renamed: a board fetching the clip meanwhile gets the old or the new.
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        target = folder / f"{name}.{extension}"
        for old in _own_files(name):
            if old != target:
                old.unlink()
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_dir(folder)
    with transaction():
        audit.record(actor, "voice_clip_replaced", name, filename[:200])
    return Clip(name, CLIPS[name], True)


def reset_clip(actor: Actor, name: str) -> Clip:
    """Put the shipped clip back: the office's recording of it is deleted."""
    _require_admin(actor)
    _known(name)
    for own in _own_files(name):
        own.unlink()
    with transaction():
        audit.record(actor, "voice_clip_reset", name)
    return Clip(name, CLIPS[name], False)


def version() -> str:
    """Changes when the office replaces or resets a clip (the board then fetches clips anew)."""
    try:
        return str(_own_dir().stat().st_mtime_ns)
    except FileNotFoundError:
        return "0"
