"""Logging is configured once, by the software: migrations do not silence its INFO lines."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PG_URL

ROOT = Path(__file__).resolve().parents[2]

# What run.py does at start, then a line like the daily backup's.
SCRIPT = """
import logging, sys
import run
from counter import create_app
from counter.services.setup import initialize

run.configure_logging()
instance = sys.argv[1]
app = create_app({"INSTANCE_PATH": instance, "SECRET_KEY": "x",
                  "DATABASE_URL": f"sqlite:///{instance}/counter.db"})
with app.app_context():
    initialize()
logging.getLogger("counter").info("Đã sao lưu tự động: thử")
"""


@pytest.mark.skipif(bool(PG_URL), reason="run.py's start on the SQLite default")
def test_an_info_line_of_the_software_shows_after_the_database_is_upgraded(
    template_db: dict[str, Any], tmp_path: Path
) -> None:
    shutil.copy(template_db["path"], tmp_path / "counter.db")
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "INFO counter: Đã sao lưu tự động: thử" in result.stderr
