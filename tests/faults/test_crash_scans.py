"""kill -9 while dossiers with scans are received: no dossier ever points at a missing scan,
and no dossier step is left without its portal outbox rows (or rows without their step).

A worker process (tests/faults/crash_worker.py) receives dossiers with scans on the
real app and a real SQLite file, and is killed with SIGKILL at random moments. After
each kill the database passes ``PRAGMA integrity_check`` and every attachment row has
its file with the recorded size and SHA-256; after the start-up clean-up a day later,
no half-written file or orphan scan is left.
"""

from __future__ import annotations

import hashlib
import os
import queue
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PG_URL, make_app

ROOT = Path(__file__).resolve().parents[2]
KILLS = 20

pytestmark = [
    pytest.mark.skipif(bool(PG_URL), reason="the crash test runs on the SQLite file"),
    pytest.mark.skipif(not hasattr(os, "fork"), reason="the worker forks (POSIX only)"),
]


class Worker:
    """The crash worker process and a queue of the lines it prints."""

    def __init__(self, instance: Path, stderr: Path) -> None:
        self.stderr_path = stderr
        with stderr.open("w") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "tests.faults.crash_worker", str(instance)],
                cwd=ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
            )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.strip())

    def read(self, timeout: float = 60) -> str:
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            pytest.fail(f"crash worker silent; stderr:\n{self.stderr_path.read_text()}")

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.send("quit")
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                pipe.close()


def _attachments(db_path: Path, after: int) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        _check_outbox(conn)
        return conn.execute(
            "SELECT id, stored_name, size, sha256 FROM attachment WHERE id > ? ORDER BY id",
            (after,),
        ).fetchall()
    finally:
        conn.close()


def _check_outbox(conn: sqlite3.Connection) -> None:
    """sync-faults 1 and 3: each dossier step and its two outbox rows are there, or none is."""
    unpaired = conn.execute(
        "SELECT e.id FROM dossier_event e WHERE e.dossier_id IS NOT NULL AND"
        " (SELECT count(*) FROM outbox_item o WHERE o.event_id = e.id) != 2"
    ).fetchall()
    orphans = conn.execute(
        "SELECT o.id FROM outbox_item o WHERE NOT EXISTS"
        " (SELECT 1 FROM dossier d WHERE d.id = o.dossier_id) OR (o.event_id IS NOT NULL"
        " AND NOT EXISTS (SELECT 1 FROM dossier_event e WHERE e.id = o.event_id))"
    ).fetchall()
    unqueued = conn.execute(
        "SELECT d.id FROM dossier d WHERE NOT EXISTS"
        " (SELECT 1 FROM outbox_item o WHERE o.dossier_id = d.id AND o.kind = 'state')"
    ).fetchall()
    assert (unpaired, orphans, unqueued) == ([], [], [])


def _check_files(uploads: Path, rows: list[tuple[Any, ...]], kill: int) -> None:
    for attachment_id, stored_name, size, sha256 in rows:
        path = uploads / stored_name
        assert path.is_file(), f"after kill {kill}: attachment {attachment_id} has no file"
        content = path.read_bytes()
        assert len(content) == size and hashlib.sha256(content).hexdigest() == sha256, (
            f"after kill {kill}: attachment {attachment_id} does not hold what was received"
        )


def test_twenty_random_kills_leave_every_scan_row_with_its_file(
    template_db: dict[str, Any], tmp_path: Path
) -> None:
    instance = tmp_path / "instance"
    instance.mkdir()
    db_path = instance / "counter.db"
    shutil.copy(template_db["path"], db_path)
    uploads = instance / "uploads"
    rng = random.Random()
    worker = Worker(instance, tmp_path / "worker.err")
    checked = 0
    try:
        assert worker.read() == "ready"
        for kill in range(1, KILLS + 1):
            worker.send(f"run {rng.randrange(1 << 30)}")
            said = {worker.read(), worker.read()}  # the pid, and "warm" after one dossier
            assert "warm" in said, said
            pid = int((said - {"warm"}).pop())
            threading.Event().wait(rng.uniform(0, 0.3))
            os.kill(pid, signal.SIGKILL)
            exited = worker.read()
            assert exited == f"exited {-signal.SIGKILL}", (
                f"the worker stopped by itself ({exited}):\n{worker.stderr_path.read_text()}"
            )
            rows = _attachments(db_path, checked)
            _check_files(uploads, rows, kill)
            checked = rows[-1][0] if rows else checked
    finally:
        worker.close()
    assert checked >= KILLS  # each run saved at least one dossier with scans before its kill

    # A day later the start-up clean-up removes what the kills left half-done.
    from counter.services.scans import LEGACY_SWEEP_DONE, PENDING, collect_orphans

    app = make_app(instance, f"sqlite:///{db_path}")
    with app.app_context():
        collect_orphans(uploads, now=_a_day_later())
    assert [p.name for p in (uploads / PENDING).iterdir()] == [LEGACY_SWEEP_DONE]
    kept = {
        p.relative_to(uploads).as_posix()
        for p in uploads.rglob("*")
        if p.is_file() and p.parent.name != PENDING
    }
    conn = sqlite3.connect(db_path)
    referenced = {r[0] for r in conn.execute("SELECT stored_name FROM attachment")}
    conn.close()
    assert kept == referenced, "half-written or orphan files are left after the clean-up"
    _check_files(uploads, _attachments(db_path, 0), KILLS)


def _a_day_later() -> float:
    import time

    return time.time() + 25 * 3600
