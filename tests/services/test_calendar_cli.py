"""``flask --app counter due-date``: the due date from the database calendar, or a clear refusal."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.mark.parametrize(
    ("received", "limit", "unit", "expected"),
    [
        ("2026-02-13 10:00", "3", "working_days", "2026-02-25 17:00"),
        ("2026-11-27 15:30", "0", "same_day", "2026-11-30 17:00"),
        ("2026-01-09 16:00", "1", "working_days", "2026-01-10 17:00"),  # Sat 10/1 làm bù
        ("2026-11-27 15:30", "1.5", "working_hours", "2026-11-27 17:00"),
        ("2026-11-27 12:00", "4", "working_hours", "2026-11-30 07:30"),  # lunch → 13:30
        ("2026-04-01 09:00", "30", "calendar_days", "2026-05-04 17:00"),
    ],
)
def test_due_date_prints_one_line(
    runner: Any, received: str, limit: str, unit: str, expected: str
) -> None:
    result = runner.invoke(
        args=["due-date", "--received", received, "--limit", limit, "--unit", unit]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == expected + "\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--received", "27/11/2026 10:00", "--limit", "3", "--unit", "working_days"],
            "Thời điểm nhận hồ sơ không hợp lệ '27/11/2026 10:00'",
        ),
        (
            ["--received", "2026-02-30 10:00", "--limit", "3", "--unit", "working_days"],
            "Thời điểm nhận hồ sơ không hợp lệ",
        ),
        (["--limit", "3", "--unit", "working_days"], "Thiếu thời điểm nhận hồ sơ"),
        (["--received", "2026-11-27 10:00", "--unit", "working_days"], "Thiếu thời hạn giải quyết"),
        (
            ["--received", "2026-11-27 10:00", "--limit", "ba", "--unit", "working_days"],
            "Thời hạn giải quyết phải là một số, không phải 'ba'",
        ),
        (["--received", "2026-11-27 10:00", "--limit", "-2", "--unit", "working_days"], "không âm"),
        (
            ["--received", "2026-11-27 10:00", "--limit", "1.5", "--unit", "working_days"],
            "phải là số nguyên",
        ),
        (
            ["--received", "2026-11-27 10:00", "--limit", "3", "--unit", "weeks"],
            "Đơn vị thời hạn không hợp lệ 'weeks'",
        ),
        (["--received", "2026-11-27 10:00", "--limit", "3"], "Đơn vị thời hạn không hợp lệ"),
    ],
)
def test_due_date_refuses_bad_input(runner: Any, args: list[str], message: str) -> None:
    result = runner.invoke(args=["due-date", *args])
    assert result.exit_code != 0
    assert result.stdout == ""
    assert "Lỗi: " in result.stderr and message in result.stderr
