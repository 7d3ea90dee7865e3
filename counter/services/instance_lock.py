"""The running software's hold on its instance folder, so that a restore never runs beside it.

run.py holds an OS-level lock on ``instance/counter.lock`` for as long as it serves
(``fcntl.flock`` on POSIX, ``msvcrt.locking`` on Windows); ``flask restore`` takes the
same lock for the time of the restore and refuses when it cannot. The operating system
drops the lock with the process, so a kill or a power cut leaves no stale lock: the
file left behind means nothing by itself.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO

LOCK_FILE = "counter.lock"

if os.name == "nt":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _lock(handle: IO[bytes]) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)

    def _unlock(handle: IO[bytes]) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(handle: IO[bytes]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(handle: IO[bytes]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


class InstanceLock:
    """A held lock; released by :meth:`release`, or by the process ending."""

    def __init__(self, handle: IO[bytes]) -> None:
        self._handle: IO[bytes] | None = handle

    def release(self) -> None:
        """Let another process (a restore, a new start) take the lock."""
        if self._handle is None:
            return
        try:
            _unlock(self._handle)
        finally:
            self._handle.close()
            self._handle = None

    def __enter__(self) -> InstanceLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def acquire(instance: Path) -> InstanceLock | None:
    """Take the instance folder's lock without waiting; None when another process holds it."""
    instance.mkdir(parents=True, exist_ok=True)
    handle = open(instance / LOCK_FILE, "a+b")  # noqa: SIM115 - kept open while held
    try:
        _lock(handle)
    except OSError:
        handle.close()
        return None
    # For a person looking at the folder: which process holds it.
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n".encode("ascii"))
    handle.flush()
    return InstanceLock(handle)
