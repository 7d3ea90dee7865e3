"""Worklist tabs, counts, filters, paging and the diacritic-free search, with "now" frozen."""

from __future__ import annotations

from datetime import datetime, time

import pytest
from flask import Flask
from sqlalchemy import delete

from counter.domain import clock
from counter.domain.errors import ValidationError
from counter.domain.lifecycle import Status
from counter.extensions import db
from counter.models import CounterNotice, Dossier
from counter.services import dossiers as svc
from tests.services.test_lifecycle_service import actor_for, make_dossier, procedure, vn

# Wednesday 18/11/2026 10:00 in Vietnam.
NOW = vn(2026, 11, 18, 10, 0)


@pytest.fixture
def empty(app: Flask) -> Flask:
    """No dossiers (the demo data would otherwise mix into the counts)."""
    db.session.execute(delete(CounterNotice))
    db.session.execute(delete(Dossier))
    db.session.commit()
    return app


def _codes(page: svc.WorklistPage) -> list[str]:
    return [row.dossier.applicant_name for row in page.rows]


@pytest.fixture
def board(empty: Flask) -> dict[str, Dossier]:
    """One dossier per situation, named after it."""
    rec = vn(2026, 11, 16, 8, 0)
    specs = {
        "due today": (Status.IN_PROGRESS, vn(2026, 11, 18, 17, 0)),
        "due this morning": (Status.RECEIVED, vn(2026, 11, 18, 9, 0)),  # passed an hour ago
        "due tomorrow": (Status.IN_PROGRESS, vn(2026, 11, 19, 17, 0)),
        "due friday": (Status.RECEIVED, vn(2026, 11, 20, 17, 0)),
        "due monday": (Status.IN_PROGRESS, vn(2026, 11, 23, 17, 0)),
        "overdue monday": (Status.IN_PROGRESS, vn(2026, 11, 16, 17, 0)),
        "paused": (Status.SUPPLEMENT_REQUESTED, vn(2026, 11, 16, 17, 0)),
        "resolved": (Status.RESOLVED, vn(2026, 11, 16, 17, 0)),
        "returned": (Status.RETURNED, vn(2026, 11, 16, 17, 0)),
    }
    out = {}
    for i, (name, (status, due)) in enumerate(specs.items()):
        out[name] = make_dossier(
            status, received_at=rec, due_at=due, name=name, id_number=f"0110900{i:05d}"
        )
    return out


def test_tabs_hold_the_right_dossiers_and_counts(board: dict[str, Dossier]) -> None:
    reception = actor_for("reception")
    counts = svc.worklist_counts(reception, now=NOW)
    # "mine": the two still at the counter, the resolved one to return, the supplement it asked.
    assert counts == {
        "mine": 4,
        "today": 1,
        "soon": 2,
        "overdue": 2,
        "ready": 1,
        "open": 8,
        "all": 9,
    }

    def names(tab: str) -> list[str]:
        return _codes(svc.worklist(reception, tab=tab, now=NOW))

    assert names("today") == ["due today"]
    assert names("soon") == ["due tomorrow", "due friday"]
    # Sorted by due date; the paused dossier is past its date but is not overdue.
    assert names("overdue") == ["overdue monday", "due this morning"]
    assert "paused" in names("open") and "returned" not in names("open")
    assert len(names("all")) == 9


def test_rows_say_how_many_working_days_are_left(board: dict[str, Dossier]) -> None:
    rows = {
        r.dossier.applicant_name: r
        for r in svc.worklist(actor_for("leader"), tab="all", now=NOW).rows
    }
    assert (rows["due today"].days_left, rows["due today"].overdue) == (0, False)
    assert (rows["due this morning"].days_left, rows["due this morning"].overdue) == (0, True)
    assert rows["due friday"].days_left == 2
    assert rows["due monday"].days_left == 3
    assert (rows["overdue monday"].days_left, rows["overdue monday"].overdue) == (-2, True)
    assert rows["paused"].paused and not rows["paused"].overdue
    assert rows["paused"].days_left is None
    assert rows["resolved"].days_left is None and not rows["resolved"].overdue


def test_soon_spans_the_weekend(board: dict[str, Dossier]) -> None:
    friday = vn(2026, 11, 20, 10, 0)
    page = svc.worklist(actor_for("reception"), tab="soon", now=friday)
    # Monday and Tuesday are the next two working days; Friday's own dossier is due today.
    assert _codes(page) == ["due monday"]
    assert page.counts["today"] == 1


def test_filters_by_status_field_and_officer(board: dict[str, Dossier], app: Flask) -> None:
    leader = actor_for("leader")
    only_received = svc.Filters(status="received")
    assert sorted(_codes(svc.worklist(leader, tab="all", filters=only_received, now=NOW))) == [
        "due friday",
        "due this morning",
    ]
    other = procedure("2.001035")
    if other.field_code == "HT":  # the helper created it; give it a field of its own
        other.field_code, other.field_name = "CT", "Chứng thực"
        db.session.commit()
    make_dossier(
        Status.IN_PROGRESS,
        proc=other,
        due_at=vn(2026, 11, 18, 16, 0),
        name="chứng thực",
        id_number="011090099999",
        assigned_to="specialist",
    )
    by_field = svc.worklist(leader, tab="all", filters=svc.Filters(field_code=other.field_code))
    assert _codes(by_field) == ["chứng thực"]
    mine = svc.Filters(officer_id=actor_for("specialist").user_id)
    page = svc.worklist(leader, tab="today", filters=mine, now=NOW)
    assert _codes(page) == ["chứng thực"]
    assert page.counts["all"] == 1


def test_pages_of_a_tab(board: dict[str, Dossier]) -> None:
    reception = actor_for("reception")
    first = svc.worklist(reception, tab="all", per_page=4, now=NOW)
    second = svc.worklist(reception, tab="all", per_page=4, page=2, now=NOW)
    last = svc.worklist(reception, tab="all", per_page=4, page=99, now=NOW)
    assert (first.total, first.pages, len(first.rows), len(second.rows)) == (9, 3, 4, 4)
    assert last.page == 3 and len(last.rows) == 1
    assert not set(_codes(first)) & set(_codes(second))


def test_search_without_diacritics_by_name_phone_id_and_code(empty: Flask) -> None:
    anh = make_dossier(name="Nguyễn Văn Ánh", id_number="011090001234", phone="0912345678")
    make_dossier(name="Lò Thị Đào", id_number="011190005678", phone="0987654321")
    make_dossier(name="Nguyễn Thị Hoa", id_number="011190004321", phone="0977111222")
    me = actor_for("reception")

    def found(query: str) -> list[str]:
        return sorted(r.dossier.applicant_name for r in svc.search(me, query).rows)

    assert found("nguyen van") == ["Nguyễn Văn Ánh"]
    assert found("NGUYEN") == ["Nguyễn Thị Hoa", "Nguyễn Văn Ánh"]
    assert found("nguyen anh") == ["Nguyễn Văn Ánh"]  # every word, in any place
    assert found("lo thi dao") == ["Lò Thị Đào"]
    assert found("0912 345 678") == ["Nguyễn Văn Ánh"]
    assert found("011090001234") == ["Nguyễn Văn Ánh"]
    assert found(anh.code.lower()) == ["Nguyễn Văn Ánh"]
    assert found("tran") == []
    assert found("100%") == []
    with pytest.raises(ValidationError):
        svc.search(me, "   ")


def test_counts_ignore_a_clock_that_is_not_running(empty: Flask) -> None:
    make_dossier(Status.AWAITING_PAYMENT, due_at=vn(2026, 11, 17, 17, 0), name="chờ nộp phí")
    make_dossier(Status.SUBMITTED, due_at=vn(2026, 11, 17, 17, 0), name="mới đăng ký")
    counts = svc.worklist_counts(actor_for("reception"), now=NOW)
    assert (counts["overdue"], counts["today"], counts["open"]) == (0, 0, 2)


def test_now_must_be_aware(empty: Flask) -> None:
    with pytest.raises(ValueError):
        svc.worklist_counts(actor_for("reception"), now=datetime(2026, 11, 18, 10, 0))


@pytest.mark.parametrize(
    "moment",
    [
        vn(2026, 12, 1, 10, 0),  # a Tuesday morning
        vn(2026, 12, 2, 0, 25),  # just after midnight: "today" is a day with nothing yet
        vn(2026, 12, 4, 18, 30),  # a Friday evening
        vn(2026, 12, 5, 11, 0),  # a Saturday
        vn(2026, 12, 7, 8, 5),  # Monday before the first citizen
        vn(2026, 11, 24, 10, 0),  # the new public holiday 24/11
    ],
    ids=["tue-10h", "wed-00h25", "fri-18h30", "sat", "mon-08h05", "holiday-24-11"],
)
def test_demo_dossiers_show_every_status_and_load_once(empty: Flask, moment: datetime) -> None:
    from counter.services import calendar as cal
    from counter.services.demo import load_demo_dossiers

    assert load_demo_dossiers(now=moment)
    dossiers = db.session.scalars(db.select(Dossier)).all()
    assert 15 <= len(dossiers) <= 25
    assert {d.status for d in dossiers} == {s.value for s in Status}
    assert {d.timeliness for d in dossiers if d.timeliness} == {"early", "on_time", "late"}
    assert any(d.delay_count == 1 for d in dossiers)
    assert all(d.id_number.startswith("011") and len(d.id_number) == 12 for d in dossiers)
    assert any(d.applicant_name == "Quàng Thị Xuân" for d in dossiers)
    # Every dossier's events tell its story up to its status.
    for d in dossiers:
        assert d.events and d.events[-1].to_status == d.status
        assert [e.at for e in d.events] == sorted(e.at for e in d.events)
        assert all(e.at <= moment for e in d.events)
    counts = svc.worklist_counts(actor_for("leader"), now=moment)
    assert counts["overdue"] >= 1 and counts["soon"] == 2
    local_now = clock.local_naive(moment)
    if cal.is_working_day(local_now.date()) and local_now.time() < time(17):
        assert counts["today"] >= 1
    notices = db.session.scalars(db.select(CounterNotice.kind)).all()
    assert sorted(notices) == ["incomplete", "refused"]
    # A second run adds nothing.
    before = len(dossiers)
    assert load_demo_dossiers(now=moment) is None
    assert db.session.scalar(db.select(db.func.count(Dossier.id))) == before


def test_all_is_counted_up_to_the_cap_and_paged_that_far(
    board: dict[str, Dossier], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A large office, shrunk: «Tất cả» counts up to the cap, then says "more than".
    monkeypatch.setattr(svc, "ALL_COUNT_CAP", 5)
    leader = actor_for("leader")
    counts = svc.worklist_counts(leader, now=NOW)
    assert counts["all"] == 6 and counts["open"] == 8  # the other tabs stay exact
    page = svc.worklist(leader, tab="all", per_page=2, page=99, now=NOW)
    assert page.capped and page.total == 6
    assert (page.page, page.pages, len(page.rows)) == (3, 3, 2)  # the cap's five, by 2
    seen = [
        name
        for number in (1, 2, 3)
        for name in _codes(svc.worklist(leader, tab="all", per_page=2, page=number, now=NOW))
    ]
    assert len(seen) == len(set(seen)) == 6  # pages cover the first dossiers without a repeat
    open_tab = svc.worklist(leader, tab="open", per_page=2, page=99, now=NOW)
    assert not open_tab.capped and (open_tab.total, open_tab.pages) == (8, 4)
    # Under the cap, the number is exact.
    monkeypatch.setattr(svc, "ALL_COUNT_CAP", 9)
    assert not svc.worklist(leader, tab="all", now=NOW).capped


def test_mine_counts_what_mine_lists_for_each_officer(board: dict[str, Dossier]) -> None:
    specialist = actor_for("specialist")
    reception = actor_for("reception")
    for dossier in (board["due today"], board["due monday"], board["paused"]):
        dossier.assigned_to_id = specialist.user_id
    db.session.commit()
    for who in (specialist, reception, actor_for("leader")):
        page = svc.worklist(who, tab="mine", per_page=50, now=NOW)
        assert page.counts["mine"] == page.total == len(page.rows)
    assert sorted(_codes(svc.worklist(specialist, tab="mine", now=NOW))) == [
        "due monday",
        "due today",
        "paused",
    ]
