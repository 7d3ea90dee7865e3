"""``flask --app counter sync run|status``: the summary line, exit codes, and kill -9 mid-batch."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from counter.extensions import db
from counter.models.portal import SyncLease
from counter.portal import sender
from counter.services import transaction
from tests.portal.helpers import assert_portal_matches_local, bulk_dossiers, fault
from tools.portal_sim import SimServer

ROOT = Path(__file__).resolve().parents[2]


def test_run_prints_the_summary_and_exits_zero_when_all_went(
    portal_app: Flask, sim: SimServer, runner: Any
) -> None:
    pending = sender.counts().pending
    result = runner.invoke(args=["sync", "status"])
    assert result.output.startswith(f"pending {pending}, sent 0, parked 0\n")
    result = runner.invoke(args=["sync", "run"])
    assert (result.exit_code, result.output) == (0, f"sent {pending}, parked 0, pending 0\n")
    assert runner.invoke(args=["sync", "status"]).output == f"pending 0, sent {pending}, parked 0\n"
    assert_portal_matches_local(sim.url)


def test_run_exits_non_zero_when_something_is_left(
    portal_app: Flask, sim: SimServer, runner: Any
) -> None:
    sim.stop()
    result = runner.invoke(args=["sync", "run"])
    assert result.exit_code == 1
    assert "sent 0, parked 0, pending" in result.output
    assert "Không kết nối được với cổng." in result.output
    sim.start()
    code = bulk_dossiers(1, prefix="PK") and "PK-000000"
    fault(sim.url, mode="reject", ma_ho_so=code)
    result = runner.invoke(args=["sync", "run"])
    # Its progress entry waits behind it.
    assert result.exit_code == 1 and "parked 1, pending 1" in result.output


def test_run_when_another_sync_holds_the_lease_and_when_not_configured(
    portal_app: Flask, runner: Any
) -> None:
    assert sender.acquire_lease(sender.new_holder(), sender.timedelta(minutes=5))
    result = runner.invoke(args=["sync", "run"])
    assert result.exit_code == 2 and "Một lần đồng bộ khác đang chạy" in result.output
    portal_app.config["PORTAL_URL"] = None
    result = runner.invoke(args=["sync", "run"])
    assert result.exit_code == 1 and "COUNTER_PORTAL_URL" in result.output


def _flask_sync(app: Flask, sim: SimServer) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "COUNTER_DATABASE_URL": app.config["DATABASE_URL"],
        "COUNTER_SECRET_KEY": "test-secret",
        "COUNTER_PORTAL_URL": sim.url,
        "COUNTER_PORTAL_USER": "counter",
        "COUNTER_PORTAL_PASSWORD": "counter",
        "COUNTER_PORTAL_BATCH": "5",
        "COUNTER_PORTAL_TIMEOUT": "20",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "counter", "sync", "run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for(condition: Any, seconds: float = 120) -> None:
    end = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.02)


@pytest.mark.skipif(os.name == "nt", reason="SIGKILL")
@pytest.mark.parametrize("moment", ["in_a_request", "between_requests"])
def test_5_kill_9_mid_batch_then_the_batch_is_sent_again(
    portal_app: Flask, sim: SimServer, moment: str
) -> None:
    bulk_dossiers(30, prefix="KL")
    db.session.commit()
    api = lambda: [r for r in sim.state.requests if r["kind"] == "api"]  # noqa: E731
    if moment == "in_a_request":
        # The third request hangs in the portal, which applies it after the sender is dead.
        sim.state.hang_seconds = 2.0
        fault(sim.url, mode="hang", count=1, after=2)
        child = _flask_sync(portal_app, sim)
        _wait_for(lambda: not sim.state.faults)  # the hung request has arrived
        child.send_signal(signal.SIGKILL)
        _wait_for(lambda: len(api()) == 3)  # and is applied
    else:
        child = _flask_sync(portal_app, sim)
        _wait_for(lambda: len(api()) >= 4)
        child.send_signal(signal.SIGKILL)
    assert child.wait(30) == -signal.SIGKILL
    child.stdout.close()  # type: ignore[union-attr]
    child.stderr.close()  # type: ignore[union-attr]

    db.session.expire_all()
    lease = db.session.get(SyncLease, sender.LEASE_NAME)
    assert lease.holder and lease.holder.split(":")[1] == str(child.pid)  # left behind
    with transaction():
        pass
    summary = sender.run_sync("test")  # at once: the lease's holder is dead
    assert summary.ok, summary
    assert_portal_matches_local(portal_app.config["PORTAL_URL"])
