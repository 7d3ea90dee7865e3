"""Restore, then sync (docs/sync-faults.md, fault 17): a real backup and restore, the simulator over HTTP.

After yesterday's backup is restored, the outbox holds states the portal already
has, and the portal holds dossiers the database lacks. The next sync recognises
the first (not sent again, never sent over a newer state) and lists the second
on the sync page; new codes continue above the highest the portal knows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, update

from counter.extensions import db
from counter.models import DailySequence, Dossier, Procedure
from counter.models.portal import KIND_STATE, PARKED, SENT, OutboxItem
from counter.portal import pull, sender
from counter.services import backup, transaction
from counter.services import dossiers as svc
from counter.services.reception import DocumentLine, ReceptionInput, receive
from tests.conftest import PG_URL
from tests.portal.helpers import portal_state
from tests.services.test_lifecycle_service import actor_for
from tools.portal_sim import SimServer


def receive_one(i: int) -> str:
    procedure_id = db.session.scalar(
        select(Procedure.id).where(Procedure.national_code == "1.004873")
    )
    return receive(
        actor_for("reception"),
        ReceptionInput(
            procedure_id=procedure_id,
            applicant_name=f"Người nộp {i}",
            id_number=f"01119000{i:04d}",
            address="Bản Che Căn, xã Mường Phăng",
            documents=[DocumentLine("Tờ khai", "original", 1)],
        ),
    ).code


def state_requests(sim: SimServer, since: int) -> list[str]:
    """The MaHoSo of every dossier state sent after request number ``since``."""
    return [
        item["MaHoSo"]
        for r in sim.state.requests[since:]
        if r["kind"] == "api" and r["body"].get("service") == "DongBoHoSoMC"
        for item in r["body"]["data"]
    ]


def by_code(code: str) -> Dossier | None:
    db.session.expire_all()
    return db.session.scalar(select(Dossier).where(Dossier.code == code))


FILE_BACKUPS = pytest.mark.skipif(bool(PG_URL), reason="file backups are for the SQLite default")


@FILE_BACKUPS
def test_restore_then_sync_recognises_holds_back_and_lists_what_is_missing(
    portal_app: Flask, sim: SimServer, login_as: Any
) -> None:
    assert sender.run_sync("test").ok  # the demo data is on the portal
    # Yesterday: two dossiers received, not yet sent when the backup was taken.
    handed, unchanged = receive_one(1), receive_one(2)
    backups = Path(portal_app.config["BACKUP_DIR"])
    path = backup.take_backup(backups)
    sequence = db.session.scalar(
        select(DailySequence.last_seq).where(DailySequence.kind == "dossier")
    )
    # After the backup: both delivered, one handed over (delivered too), a third received.
    assert sender.run_sync("test").ok
    dossier = by_code(handed)
    svc.hand_over(
        actor_for("reception"), dossier.id, version=dossier.version, to_unit="Tư pháp - Hộ tịch"
    )
    lost = receive_one(3)
    assert sender.run_sync("test").ok
    before = portal_state(sim.url)
    assert before["dossiers"][handed]["TrangThaiHoSo"] == 4
    # The PC dies; a new one is set up with yesterday's backup (its numbers are the backup's).
    with transaction():
        db.session.execute(
            update(DailySequence).where(DailySequence.kind == "dossier").values(last_seq=sequence)
        )
    backup.restore(path, backups)
    assert by_code(lost) is None and pull.check_due()

    requests_before = len(sim.state.requests)
    summary = sender.run_sync("test")
    assert summary.checked is not None
    assert summary.checked.recognised == [unchanged]
    assert summary.checked.held_back == [handed]
    assert summary.checked.missing == [lost]
    assert not pull.check_due()
    # Not sent again: the portal had it as it is. Not sent over the portal's newer state.
    sent_states = state_requests(sim, requests_before)
    assert unchanged not in sent_states and handed not in sent_states
    after = portal_state(sim.url)
    assert after["dossiers"][handed]["TrangThaiHoSo"] == 4
    assert after["history"][handed] == before["history"][handed]
    assert after["history"][unchanged] == before["history"][unchanged]
    assert after["progress"] == before["progress"]  # each MaTienDo recognised, none doubled
    db.session.expire_all()
    parked = db.session.scalars(
        select(OutboxItem).where(OutboxItem.status == PARKED, OutboxItem.kind == KIND_STATE)
    ).all()
    assert {i.dossier.code for i in parked} == {handed}
    assert "chưa từng gửi" in parked[0].portal_message
    assert {
        i.status
        for i in db.session.scalars(
            select(OutboxItem).where(OutboxItem.dossier_id == by_code(unchanged).id)
        )
    } == {SENT}

    # The sync page lists the missing dossier with its code, and the held-back one's reason.
    html = login_as("lanhdao").get("/dong-bo/").get_data(as_text=True)
    assert "Có trên cổng, không có tại máy" in html and lost in html
    assert "chưa từng gửi" in html

    # The next code is above the one the portal knows: never issued twice.
    new = receive_one(4)
    assert new != lost and int(new[-4:]) > int(lost[-4:])


@FILE_BACKUPS
def test_a_failed_check_sends_nothing_and_stays_due(
    portal_app: Flask, sim: SimServer, tmp_path: Path
) -> None:
    receive_one(1)
    path = backup.take_backup(tmp_path / "bk")
    backup.restore(path, tmp_path / "bk")
    sim.stop()
    summary = sender.run_sync("test")
    assert summary.failed and summary.sent == 0 and pull.check_due()
    sim.start()
    assert sender.run_sync("test").checked is not None and not pull.check_due()


def test_sync_check_from_the_terminal(portal_app: Flask, sim: SimServer, runner: Any) -> None:
    assert sender.run_sync("test").ok
    result = runner.invoke(args=["sync", "check"])
    assert result.exit_code == 0
    assert result.output.startswith("listed ") and "missing here 0" in result.output
