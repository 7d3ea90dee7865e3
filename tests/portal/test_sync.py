"""The sync end to end against the simulator over real HTTP (docs/sync-faults.md §Sync).

After every scenario the portal holds exactly the local state: each dossier as it
is now, its states applied in order (none goes back), each event's entry once.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from counter.domain.clock import now as utcnow
from counter.domain.errors import Conflict, NotAllowed, NotFound
from counter.extensions import db
from counter.models import Dossier, DossierEvent
from counter.models.portal import (
    KIND_PROGRESS,
    KIND_STATE,
    PARKED,
    PENDING,
    SENT,
    OutboxItem,
    PortalDossier,
    SyncLease,
    SyncRun,
)
from counter.portal import sender
from counter.services import Actor
from counter.services import dossiers as svc
from tests.portal.helpers import assert_portal_matches_local, bulk_dossiers, fault
from tests.services.test_lifecycle_service import actor_for
from tools.portal_sim import SimServer


def run(**kw: Any) -> sender.SyncSummary:
    return sender.run_sync("test", **kw)


def later(seconds: float = 5) -> Any:
    """A clock past the resend grace (twice the 0.5 s timeout) of a request given up on."""
    return lambda: utcnow() + timedelta(seconds=seconds)


def items(status: str | None = None, kind: str | None = None) -> list[OutboxItem]:
    db.session.expire_all()
    query = select(OutboxItem).order_by(OutboxItem.id)
    if status:
        query = query.where(OutboxItem.status == status)
    if kind:
        query = query.where(OutboxItem.kind == kind)
    return list(db.session.scalars(query))


def api_requests(sim: SimServer) -> list[dict[str, Any]]:
    return [r for r in sim.state.requests if r["kind"] == "api"]


def sent_keys(request: dict[str, Any]) -> list[str]:
    body = request["body"]
    key = "MaHoSo" if body["service"] == "DongBoHoSoMC" else "MaTienDo"
    return [item[key] for item in body["data"]]


def hand_over(dossier_id: int) -> None:
    dossier = svc.get_dossier(dossier_id)
    svc.hand_over(
        actor_for("reception"),
        dossier_id,
        version=dossier.version,
        to_unit="Công chức Tư pháp - Hộ tịch",
    )


# --- capture -------------------------------------------------------------------------------


def test_each_event_queues_the_state_and_its_progress_entry_in_its_transaction(
    portal_app: Flask,
) -> None:
    before = len(items())
    [dossier_id] = bulk_dossiers(1)
    queued = items()[before:]
    assert [(i.kind, i.status) for i in queued] == [(KIND_STATE, PENDING), (KIND_PROGRESS, PENDING)]
    assert queued[1].progress_key and len(queued[1].progress_key) == 32
    # A change refused (another officer changed the dossier first) queues nothing.
    dossier = svc.get_dossier(dossier_id)
    with pytest.raises(Conflict):
        svc.hand_over(actor_for("reception"), dossier_id, version=dossier.version + 1, to_unit="X")
    assert len(items()) == before + 2
    hand_over(dossier_id)
    assert len(items()) == before + 4


# --- a clean run ---------------------------------------------------------------------------


def test_everything_reaches_the_portal_once_and_updates_say_so(
    portal_app: Flask, sim: SimServer
) -> None:
    total = sender.counts().pending
    assert total > 0  # the demo dossiers, queued by the services that made them
    summary = run()
    assert (summary.sent, summary.parked, summary.pending, summary.failed) == (total, 0, 0, False)
    assert summary.line() == f"sent {total}, parked 0, pending 0"
    assert_portal_matches_local(sim.url)
    requests = api_requests(sim)
    assert all(len(r["body"]["data"]) <= 5 for r in requests)  # PORTAL_BATCH pages
    first = [r["body"] for r in requests if r["body"]["service"] == "DongBoHoSoMC"]
    assert {b["isUpdating"] for b in first} == {"False"}
    # Every dossier's step is marked sent (a notice given at the counter has no dossier
    # and is not a progress entry of one).
    steps = db.session.scalars(select(DossierEvent).where(DossierEvent.dossier_id.is_not(None)))
    assert all(e.synced_at is not None for e in steps)

    assert run().sent == 0 and len(api_requests(sim)) == len(requests)  # nothing twice

    dossier_id = db.session.scalar(
        select(Dossier.id).where(Dossier.status == "received").order_by(Dossier.id).limit(1)
    )
    hand_over(dossier_id)
    assert run().sent == 2
    last_state = [r for r in api_requests(sim) if r["body"]["service"] == "DongBoHoSoMC"][-1]
    assert last_state["body"]["isUpdating"] == "True"
    assert_portal_matches_local(sim.url)


def test_only_the_latest_state_is_sent_and_entries_follow_in_order(
    portal_app: Flask, sim: SimServer
) -> None:
    run()
    [dossier_id] = bulk_dossiers(1, prefix="LT")
    hand_over(dossier_id)  # received → in_progress while offline
    sim.state.requests.clear()
    run()
    states = [r for r in api_requests(sim) if r["body"]["service"] == "DongBoHoSoMC"]
    assert [len(r["body"]["data"]) for r in states] == [1]  # one state for two events
    assert states[0]["body"]["data"][0]["TrangThaiHoSo"] == 4
    progress = [r for r in api_requests(sim) if r["body"]["service"] == "CapNhatTienDoHoSoMC"]
    assert [e["TrangThai"] for r in progress for e in r["body"]["data"]] == [2, 4]
    assert sim.state.history["LT-000000"] == [4]
    assert_portal_matches_local(sim.url)


# --- §Sync faults --------------------------------------------------------------------------


def test_6_reply_lost_after_commit_is_recognised_on_retry(
    portal_app: Flask, sim: SimServer
) -> None:
    fault(sim.url, mode="drop_reply", count=1)
    t0 = utcnow()
    first = run(now=lambda: t0)
    assert first.failed and first.sent == 0 and first.pending > 0
    lost = [i for i in items(kind=KIND_STATE) if i.attempts]
    assert all(i.status == PENDING and i.attempts == 1 for i in lost)
    assert len(sim.state.dossiers) == 5  # one page, applied
    assert set(sim.state.dossiers) == {i.dossier.code for i in lost}

    # Within the grace of a request given up on, these wait; the others go.
    run(now=lambda: t0 + timedelta(seconds=0.5))
    assert {i.id for i in items(PENDING, KIND_STATE)} == {i.id for i in lost}
    second = run(now=lambda: t0 + timedelta(seconds=1.5))
    assert second.ok
    assert_portal_matches_local(sim.url)


def test_7_link_lost_after_k_batches_sends_only_the_rest(portal_app: Flask, sim: SimServer) -> None:
    fault(sim.url, mode="cut", count=1, after=2)
    first = run()
    assert first.failed and first.sent == 10  # two pages of five dossiers
    delivered = {i.dossier.code for i in items(SENT)}
    assert delivered == set(sim.state.dossiers)
    sim.state.requests.clear()
    assert run(now=later()).ok
    resent = {key for r in api_requests(sim) for key in sent_keys(r)}
    assert not resent & delivered
    assert_portal_matches_local(sim.url)


def test_8_a_code_of_another_office_is_a_conflict_for_a_person(
    portal_app: Flask, sim: SimServer
) -> None:
    code = db.session.scalar(select(Dossier.code).order_by(Dossier.id).limit(1))
    sim.state.offices[code] = "OTHER.H18"
    summary = run()
    assert summary.parked == 1 and not summary.ok
    [parked] = items(PARKED)
    assert (parked.dossier.code, parked.portal_code) == (code, "3")
    assert "đơn vị khác" in parked.portal_message
    assert code not in sim.state.dossiers  # never overwritten
    # Its progress entries wait behind it; every other dossier went.
    waiting = items(PENDING)
    assert waiting and {i.dossier.code for i in waiting} == {code}
    assert run().parked == 0 and len(items(PARKED)) == 1  # not retried, not dropped
    assert_portal_matches_local(sim.url, absent={code})


def test_9_permanent_refusal_parks_survives_a_restart_and_is_requeued(
    portal_app: Flask, sim: SimServer
) -> None:
    code = db.session.scalar(select(Dossier.code).order_by(Dossier.id.desc()).limit(1))
    fault(sim.url, mode="reject", ma_ho_so=code, message="Sai mã thủ tục")
    summary = run()
    assert summary.parked == 1 and summary.pending > 0
    db.session.remove()  # as after a restart: only the database remembers
    parked_items = items(PARKED)  # the dossier's changes, which went as one state
    assert {(i.dossier.code, i.kind) for i in parked_items} == {(code, KIND_STATE)}
    parked = parked_items[-1]
    assert (parked.portal_code, parked.portal_message) == ("4", "Sai mã thủ tục")
    before = len(api_requests(sim))
    assert run().sent == 0 and len(api_requests(sim)) == before  # no retry of a refusal

    with pytest.raises(NotAllowed):
        sender.requeue(actor_for("reception"), parked.id)
    fault(sim.url, clear=True)
    assert sender.requeue(actor_for("leader"), parked.id) == len(parked_items)
    assert run().ok
    assert_portal_matches_local(sim.url)


@pytest.mark.parametrize("mode", ["error500", "hang", "refused"])
def test_10_transient_failures_back_off_capped_and_the_wait_is_kept(
    portal_app: Flask, sim: SimServer, mode: str
) -> None:
    def fail_once() -> sender.SyncSummary:
        if mode == "refused":
            sim.stop()
            try:
                return run(respect_backoff=True, now=clock)
            finally:
                sim.start()
        fault(sim.url, mode=mode, count=1)
        return run(respect_backoff=True, now=clock)

    now = utcnow()
    clock = lambda: now  # noqa: E731
    summary = fail_once()
    assert summary.failed and summary.sent == 0
    tried = [i for i in items() if i.attempts]
    assert len({i.dossier_id for i in tried}) == 5  # one page of five dossiers
    assert all(i.status == PENDING and i.kind == KIND_STATE for i in tried)
    assert {i.next_attempt_at for i in tried} == {now + timedelta(seconds=30)}
    assert all(i.last_error for i in tried)
    if mode == "hang":  # the hung request lands after the client gave up
        threading.Event().wait(1.0)

    db.session.remove()  # a restart: the waits are in the database
    now += timedelta(seconds=10)
    retried = run(respect_backoff=True, now=clock)  # the others go; these wait
    assert retried.ok is False and retried.sent > 0
    assert {i.id for i in items(PENDING, KIND_STATE)} == {i.id for i in tried}

    for attempts, wait in [(2, 60), (3, 120)]:
        now += timedelta(seconds=wait)
        fail_once()
        assert {i.attempts for i in items(PENDING, KIND_STATE)} == {attempts}
    db.session.execute(
        update(OutboxItem).where(OutboxItem.id.in_([i.id for i in tried])).values(attempts=20)
    )
    db.session.commit()
    now += timedelta(seconds=240)
    fail_once()
    capped = {now + timedelta(hours=1)}
    assert {i.next_attempt_at for i in items(PENDING, KIND_STATE)} == capped

    now += timedelta(hours=1)
    assert run(respect_backoff=True, now=clock).ok
    assert_portal_matches_local(sim.url)


def test_11_a_month_of_backlog_drains_in_pages_and_resumes(
    portal_app: Flask, sim: SimServer
) -> None:
    portal_app.config["PORTAL_BATCH"] = 50
    bulk_dossiers(3000)
    fault(sim.url, mode="error500", count=1, after=30)
    first = run()
    assert first.failed and first.sent == 30 * 50  # 30 pages of 50 dossiers
    assert run(now=later()).ok
    requests = api_requests(sim)
    assert max(len(r["body"]["data"]) for r in requests) == 50
    snap = assert_portal_matches_local(sim.url)
    assert len(snap["dossiers"]) >= 3000


def test_12_two_syncs_at_once_only_one_sends(portal_app: Flask, sim: SimServer) -> None:
    portal_app.config["PORTAL_TIMEOUT"] = 10
    sim.state.hang_seconds = 0.3  # each request takes a while: the runs overlap
    fault(sim.url, mode="hang")
    results: list[sender.SyncSummary] = []
    start = threading.Barrier(2)

    def one() -> None:
        with portal_app.app_context():
            start.wait()
            results.append(run())
            db.session.remove()

    threads = [threading.Thread(target=one) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    fault(sim.url, clear=True)
    assert sorted(r.busy for r in results) == [False, True]
    assert [r.ok for r in results if not r.busy] == [True]
    assert db.session.scalar(select(func.count()).select_from(SyncRun)) == 1
    lease = db.session.get(SyncLease, sender.LEASE_NAME, populate_existing=True)
    assert lease.holder is None  # given back
    assert_portal_matches_local(sim.url)


@pytest.mark.parametrize("mode", ["garbage", "empty", "replay", "reorder"])
def test_13_only_a_reply_naming_the_item_marks_it_sent(
    portal_app: Flask, sim: SimServer, mode: str
) -> None:
    run()  # a first reply exists to be replayed
    bulk_dossiers(3, prefix="R")
    fault(sim.url, mode=mode, count=1)
    summary = run()
    if mode == "reorder":  # the same results in another order: matched by key
        assert summary.ok and summary.sent == 6
    else:
        assert summary.failed and summary.sent == 0
        assert all(i.attempts == 1 for i in items(PENDING, KIND_STATE))
        assert run(now=later()).ok
    assert_portal_matches_local(sim.url)


def test_an_expired_session_is_renewed(portal_app: Flask, sim: SimServer) -> None:
    fault(sim.url, mode="expire_token", count=1, after=1)
    assert run().ok
    tokens = [r for r in sim.state.requests if r["kind"] == "token"]
    assert len(tokens) == 2
    assert_portal_matches_local(sim.url)


# --- the lease and the clock --------------------------------------------------------------


def test_a_live_lease_blocks_an_expired_or_impossible_one_does_not(portal_app: Flask) -> None:
    ttl = timedelta(minutes=2)
    now = utcnow()
    assert sender.acquire_lease("elsewhere:1:a", ttl, now)
    assert not sender.acquire_lease("here:2:b", ttl, now + timedelta(minutes=1))
    assert sender.acquire_lease("here:2:b", ttl, now + timedelta(minutes=3))  # expired
    # The clock was set back a year after the lease was taken: it cannot last that long.
    assert sender.acquire_lease("here:3:c", ttl, now - timedelta(days=365))
    assert not sender.renew_lease("here:2:b", ttl)  # taken from it: it must stop


def test_a_lease_left_by_a_dead_process_of_this_pc_is_taken_at_once(portal_app: Flask) -> None:
    import socket
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    dead = f"{socket.gethostname()[:40]}:{child.pid}:dead"
    ttl = timedelta(minutes=2)
    assert sender.acquire_lease(dead, ttl)
    assert sender.acquire_lease("x:1:y", ttl)  # the dead one's lease is free
    assert not sender.acquire_lease(sender.new_holder(), ttl)  # a live one's is not


def test_order_does_not_follow_the_wall_clock(portal_app: Flask, sim: SimServer) -> None:
    run()
    [dossier_id] = bulk_dossiers(1, prefix="CK")
    year_2000 = utcnow().replace(year=2000)
    # The clock was reset to 2000 before the next change: the item is still after the first.
    db.session.execute(
        update(OutboxItem).where(OutboxItem.dossier_id == dossier_id).values(created_at=year_2000)
    )
    db.session.commit()
    hand_over(dossier_id)
    assert run(now=lambda: year_2000).ok
    assert sim.state.history["CK-000000"] == [4]
    row = db.session.get(PortalDossier, dossier_id)
    assert row.last_status == 4
    assert_portal_matches_local(sim.url)


def test_requeue_needs_a_parked_item(portal_app: Flask) -> None:
    item = items(PENDING)[0]
    with pytest.raises(NotFound):
        sender.requeue(Actor.system("t"), item.id)
