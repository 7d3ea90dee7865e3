"""What a start loads: the app is built without the libraries only some pages or commands use.

A start of the app (and every ``flask`` command, ``flask --help`` included) builds it with
``create_app``; the printer stack, the spreadsheet library and Alembic are imported when
a slip is printed, a spreadsheet made or the database migrated (issue 15: the start's
time). Each check runs in a fresh interpreter, where nothing was imported before.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAZY = ("alembic", "flask_migrate", "mako", "escpos", "PIL", "segno", "openpyxl")


def _run(code: str, tmp_path: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        # Everything the app would keep in the checkout's instance folder goes to tmp_path.
        env={
            "PATH": "/usr/bin:/bin",
            "COUNTER_DATABASE_URL": f"sqlite:///{tmp_path / 'counter.db'}",
            "COUNTER_SECRET_KEY": "test",
            "COUNTER_PORTAL_SYNC_KEY": "test",
            "COUNTER_BACKUP_DIR": str(tmp_path / "backups"),
        },
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_building_the_app_imports_none_of_the_libraries_used_later(tmp_path: Path) -> None:
    code = (
        "import json, sys\n"
        "from counter import create_app\n"
        f"create_app({{'INSTANCE_PATH': {str(tmp_path)!r}, 'SECRET_KEY': 'x'}})\n"
        f"print(json.dumps([m for m in {LAZY!r} if m in sys.modules]))\n"
    )
    assert json.loads(_run(code, tmp_path)) == []


@pytest.mark.parametrize("command", [["--help"], ["db", "--help"]])
def test_the_migration_commands_are_listed_and_run_when_asked(
    command: list[str], tmp_path: Path
) -> None:
    code = (
        "import sys\n"
        "from flask.cli import main\n"
        f"sys.argv = ['flask', '--app', 'counter', *{command!r}]\n"
        "main()\n"
    )
    shown = _run(
        code.replace("main()\n", "try:\n    main()\nexcept SystemExit:\n    pass\n"), tmp_path
    )
    if command == ["--help"]:
        assert "db" in shown.split("Commands:")[1].split()
    else:  # the group opened: Flask-Migrate's own commands
        assert {"upgrade", "downgrade", "current", "migrate"} <= set(shown.split())


def _flask(args: list[str], tmp_path: Path) -> str:
    """``flask --app counter ARGS`` in a fresh interpreter; its output, then the pages loaded."""
    code = (
        "import json, sys\n"
        "from flask.cli import main\n"
        f"sys.argv = ['flask', '--app', 'counter', *{args!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "pages = [m for m in ('counter.web.dossiers', 'counter.web.admin', 'counter.models')"
        " if m in sys.modules]\n"
        "print('LOADED', json.dumps(pages))\n"
    )
    return _run(code, tmp_path)


def test_listing_the_commands_loads_neither_the_pages_nor_the_models(tmp_path: Path) -> None:
    shown = _flask(["--help"], tmp_path)
    listed = shown.split("Commands:")[1].split()
    assert {"init", "backup", "restore", "print", "report", "sync", "due-date"} <= set(listed)
    assert shown.split("LOADED")[1].strip() == "[]"
    sync = _flask(["sync", "--help"], tmp_path)
    assert {"run", "pull", "check", "status", "export", "receipt"} <= set(sync.split())
    assert sync.split("LOADED")[1].strip() == "[]"


def test_a_command_that_works_runs_with_the_whole_app(tmp_path: Path) -> None:
    assert json.loads(_flask(["init"], tmp_path).split("LOADED")[1])  # the database made
    # Tuesday 1 December 2026, 3 working days: the end of Friday 4 December.
    shown = _flask(
        ["due-date", "--received", "2026-12-01 09:00", "--limit", "3", "--unit", "working_days"],
        tmp_path,
    )
    assert shown.splitlines()[0] == "2026-12-04 17:00"
    loaded = json.loads(shown.split("LOADED")[1])
    assert loaded == ["counter.web.dossiers", "counter.web.admin", "counter.models"]


def test_a_command_leaves_the_database_file_whole(tmp_path: Path) -> None:
    """SQLite keeps new pages in the -wal file until its last connection closes: a command
    that exits with its connections open leaves counter.db without them (a copy of the
    file alone, to a USB stick or a new PC, would be empty)."""
    _flask(["init"], tmp_path)
    database = tmp_path / "counter.db"
    wal = tmp_path / "counter.db-wal"
    assert not wal.exists() or wal.stat().st_size == 0
    copy = tmp_path / "copy.db"
    copy.write_bytes(database.read_bytes())  # the file alone, without its -wal
    with sqlite3.connect(copy) as conn:
        tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'")
        assert tables.fetchone()[0] > 20
