"""The numbering service: one sequence per kind, scope and day, never a number twice.

The concurrency test runs on PostgreSQL too when CI sets COUNTER_TEST_DATABASE_URL;
the restore tests are for the SQLite file the restore replaces.
"""

from __future__ import annotations

import gzip
import shutil
import threading
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import downgrade, upgrade

from counter.extensions import db
from counter.models import DailySequence
from counter.services import backup, numbering, transaction
from tests.conftest import PG_URL, make_app

AGENCY = "000.20.18.H18"
DAY = date(2025, 11, 28)
NEXT_DAY = date(2025, 11, 29)

sqlite_only = pytest.mark.skipif(bool(PG_URL), reason="file backups are for the SQLite default")


def take(kind: str, scope: str, day: date, n: int = 1) -> list[int]:
    """``n`` numbers, each in a transaction of its own, as each use case takes one."""
    numbers = []
    for _ in range(n):
        with transaction():
            numbers.append(numbering.next_number(kind, scope, day))
    return numbers


def test_numbers_follow_each_other_within_a_scope_and_day(app: Flask) -> None:
    assert take("ticket", "A", DAY, 3) == [1, 2, 3]
    assert take("ticket", "A", DAY) == [4]


def test_each_day_starts_again_from_one_and_keeps_its_own_count(app: Flask) -> None:
    take("ticket", "A", DAY, 3)
    assert take("ticket", "A", NEXT_DAY, 2) == [1, 2]
    assert take("ticket", "A", DAY) == [4]


def test_kinds_and_scopes_count_apart(app: Flask) -> None:
    take(numbering.DOSSIER, AGENCY, DAY, 2)
    assert take(numbering.NOTICE, "02", DAY) == [1]
    assert take(numbering.NOTICE, "03", DAY) == [1]
    assert take("ticket", "A", DAY) == [1]
    assert take("ticket", "B", DAY) == [1]
    assert take(numbering.DOSSIER, "000.00.00.H41", DAY) == [1]
    assert take(numbering.DOSSIER, AGENCY, DAY) == [3]


def test_the_formatted_numbers(app: Flask) -> None:
    with transaction():
        assert numbering.dossier_code(AGENCY, DAY) == "000.20.18.H18-251128-0001"
        assert numbering.notice_number("02", DAY) == "02-251128-0001"
        assert numbering.notice_number("03", DAY) == "03-251128-0001"
        first = numbering.ledger_number(DAY)
        # One ledger book a year; its numbers run through the year, across days.
        assert numbering.ledger_number(NEXT_DAY) == ("2025", first.seq + 1)
        assert numbering.ledger_number(date(2024, 3, 1)) == ("2024", 1)
        assert numbering.ledger_number(date(2024, 12, 31)) == ("2024", 2)
    assert first.book == "2025"


def test_a_number_taken_by_a_transaction_that_failed_is_taken_again(app: Flask) -> None:
    take("ticket", "A", DAY)
    with pytest.raises(RuntimeError), transaction():
        assert numbering.next_number("ticket", "A", DAY) == 2
        raise RuntimeError("the use case failed after taking its number")
    assert take("ticket", "A", DAY) == [2]


def test_sixteen_threads_at_once_get_sixteen_distinct_consecutive_numbers(app: Flask) -> None:
    barrier = threading.Barrier(16)
    numbers: list[int] = []
    errors: list[BaseException] = []

    def allocate() -> None:
        try:
            with app.app_context():
                barrier.wait()
                for _ in range(5):
                    with transaction():
                        numbers.append(numbering.next_number("ticket", "A", DAY))
                db.session.remove()
        except BaseException as err:  # reported below
            errors.append(err)

    threads = [threading.Thread(target=allocate) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(numbers) == list(range(1, 81))
    assert take("ticket", "A", DAY) == [81]


def _issue_one_of_each() -> dict[str, str | int]:
    """A dossier code, a ledger number and a form 02 number, committed."""
    with transaction():
        return {
            "code": numbering.dossier_code(AGENCY, DAY),
            "ledger": numbering.ledger_number(DAY).seq,
            "notice": numbering.notice_number("02", DAY),
        }


@sqlite_only
def test_after_a_restore_no_number_issued_since_the_backup_is_issued_again(
    app: Flask, tmp_path: Path
) -> None:
    _issue_one_of_each()
    path = backup.take_backup(tmp_path / "bk")
    issued_after = [_issue_one_of_each(), _issue_one_of_each()]
    backup.restore(path, tmp_path / "bk")
    after_restore = _issue_one_of_each()
    assert after_restore == {
        "code": "000.20.18.H18-251128-0004",
        "ledger": int(issued_after[-1]["ledger"]) + 1,
        "notice": "02-251128-0004",
    }


@sqlite_only
def test_a_backup_from_before_the_kind_and_scope_columns_keeps_the_marks_too(
    app: Flask, tmp_path: Path
) -> None:
    """A backup taken by the previous version is restored, then upgraded as run.py does."""
    _issue_one_of_each()
    taken = backup.take_backup(tmp_path / "bk")
    old = tmp_path / "old" / "counter-2025-11-28_090000.db"
    old.parent.mkdir()
    with gzip.open(taken, "rb") as src, open(old, "wb") as out:
        shutil.copyfileobj(src, out)
    old_app = make_app(tmp_path / "old", f"sqlite:///{old}")
    with old_app.app_context():
        downgrade(revision="0010")
        db.session.remove()
        db.engine.dispose()
    issued_after = [_issue_one_of_each(), _issue_one_of_each()]

    backup.restore(old, tmp_path / "bk")
    upgrade()
    assert _issue_one_of_each() == {
        "code": "000.20.18.H18-251128-0004",
        "ledger": int(issued_after[-1]["ledger"]) + 1,
        "notice": "02-251128-0004",
    }
    kinds = {s.kind for s in db.session.scalars(db.select(DailySequence))}
    assert {numbering.DOSSIER, numbering.LEDGER, numbering.NOTICE} <= kinds


def test_raise_to_moves_a_sequence_up_never_down(app: Flask) -> None:
    day = date(2031, 3, 3)  # no demo dossier that day
    assert take(numbering.DOSSIER, "000.20.18.H18", day, 2) == [1, 2]
    with transaction():
        numbering.raise_to(numbering.DOSSIER, "000.20.18.H18", day, 7)  # the portal knows 0007
        numbering.raise_to(numbering.DOSSIER, "000.20.18.H18", day, 3)  # an older code: no effect
        numbering.raise_to(numbering.DOSSIER, "000.20.18.H18", date(2031, 3, 4), 4)  # a new day
    assert take(numbering.DOSSIER, "000.20.18.H18", day) == [8]
    assert take(numbering.DOSSIER, "000.20.18.H18", date(2031, 3, 4)) == [5]
