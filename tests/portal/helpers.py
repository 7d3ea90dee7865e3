"""Shared by the sync tests and bench/bench_sync.py: dossiers in bulk, faults, the portal check."""

from __future__ import annotations

import json
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from counter.domain.events import Received
from counter.domain.lifecycle import Status
from counter.extensions import db
from counter.models import Dossier, DossierEvent, Procedure
from counter.models.portal import KIND_PROGRESS, PARKED, PENDING, OutboxItem
from counter.portal import mapping
from counter.services import Actor, transaction
from counter.services.events import append_event

AT = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)  # Mon 16/11/2026 09:00 in Vietnam


def bulk_dossiers(n: int, prefix: str = "BK") -> list[int]:
    """``n`` received dossiers in one transaction, each with its reception event.

    The events go through the real ``append_event``, so the outbox rows are the
    ones the seam writes; only the reception form's checks are skipped, for speed.
    """
    procedure = db.session.scalar(select(Procedure).order_by(Procedure.id).limit(1))
    actor = Actor.system("bulk")
    made = []
    with transaction():
        for i in range(n):
            at = AT + timedelta(seconds=i)
            dossier = Dossier(
                code=f"{prefix}-{i:06d}",
                procedure=procedure,
                status=Status.RECEIVED.value,
                applicant_name=f"Người nộp {i}",
                received_at=at,
                due_at=at + timedelta(days=3),
                original_due_at=at + timedelta(days=3),
            )
            db.session.add(dossier)
            append_event(
                dossier,
                actor,
                Received(),
                from_status=None,
                to_status=Status.RECEIVED.value,
                due_after=dossier.due_at,
                at=at,
            )
            made.append(dossier)
    return [d.id for d in made]


def fault(url: str, **body: Any) -> Any:
    """Tell the simulator to fail (POST /_sim/faults)."""
    request = urllib.request.Request(
        url + "/_sim/faults",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def portal_state(url: str) -> Any:
    """What the simulator holds (GET /_sim/state)."""
    with urllib.request.urlopen(url + "/_sim/state", timeout=30) as response:
        return json.loads(response.read())


def _collapse(values: list[int]) -> list[int]:
    out: list[int] = []
    for value in values:
        if not out or out[-1] != value:
            out.append(value)
    return out


def _is_subsequence(short: list[int], long: list[int]) -> bool:
    it = iter(long)
    return all(any(x == y for y in it) for x in short)


def assert_portal_matches_local(url: str, *, absent: set[str] = frozenset()) -> dict[str, Any]:
    """The portal holds exactly our dossiers (but ``absent``) and progress entries.

    Each dossier as it is now; its states applied in the order of its events (a
    replay may repeat one, none goes back); each event's entry once.
    """
    snap = portal_state(url)
    db.session.expire_all()
    dossiers = db.session.scalars(select(Dossier).order_by(Dossier.id)).all()
    assert set(snap["dossiers"]) == {d.code for d in dossiers} - set(absent)
    for dossier in dossiers:
        if dossier.code in absent:
            continue
        assert snap["dossiers"][dossier.code] == mapping.dossier_object(dossier), dossier.code
        events = db.session.scalars(
            select(DossierEvent.to_status)
            .where(DossierEvent.dossier_id == dossier.id)
            .order_by(DossierEvent.id)
        ).all()
        codes = [mapping.status_code(s) for s in events]
        applied = _collapse(snap["history"][dossier.code])
        assert applied[-1] == codes[-1], dossier.code
        assert _is_subsequence(applied, codes), (dossier.code, applied, codes)
    items = db.session.scalars(
        select(OutboxItem).where(OutboxItem.kind == KIND_PROGRESS).order_by(OutboxItem.id)
    ).all()
    expected = {
        i.progress_key: mapping.progress_entry(i.event, i.progress_key)
        for i in items
        if i.dossier.code not in absent
    }
    assert snap["progress"] == expected
    left = db.session.scalars(
        select(OutboxItem).where(OutboxItem.status.in_([PENDING, PARKED]))
    ).all()
    assert {i.dossier.code for i in left} <= set(absent)
    return snap
