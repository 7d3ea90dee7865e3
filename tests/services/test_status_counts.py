"""The worklist's counts come from the counts per status the database keeps (migration
0022): they are what counting the dossiers gives, after the app's own writes, after
statements typed by hand, and while two officers change statuses at the same moment."""

from __future__ import annotations

import threading
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask

from counter.domain.lifecycle import Status
from counter.extensions import db
from counter.services import dossiers as svc
from counter.services.dossiers import Filters
from tests.services.test_lifecycle_service import RECEIVED, actor_for, make_dossier, vn

NOW = vn(2026, 11, 18, 10, 0)


def by_status() -> dict[str, int]:
    """How many dossiers each status holds, counted from the dossier table."""
    rows = db.session.execute(sa.text("SELECT status, count(*) FROM dossier GROUP BY status"))
    return dict(rows.all())


def expected_tabs() -> dict[str, int]:
    """The status tabs and «Tất cả» as counting the dossier table gives them."""
    counts = by_status()
    return {
        "ready": counts.get(Status.RESOLVED.value, 0),
        "open": sum(counts.get(s, 0) for s in svc.OPEN),
        "all": min(sum(counts.values()), svc.ALL_COUNT_CAP + 1),
    }


def shown_tabs() -> dict[str, int]:
    counts = svc.worklist_counts(actor_for("leader"), now=NOW)
    return {tab: counts[tab] for tab in ("ready", "open", "all")}


def test_the_tabs_counts_follow_the_apps_writes_and_statements_typed_by_hand(app: Flask) -> None:
    before = shown_tabs()
    assert before == expected_tabs() and before["all"] > 0  # the demo's dossiers, counted
    reception, specialist = actor_for("reception"), actor_for("specialist")

    received = make_dossier(Status.RECEIVED, name="Lò Văn Panh")
    working = make_dossier(Status.IN_PROGRESS, name="Quàng Thị Ánh")
    svc.resolve(specialist, working.id, version=working.version, now=RECEIVED + timedelta(days=1))
    assert shown_tabs() == expected_tabs()
    assert shown_tabs()["ready"] == before["ready"] + 1
    assert shown_tabs()["open"] == before["open"] + 2
    resolved = svc.get_dossier(working.id)
    svc.return_result(reception, resolved.id, version=resolved.version, collected_by="Ánh")
    assert shown_tabs() == expected_tabs()
    assert shown_tabs()["ready"] == before["ready"]

    # Another process, the command line, a statement typed by hand: counted the same.
    db.session.execute(
        sa.text("UPDATE dossier SET status = 'resolved' WHERE id = :id"), {"id": received.id}
    )
    db.session.commit()
    assert shown_tabs() == expected_tabs()
    db.session.execute(
        sa.text("DELETE FROM dossier_event WHERE dossier_id = :id"), {"id": received.id}
    )
    db.session.execute(
        sa.text("DELETE FROM dossier_document WHERE dossier_id = :id"), {"id": received.id}
    )
    db.session.execute(sa.text("DELETE FROM dossier WHERE id = :id"), {"id": received.id})
    db.session.commit()
    assert shown_tabs() == expected_tabs()
    assert shown_tabs()["all"] == before["all"] + 1

    # With a filter the tabs are counted from the dossiers themselves: channel by channel,
    # they add up to the same numbers.
    channels = db.session.execute(sa.text("SELECT DISTINCT channel FROM dossier")).scalars()
    added = {"ready": 0, "open": 0}
    for channel in channels:
        part = svc.worklist_counts(actor_for("leader"), filters=Filters(channel=channel), now=NOW)
        added = {tab: added[tab] + part[tab] for tab in added}
    assert added == {tab: expected_tabs()[tab] for tab in added}
    # The home page's boxes ask one tab at a time.
    assert svc.count_tab(actor_for("leader"), "ready") == expected_tabs()["ready"]
    assert svc.count_tab(actor_for("leader"), "open") == expected_tabs()["open"]


def test_two_officers_changing_statuses_at_once_neither_wait_forever_nor_miscount(
    app: Flask,
) -> None:
    """Statuses moved both ways by two connections at the same moment (PostgreSQL locks the
    counts' rows until each commit): no deadlock, no lost count."""
    ids = [make_dossier(Status.IN_PROGRESS, name=f"Người {n}").id for n in range(12)]
    forth, back = ids[:6], ids[6:]
    db.session.execute(
        sa.text("UPDATE dossier SET status = 'received' WHERE id IN :ids").bindparams(
            sa.bindparam("ids", expanding=True)
        ),
        {"ids": back},
    )
    db.session.commit()
    db.session.remove()
    failures: list[BaseException] = []
    start = threading.Barrier(2)
    engine = db.engine

    def flip(ids: list[int], to: str) -> None:
        try:
            start.wait(timeout=10)
            for _round in range(15):
                for dossier_id in ids:
                    with engine.begin() as conn:
                        conn.execute(
                            sa.text("UPDATE dossier SET status = :to WHERE id = :id"),
                            {"to": to, "id": dossier_id},
                        )
                to = "received" if to == "in_progress" else "in_progress"
        except BaseException as err:
            failures.append(err)

    threads = [
        threading.Thread(target=flip, args=(forth, "received")),
        threading.Thread(target=flip, args=(back, "in_progress")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not [t for t in threads if t.is_alive()]
    assert failures == []
    assert shown_tabs() == expected_tabs()
    kept = dict(
        db.session.execute(sa.text("SELECT status, dossiers FROM dossier_status_count")).all()
    )
    assert {s: n for s, n in kept.items() if n} == by_status()
