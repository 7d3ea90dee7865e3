"""Each officer's own work: the "Của tôi" tab and what the home page asks of each role today."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import delete

from counter.domain.lifecycle import Status
from counter.extensions import db
from counter.models import CounterNotice, Dossier, User
from counter.services import Actor, home
from counter.services import dossiers as svc
from tests.services.test_lifecycle_service import actor_for, make_dossier, vn

# Wednesday 18/11/2026 10:00 in Vietnam.
NOW = vn(2026, 11, 18, 10, 0)
RECEIVED = vn(2026, 11, 16, 8, 0)
TODAY_17 = vn(2026, 11, 18, 17, 0)


@pytest.fixture
def empty(app: Flask) -> Flask:
    db.session.execute(delete(CounterNotice))
    db.session.execute(delete(Dossier))
    db.session.commit()
    return app


def both() -> Actor:
    """The demo officer holding reception and specialist."""
    user = db.session.scalar(db.select(User).where(User.username == "kiemnhiem"))
    return Actor.for_user(user)


def names(page: svc.WorklistPage) -> list[str]:
    return sorted(row.dossier.applicant_name for row in page.rows)


def make(name: str, status: Status, *, due=TODAY_17, assigned_to: str | None = None, by=None):  # type: ignore[no-untyped-def]
    n = sum(map(ord, name)) % 100000
    dossier = make_dossier(
        status,
        received_at=RECEIVED,
        due_at=due,
        name=name,
        id_number=f"0110900{n:05d}",
        assigned_to=assigned_to,
    )
    if by is not None:
        dossier.received_by_id = by.user_id
        db.session.commit()
    return dossier


@pytest.fixture
def desk(empty: Flask) -> None:
    """The counter (tiepnhan) received everything; some went to the specialist."""
    make("at the counter", Status.RECEIVED)
    make("supplement asked at the counter", Status.SUPPLEMENT_REQUESTED)
    make("with the specialist", Status.IN_PROGRESS, assigned_to="specialist")
    make("specialist asked a supplement", Status.SUPPLEMENT_REQUESTED, assigned_to="specialist")
    make("resolved, to return", Status.RESOLVED, assigned_to="specialist")
    make("handed over to nobody", Status.IN_PROGRESS)
    make("returned", Status.RETURNED, assigned_to="specialist")
    make("stopped", Status.STOPPED, assigned_to="specialist")


def test_mine_is_what_waits_on_my_desk(desk: None) -> None:
    reception, specialist, leader = (actor_for(r) for r in ("reception", "specialist", "leader"))
    assert names(svc.worklist(reception, tab="mine", now=NOW)) == [
        "at the counter",
        "resolved, to return",
        "supplement asked at the counter",
    ]
    assert names(svc.worklist(specialist, tab="mine", now=NOW)) == [
        "specialist asked a supplement",
        "with the specialist",
    ]
    assert svc.worklist(leader, tab="mine", now=NOW).rows == []
    # The tab's count is on every page, like the others.
    counts = svc.worklist_counts(specialist, now=NOW)
    assert counts["mine"] == 2 and counts["open"] == 6


def test_my_filter_narrows_every_tab(desk: None) -> None:
    specialist = actor_for("specialist")
    mine = svc.Filters(mine_of=specialist.user_id)
    page = svc.worklist(specialist, tab="today", filters=mine, now=NOW)
    assert names(page) == ["with the specialist"]
    assert page.counts["today"] == 1 and page.counts["all"] == 2
    everyone = svc.worklist(specialist, tab="today", now=NOW)
    assert names(everyone) == ["at the counter", "handed over to nobody", "with the specialist"]


def test_a_specialist_due_today_is_not_full_of_dossiers_still_at_the_counter(empty: Flask) -> None:
    for i in range(3):
        make(f"at the counter {i}", Status.RECEIVED)
    make("mine today", Status.IN_PROGRESS, assigned_to="specialist")
    make("mine tomorrow", Status.IN_PROGRESS, assigned_to="specialist", due=vn(2026, 11, 19, 17, 0))
    make("mine late", Status.IN_PROGRESS, assigned_to="specialist", due=vn(2026, 11, 17, 17, 0))
    make("someone else's today", Status.IN_PROGRESS, assigned_to="leader")

    today = home.today_for(actor_for("specialist"), now=NOW)
    assert [s.role for s in today.sections] == ["specialist"]
    counts = {box.key: box.count for box in today.sections[0].boxes}
    assert counts == {"my_overdue": 1, "my_today": 1, "my_soon": 1}
    # Each count is exactly what its worklist link shows.
    for box in today.sections[0].boxes:
        page = svc.worklist(
            actor_for("specialist"),
            tab=box.tab,
            filters=box.filters(actor_for("specialist")),
            now=NOW,
        )
        assert page.total == box.count


def test_reception_sees_what_to_hand_over_return_and_wait_for(desk: None) -> None:
    today = home.today_for(actor_for("reception"), now=NOW)
    assert [s.role for s in today.sections] == ["reception"]
    counts = {box.key: box.count for box in today.sections[0].boxes}
    assert counts == {"to_hand_over": 1, "to_return": 1, "supplements": 2}
    for box in today.sections[0].boxes:
        page = svc.worklist(
            actor_for("reception"),
            tab=box.tab,
            filters=box.filters(actor_for("reception")),
            now=NOW,
        )
        assert page.total == box.count


def test_the_leader_sees_proposals_to_sign_overdue_and_stops(empty: Flask) -> None:
    late = make("late", Status.IN_PROGRESS, assigned_to="specialist", due=vn(2026, 11, 17, 17, 0))
    proposed = make(
        "proposed", Status.IN_PROGRESS, assigned_to="specialist", due=vn(2026, 11, 20, 17, 0)
    )
    svc.propose_delay(
        actor_for("specialist"),
        proposed.id,
        version=proposed.version,
        new_due=vn(2026, 11, 27, 17, 0),
        reason="Cần xác minh thêm",
        now=NOW,
    )
    signed = make(
        "signed", Status.IN_PROGRESS, assigned_to="specialist", due=vn(2026, 11, 20, 17, 0)
    )
    for action in (svc.propose_delay, svc.delay):
        db.session.refresh(signed)
        action(
            actor_for("leader"),
            signed.id,
            version=signed.version,
            new_due=vn(2026, 11, 27, 17, 0),
            reason="Cần xác minh thêm",
            now=NOW,
        )
    stopped = make("stopped", Status.IN_PROGRESS, assigned_to="specialist")
    svc.stop(
        actor_for("leader"), stopped.id, version=stopped.version, reason="Theo đề nghị", now=NOW
    )

    today = home.today_for(actor_for("leader"), now=NOW)
    assert [s.role for s in today.sections] == ["leader"]
    leader = today.sections[0]
    assert [d.applicant_name for d in leader.proposals] == ["proposed"]
    assert {box.key: box.count for box in leader.boxes} == {"office_overdue": 1}
    assert [d.applicant_name for d in leader.stops] == ["stopped"]
    assert late.id not in {d.id for d in leader.proposals}


def test_two_roles_see_both_sections(desk: None) -> None:
    officer = both()
    today = home.today_for(officer, now=NOW)
    assert [s.role for s in today.sections] == ["reception", "specialist"]
    admin = home.today_for(actor_for("admin"), now=NOW)
    assert [s.role for s in admin.sections] == ["admin"]
