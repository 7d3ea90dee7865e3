"""What a crash leaves in the scans folder is cleaned at start, and nothing else is."""

from __future__ import annotations

import io
import os
import secrets
import time
from pathlib import Path
from typing import Any

from flask import Flask

from counter.extensions import db
from counter.models import Procedure, User
from counter.services import Actor
from counter.services.reception import DocumentLine, ReceptionInput, receive
from counter.services.scans import PENDING, Upload

PDF = b"%PDF-1.4\n" + b"ban quet " * 100


def _received_scan(app: Flask) -> Path:
    user = db.session.scalar(db.select(User).where(User.username == "tiepnhan"))
    procedure_id = db.session.scalar(
        db.select(Procedure.id).where(Procedure.national_code == "2.000815")
    )
    dossier = receive(
        Actor.for_user(user, "127.0.0.1"),
        ReceptionInput(
            procedure_id=procedure_id,
            applicant_name="Lò Văn Một",
            id_number="011190001234",
            address="Mường Phăng",
            documents=[DocumentLine("Bản chính giấy tờ", "original", 1)],
        ),
        [Upload("ban-chinh.pdf", io.BytesIO(PDF), document=0)],
    )
    return Path(app.config["UPLOAD_DIR"]) / dossier.attachments[0].stored_name


def _name() -> str:
    return f"202601/{secrets.token_hex(16)}.pdf"


def _file(root: Path, name: str, *, age_days: float) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(PDF)
    when = time.time() - age_days * 86400
    os.utime(path, (when, when))
    return path


def test_start_removes_what_a_crash_left_a_day_ago_and_nothing_else(
    app: Flask, runner: Any
) -> None:
    root = Path(app.config["UPLOAD_DIR"])
    received = _received_scan(app)
    assert not [p for p in (root / PENDING).iterdir()], "a committed reception keeps no journal"
    # A crash two days ago: one scan renamed but never committed, one still half-written;
    # the journal also names the received scan (a kill just after its commit).
    renamed, half = _name(), _name()
    renamed_file = _file(root, renamed, age_days=2)
    half_file = _file(root, half + ".part", age_days=2)
    old_journal = _file(root, f"{PENDING}/old", age_days=2)
    old_journal.write_text(f"{renamed}\n{half}\n{received.relative_to(root).as_posix()}\n")
    os.utime(old_journal, (time.time() - 2 * 86400,) * 2)
    # A reception in progress right now, a scan of some other database, and a
    # half-written file left by a version that kept no journal.
    young = _name()
    young_file = _file(root, young, age_days=0)
    young_journal = _file(root, f"{PENDING}/young", age_days=0)
    young_journal.write_text(young + "\n")
    foreign = _file(root, _name(), age_days=30)
    legacy_part = _file(root, _name() + ".part", age_days=3)
    fresh_part = _file(root, _name() + ".part", age_days=0)

    result = runner.invoke(args=["init"])
    assert result.exit_code == 0, result.output
    assert "removed 3 file(s) left by an interrupted reception" in result.output

    assert not renamed_file.exists() and not half_file.exists() and not legacy_part.exists()
    assert not old_journal.exists()
    assert received.read_bytes() == PDF
    for kept in (young_file, young_journal, foreign, fresh_part):
        assert kept.exists(), kept
    # Done once: the next start has nothing to remove.
    result = runner.invoke(args=["init"])
    assert "removed" not in result.output
