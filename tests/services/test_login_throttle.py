"""The sign-in throttle on the clock: waits that double, refusals counted per window,
old failures forgotten and pruned."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask

from counter.domain.errors import ValidationError
from counter.extensions import db
from counter.models import AuditEntry, LoginFailure
from counter.services.accounts import LoginThrottled, ThrottlePolicy, sign_in

T0 = datetime(2026, 12, 2, 1, 30, tzinfo=UTC)
POLICY = ThrottlePolicy(
    free_failures=3,
    first_delay=timedelta(seconds=2),
    max_delay=timedelta(minutes=15),
    address_cap=1000,
    window=timedelta(minutes=15),
)
A = "10.0.0.66"


def _wrong(at: datetime, address: str = A) -> None:
    with pytest.raises(ValidationError) as caught:
        sign_in("tiepnhan", "sai-mat-khau", address, "test", policy=POLICY, now=at)
    assert not isinstance(caught.value, LoginThrottled)


def _wait(at: datetime, address: str = A) -> timedelta:
    """How long the right password is told to wait at ``at``."""
    with pytest.raises(LoginThrottled) as caught:
        sign_in("tiepnhan", "tiepnhan123", address, "test", policy=POLICY, now=at)
    return caught.value.wait


def test_the_wait_doubles_with_each_failure_up_to_the_cap(app: Flask) -> None:
    assert [POLICY.delay(n).total_seconds() for n in range(1, 6)] == [0, 0, 0, 2, 4]
    at = T0
    for _ in range(3):  # a few typing mistakes cost nothing
        _wrong(at)
    waits = []
    for _ in range(12):
        _wrong(at)
        wait = _wait(at)
        waits.append(wait.total_seconds())
        at += wait
    assert waits == [2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900]
    # Once the wait is over the right password signs in.
    assert sign_in("tiepnhan", "tiepnhan123", A, "test", policy=POLICY, now=at).user.username == (
        "tiepnhan"
    )


def test_refusals_make_one_audit_row_per_window_with_their_count(app: Flask) -> None:
    for _ in range(4):
        _wrong(T0)
    policy_wait = POLICY.delay(4)
    assert policy_wait == timedelta(seconds=2)
    # Keep the address waiting: one more failure each time the wait ends.
    at = T0
    for _ in range(9):
        at += _wait(at)
        _wrong(at)
    for second in range(50):
        _wait(at + timedelta(milliseconds=second))
    rows = list(
        db.session.scalars(
            db.select(AuditEntry)
            .where(AuditEntry.action == "login_throttled")
            .order_by(AuditEntry.id)
        )
    )
    # Refusals from T0 to T0 + 8.5 min, then at T0 + 17 min: two 15-minute windows, two rows.
    assert len(rows) == 2
    assert sum(int(r.detail.removeprefix("refused=")) for r in rows) == 9 + 50
    assert {(r.target, r.address) for r in rows} == {("tiepnhan", A)}


def test_failures_are_forgotten_after_a_day_and_their_rows_pruned(app: Flask) -> None:
    for _ in range(4):
        _wrong(T0)
    _wrong(T0 + timedelta(hours=2), address="10.0.0.8")
    assert db.session.scalar(db.select(db.func.count(LoginFailure.id))) == 2
    later = T0 + timedelta(hours=25)
    _wrong(later, address="10.0.0.9")
    left = {(r.address, r.failures) for r in db.session.scalars(db.select(LoginFailure))}
    assert left == {("10.0.0.8", 1), ("10.0.0.9", 1)}
    # The first address starts afresh: its old failures no longer cost a wait.
    for _ in range(3):
        _wrong(later)
    assert sign_in("tiepnhan", "tiepnhan123", A, "test", policy=POLICY, now=later).user
