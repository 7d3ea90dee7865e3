"""A backup just taken survives its own rotation, however fast «Sao lưu» is pressed (issue 9).

The fuzz of every route found it: three backups within one second named the
second one a second ahead; the third then took the first's freed name, was the
older of the day, was rotated away before the page could read its size: a 500.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask

from counter.domain.clock import VN
from counter.domain.retention import Retention
from counter.services import backup
from tests.conftest import PG_URL

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="file backups are for the SQLite default")


def test_three_backups_in_one_second_each_exist_when_taken(app: Flask, tmp_path: Path) -> None:
    moment = datetime(2026, 12, 1, 9, 30, 0, tzinfo=VN)
    retention = Retention(daily=7, weekly=4, monthly=12)
    for _ in range(3):
        path = backup.take_backup(tmp_path, retention=retention, now=moment)
        assert path.is_file(), path.name
