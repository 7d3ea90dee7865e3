"""The period report against a known set of dossiers, cell by cell, at fixed moments.

The dossiers are told step by step through the services (so their events are real):
received in one month and resolved in the next, paused over a month's end, an
online dossier submitted in October and received in November, a refusal at the
counter, a withdrawal and a stop, a result handed over at 06:30 on 1 December
(still 30 November in UTC), 24/11/2026 (a day off) and Tết 2026 inside.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete

from counter.domain import reports as rd
from counter.extensions import db
from counter.models import CounterNotice, Dossier, Procedure
from counter.services import dossiers as svc
from counter.services import reports
from counter.services.demo import PEOPLE, _online
from counter.services.notices import record_notice
from counter.services.reception import DocumentLine, ReceptionInput, receive
from tests.services.test_lifecycle_service import actor_for, procedure, vn

# After every step below: Thursday 3/12/2026 10:00 in Vietnam.
AFTER = vn(2026, 12, 3, 10, 0)


class Story:
    """One dossier's history, each step through its service at a fixed moment."""

    def __init__(self, dossier: Dossier) -> None:
        self.id = dossier.id

    def then(self, action: Any, role: str, at: datetime, **kw: Any) -> Story:
        dossier = svc.get_dossier(self.id)
        action(actor_for(role), self.id, version=dossier.version, now=at, **kw)
        return self

    def handed_over(self, at: datetime) -> Story:
        specialist = actor_for("specialist")
        return self.then(
            svc.hand_over,
            "reception",
            at,
            to_unit="Công chức Tư pháp - Hộ tịch",
            assign_to_id=specialist.user_id,
        )

    @property
    def dossier(self) -> Dossier:
        return svc.get_dossier(self.id)


def _input(proc: Procedure, name: str, channel: str = "counter") -> ReceptionInput:
    return ReceptionInput(
        procedure_id=proc.id,
        applicant_name=name,
        id_number="011090001234",
        phone="0912345678",
        address="Bản Phăng, xã Mường Phăng",
        documents=[DocumentLine(name="Tờ khai theo mẫu")],
        confirm_duplicate=True,
        channel=channel,
    )


def received(
    name: str, at: datetime, channel: str = "counter", proc: Procedure | None = None
) -> Story:
    """A dossier received at the counter at ``at``."""
    return Story(
        receive(actor_for("reception"), _input(proc or procedure(), name, channel), now=at)
    )


def _certification() -> Procedure:
    other = procedure("2.001035")
    if other.field_code == "HT":  # the helper created it; give it a field of its own
        other.field_code, other.field_name = "CT", "Chứng thực"
        db.session.commit()
    return other


@pytest.fixture
def known(app: Flask) -> dict[str, Story]:
    """The known set (no demo dossiers), each dossier named after its story."""
    db.session.execute(delete(CounterNotice))
    db.session.execute(delete(Dossier))
    db.session.commit()
    resolve, supplement, back = svc.resolve, svc.request_supplement, svc.supplement_received
    s: dict[str, Story] = {}
    # October: A and B are carried into November; C and K finish in October.
    s["A"] = received("A late in Nov", vn(2026, 10, 28, 9, 0)).handed_over(vn(2026, 10, 28, 10, 0))
    s["A"].then(resolve, "specialist", vn(2026, 11, 3, 10, 0))  # due 2/11 17:00
    s["B"] = received("B paused over Oct", vn(2026, 10, 29, 9, 0)).handed_over(
        vn(2026, 10, 29, 10, 0)
    )
    s["B"].then(supplement, "specialist", vn(2026, 10, 30, 10, 0), items=["Bản sao giấy khai sinh"])
    s["B"].then(back, "reception", vn(2026, 11, 4, 9, 0))
    s["B"].then(resolve, "specialist", vn(2026, 11, 5, 10, 0))
    s["C"] = received("C October only", vn(2026, 10, 20, 9, 0)).handed_over(vn(2026, 10, 20, 10, 0))
    s["C"].then(resolve, "specialist", vn(2026, 10, 21, 10, 0))
    s["K"] = received("K stopped in Oct", vn(2026, 10, 5, 9, 0)).handed_over(vn(2026, 10, 5, 10, 0))
    s["K"].then(svc.stop, "leader", vn(2026, 10, 9, 9, 0), reason="Cơ quan khác đã giải quyết")
    # M: submitted online in October, received in November.
    m = _online(actor_for("reception"), procedure(), PEOPLE[0], vn(2026, 10, 30, 20, 0))
    s["M"] = Story(m).then(svc.receive, "reception", vn(2026, 11, 2, 9, 0))
    s["M"].handed_over(vn(2026, 11, 2, 10, 0)).then(resolve, "specialist", vn(2026, 11, 4, 10, 0))
    # November, with 24/11 off.
    cert = _certification()
    s["D"] = received("D post on time", vn(2026, 11, 20, 15, 0), "post", cert)
    s["D"].handed_over(vn(2026, 11, 20, 16, 0)).then(
        resolve, "specialist", vn(2026, 11, 25, 16, 0)
    )  # 2 days, due 25/11 17:00
    s["E"] = received("E online overdue", vn(2026, 11, 23, 9, 0), "online").handed_over(
        vn(2026, 11, 23, 10, 0)
    )
    s["E"].then(resolve, "specialist", vn(2026, 12, 2, 10, 0))  # due 27/11 17:00
    s["F"] = received("F post not due", vn(2026, 11, 27, 9, 0), "post", cert)  # due 1/12 17:00
    s["G"] = received("G paused at Nov end", vn(2026, 11, 25, 9, 0)).handed_over(
        vn(2026, 11, 25, 10, 0)
    )
    s["G"].then(supplement, "specialist", vn(2026, 11, 26, 10, 0), items=["Tờ khai có chữ ký"])
    h = _online(actor_for("reception"), procedure(), PEOPLE[1], vn(2026, 11, 10, 9, 0))
    s["H"] = Story(h).then(
        svc.refuse, "reception", vn(2026, 11, 11, 9, 0), reason="Không thuộc thẩm quyền"
    )
    record_notice(
        actor_for("reception"),
        "refused",
        _input(procedure(), "I refused at counter"),
        reason="Không thuộc thẩm quyền của xã",
        now=vn(2026, 11, 12, 9, 0),
    )
    s["J"] = received("J withdrawn", vn(2026, 11, 2, 9, 0))
    s["J"].then(svc.withdraw, "reception", vn(2026, 11, 6, 9, 0), reason="Công dân xin rút")
    s["L"] = received("L resolved at dawn", vn(2026, 11, 30, 16, 0)).handed_over(
        vn(2026, 11, 30, 16, 30)
    )
    s["L"].then(resolve, "specialist", vn(2026, 12, 1, 6, 30))  # 30/11 23:30 UTC
    _online(
        actor_for("reception"), procedure(), PEOPLE[2], vn(2026, 11, 28, 9, 0)
    )  # N: not received
    # Tết 2026 (14–22/2 off).
    s["P"] = received("P paused Jan-Feb", vn(2026, 1, 29, 9, 0)).handed_over(vn(2026, 1, 29, 10, 0))
    s["P"].then(supplement, "specialist", vn(2026, 1, 30, 10, 0), items=["Giấy xác nhận"])
    s["P"].then(back, "reception", vn(2026, 2, 2, 9, 0)).then(
        resolve, "specialist", vn(2026, 2, 25, 10, 0)
    )
    s["Q"] = received("Q across Tet", vn(2026, 2, 12, 9, 0)).handed_over(vn(2026, 2, 12, 10, 0))
    s["Q"].then(resolve, "specialist", vn(2026, 2, 24, 10, 0))  # due 24/2 17:00
    s["R"] = received("R still open", vn(2026, 2, 13, 9, 0)).handed_over(vn(2026, 2, 13, 10, 0))
    return s


def cells(counts: rd.Counts) -> dict[str, Any]:
    return {c.key: counts.value(c.key) for c in rd.COLUMNS}


def expect(**values: Any) -> dict[str, Any]:
    """Every column, zero unless given; the sums and the rate from the parts."""
    counts = rd.Counts(**{k: v for k, v in values.items() if k != "rate"})
    return cells(counts)


def test_november_cell_by_cell(known: dict[str, Story]) -> None:
    assert known["D"].dossier.timeliness == "on_time"
    assert known["B"].dossier.timeliness == "early"
    report = reports.period_report(rd.month(2026, 11), now=AFTER)
    assert report.as_of == vn(2026, 12, 1, 0, 0)
    assert cells(report.total) == expect(
        carried=3,  # A, B, and R (open since February)
        received_counter=3,  # G, J, L
        received_online=2,  # E, and M received on 2/11 (submitted in October)
        received_post=2,  # D, F
        resolved_early=2,  # B, M
        resolved_on_time=1,  # D
        resolved_late=1,  # A
        pending_not_due=3,  # F, G (paused past its date), L (resolved 1/12 06:30)
        pending_overdue=2,  # E, R
        supplement=1,  # G (B's request was in October)
        refused=2,  # H online, I at the counter
        ended=1,  # J
    )
    assert report.total.total == 10 and report.total.on_time_rate == Decimal("75.00")
    t = report.total
    assert t.carried + t.received == t.resolved + t.ended + t.pending
    by_field = {g.code: cells(g.counts) for g in report.fields}
    assert by_field["CT"] == expect(received_post=2, resolved_on_time=1, pending_not_due=1)
    assert by_field["HT"] == expect(
        carried=3,
        received_counter=3,
        received_online=2,
        resolved_early=2,
        resolved_late=1,
        pending_not_due=2,
        pending_overdue=2,
        supplement=1,
        refused=2,
        ended=1,
    )
    [line] = report.fields[0].procedures
    cert = _certification()
    assert (line.code, line.name) == (cert.local_code or cert.national_code, cert.name)
    assert cells(line.counts) == by_field["CT"]


def test_october_and_december(known: dict[str, Story]) -> None:
    october = reports.period_report(rd.month(2026, 10), now=AFTER).total
    # A is not yet due on 1/11 00:00; B is paused; M was only submitted; R is long overdue.
    assert cells(october) == expect(
        carried=1,
        received_counter=4,
        resolved_early=1,
        pending_not_due=2,
        pending_overdue=1,
        supplement=1,
        ended=1,
    )
    december = reports.period_report(rd.month(2026, 12), now=AFTER).total
    # Not over: pending as of now. F fell due on 1/12 17:00; G is still paused.
    assert cells(december) == expect(
        carried=5, resolved_early=1, resolved_late=1, pending_not_due=1, pending_overdue=2
    )


def test_tet_and_the_quarter_and_the_year(known: dict[str, Story]) -> None:
    january = reports.period_report(rd.month(2026, 1), now=AFTER).total
    assert cells(january) == expect(received_counter=1, pending_not_due=1, supplement=1)
    february = reports.period_report(rd.month(2026, 2), now=AFTER).total
    assert cells(february) == expect(
        carried=1, received_counter=2, resolved_on_time=1, resolved_late=1, pending_overdue=1
    )
    assert february.on_time_rate == Decimal("50.00")
    first = reports.period_report(rd.quarter(2026, 1), now=AFTER).total
    assert cells(first) == expect(
        received_counter=3, resolved_on_time=1, resolved_late=1, pending_overdue=1, supplement=1
    )
    whole = reports.period_report(rd.year(2026), now=AFTER).total
    assert cells(whole) == expect(
        received_counter=10,
        received_online=2,
        received_post=2,
        resolved_early=4,
        resolved_on_time=2,
        resolved_late=3,
        pending_not_due=1,
        pending_overdue=2,
        supplement=3,
        refused=2,
        ended=2,
    )


def test_any_range_splits_at_vietnam_midnight(known: dict[str, Story]) -> None:
    # L was resolved at 06:30 on 1/12 in Vietnam: 30/11 in UTC, 1/12 for the report.
    last_day = reports.period_report(
        rd.date_range(date(2026, 11, 30), date(2026, 11, 30)), now=AFTER
    )
    assert (last_day.total.received, last_day.total.resolved, last_day.total.carried) == (1, 0, 4)
    first_day = reports.period_report(
        rd.date_range(date(2026, 12, 1), date(2026, 12, 1)), now=AFTER
    )
    assert (first_day.total.resolved_early, first_day.total.received) == (1, 0)


def test_report_totals_equal_the_worklist_counts(known: dict[str, Story]) -> None:
    leader = actor_for("leader")
    report = reports.period_report(rd.date_range(date(2026, 11, 1), date(2026, 12, 3)), now=AFTER)
    t = report.total

    def count(**kw: Any) -> int:
        return svc.count_tab(leader, "all", filters=svc.Filters(**kw), now=AFTER)

    span = {"from_date": date(2026, 11, 1), "to_date": date(2026, 12, 3)}
    assert t.pending_overdue == svc.count_tab(leader, "overdue", now=AFTER) == 2
    assert t.pending == count(pending=True) == 3
    assert t.received == count(during="received", **span) == 7
    assert t.received_online == count(during="received", channel="online", **span) == 2
    assert t.resolved == count(during="resolved", **span) == 6
    assert t.in_time == count(during="resolved", timeliness="in_time", **span) == 4
    assert t.resolved_late == count(during="resolved", timeliness="late", **span) == 2
    assert t.ended == count(during="ended", **span) == 1
    assert t.supplement == count(during="supplement", **span) == 1
    # The worklist shows dossiers: the refusal at the counter has none.
    assert t.refused - 1 == count(during="refused", **span) == 1
    cert = _certification()
    line = report.fields[0].procedures[0]
    assert line.counts.received == count(during="received", procedure_id=cert.id, **span) == 2


def test_periods_are_parsed_or_refused_in_vietnamese() -> None:
    assert rd.parse_period(month_text="2026-11") == rd.month(2026, 11)
    assert str(rd.parse_period(month_text="2026-Q4").label) == "Quý IV/2026"
    assert rd.parse_period(start="01/11/2026", end="2026-11-30").end == date(2026, 11, 30)
    assert rd.parse_period(today=date(2026, 2, 14)) == rd.month(2026, 2)
    with pytest.raises(rd.ValidationError) as err:
        rd.parse_period(start="2026-11-30", end="2026-11-01")
    assert "Ngày kết thúc" in str(err.value)
    with pytest.raises(rd.ValidationError):
        rd.parse_period(month_text="2026-13")
    with pytest.raises(rd.ValidationError):
        rd.parse_period(start="31/02/2026")


def test_the_charts_months_count_in_vietnam_time(known: dict[str, Story]) -> None:
    months = {f"{m.period.start:%Y-%m}": m for m in reports.monthly(12, now=AFTER)}
    assert list(months) == [f"2026-{n:02d}" for n in range(1, 13)]
    # L, resolved at 06:30 on 1/12 in Vietnam (30/11 in UTC), is December's.
    assert (months["2026-12"].received, months["2026-12"].resolved) == (0, 2)
    assert (months["2026-11"].received, months["2026-11"].resolved) == (7, 4)
    assert months["2026-11"].on_time_rate == Decimal("75.00")
    assert (months["2026-02"].resolved, months["2026-02"].in_time) == (2, 1)
