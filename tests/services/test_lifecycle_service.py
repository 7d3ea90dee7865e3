"""The dossier lifecycle services against the real database: roles, events, clock, conflicts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import update

from counter.domain.errors import Conflict, NotAllowed, ValidationError
from counter.domain.lifecycle import Action, Status, allowed_actions
from counter.extensions import db
from counter.models import AuditEntry, Dossier, DossierEvent, Procedure, User
from counter.services import Actor
from counter.services import dossiers as svc
from counter.services.reception import DocumentLine, ReceptionInput, receive
from tests.unit.test_lifecycle import EXPECTED

VN = ZoneInfo("Asia/Ho_Chi_Minh")
USERNAMES = {
    "reception": "tiepnhan",
    "specialist": "chuyenvien",
    "leader": "lanhdao",
    "admin": "admin",
}
ROLES = list(USERNAMES)


def vn(*args: int) -> datetime:
    """A Vietnam wall-clock time as an aware UTC instant."""
    return datetime(*args, tzinfo=VN).astimezone(UTC)


def actor_for(role: str) -> Actor:
    user = db.session.scalar(db.select(User).where(User.username == USERNAMES[role]))
    assert user is not None
    return Actor.for_user(user)


def procedure(code: str = "1.004873") -> Procedure:
    """A catalog procedure (3 working days by default); created if the catalog lacks it."""
    found = db.session.scalar(db.select(Procedure).where(Procedure.national_code == code))
    if found is None:
        found = Procedure(
            national_code=code,
            name="Xác nhận tình trạng hôn nhân",
            search_text="xac nhan tinh trang hon nhan",
            field_code="HT",
            field_name="Hộ tịch",
            limit_amount=Decimal(3),
            limit_unit="working_days",
            implementing_body="UBND xã",
        )
        db.session.add(found)
        db.session.commit()
    return found


# Mon 16/11/2026 09:00 in Vietnam; 3 working days → Thu 19/11/2026 17:00.
RECEIVED = vn(2026, 11, 16, 9, 0)
DUE = vn(2026, 11, 19, 17, 0)


def make_dossier(
    status: Status | str = Status.RECEIVED,
    *,
    received_at: datetime = RECEIVED,
    due_at: datetime | None = None,
    name: str = "Nguyễn Văn Ánh",
    id_number: str = "011090001234",
    phone: str = "0912345678",
    proc: Procedure | None = None,
    assigned_to: str | None = None,
) -> Dossier:
    """A dossier received at the counter (reception's own service), then put in ``status``.

    Statuses after reception are set directly, with the fields they imply, so each
    test starts from exactly the state it needs.
    """
    proc = proc or procedure()
    dossier = receive(
        actor_for("reception"),
        ReceptionInput(
            procedure_id=proc.id,
            applicant_name=name,
            id_number=id_number,
            phone=phone,
            address="Bản Phăng, xã Mường Phăng, tỉnh Điện Biên",
            documents=[DocumentLine(name="Tờ khai theo mẫu")],
            confirm_duplicate=True,
        ),
        now=received_at,
    )
    status = Status(status)
    dossier.status = status.value
    if due_at is not None:
        dossier.due_at = dossier.original_due_at = due_at
    if status in (Status.SUPPLEMENT_REQUESTED, Status.AWAITING_PAYMENT):
        dossier.paused_at = received_at + timedelta(hours=1)
    if status in (Status.RESOLVED, Status.RETURNED):
        dossier.resolved_at = received_at + timedelta(hours=2)
        dossier.timeliness = "early"
    if status is Status.RETURNED:
        dossier.returned_at = received_at + timedelta(hours=3)
        dossier.collected_by = name
    if assigned_to:
        dossier.assigned_to_id = actor_for(assigned_to).user_id
    db.session.commit()
    return dossier


#: Minimal valid arguments for each action (2 hours after reception, well before the due date).
def _args(action: Action) -> dict[str, Any]:
    return {
        Action.RECEIVE: {},
        Action.REFUSE: {"reason": "Hồ sơ không thuộc thẩm quyền của xã"},
        Action.HAND_OVER: {"to_unit": "Công chức Tư pháp - Hộ tịch"},
        Action.REQUEST_SUPPLEMENT: {"items": ["Bản sao Giấy khai sinh"]},
        Action.SUPPLEMENT_RECEIVED: {},
        Action.REQUEST_PAYMENT: {},
        Action.PAYMENT_RECEIVED: {},
        Action.PROPOSE_DELAY: {"new_due": vn(2026, 11, 25, 17, 0), "reason": "Cần xác minh"},
        Action.DELAY: {"new_due": vn(2026, 11, 25, 17, 0), "reason": "Cần xác minh"},
        Action.STOP: {"reason": "Theo đề nghị của cơ quan chuyên môn"},
        Action.WITHDRAW: {"reason": "Công dân xin rút hồ sơ"},
        Action.RESOLVE: {},
        Action.RETURN_RESULT: {"collected_by": "Nguyễn Văn Ánh"},
    }[action]


def _snapshot(dossier_id: int) -> tuple[Any, ...]:
    db.session.expire_all()
    d = db.session.get(Dossier, dossier_id)
    events = db.session.scalar(
        db.select(db.func.count(DossierEvent.id)).where(DossierEvent.dossier_id == dossier_id)
    )
    return (d.status, d.version, d.due_at, d.paused_at, d.delay_count, events)


@pytest.mark.parametrize("action", list(Action), ids=str)
def test_each_action_is_allowed_or_refused_per_role_and_status(app: Flask, action: Action) -> None:
    now = RECEIVED + timedelta(hours=2)
    for status in Status:
        for role in ROLES:
            expected = EXPECTED.get((action, status))
            allowed = expected is not None and role in expected[1]
            dossier = make_dossier(status)
            call = svc.ACTION_FUNCTIONS[action]
            if allowed:
                outcome = call(
                    actor_for(role), dossier.id, version=dossier.version, now=now, **_args(action)
                )
                assert outcome.dossier.status == expected[0].value, (status, role)
                assert outcome.event.action == action.value
                assert outcome.event.from_status == status.value
                assert outcome.event.to_status == expected[0].value
                assert outcome.event.username == USERNAMES[role]
                assert outcome.event.at == now
                assert action in allowed_actions(status, role)
            else:
                before = _snapshot(dossier.id)
                with pytest.raises(NotAllowed):
                    call(
                        actor_for(role),
                        dossier.id,
                        version=dossier.version,
                        now=now,
                        **_args(action),
                    )
                assert _snapshot(dossier.id) == before, (status, role)


def test_hand_over_appends_a_form_06_row_with_units_result_and_assignee(app: Flask) -> None:
    dossier = make_dossier()
    specialist = actor_for("specialist")
    outcome = svc.hand_over(
        actor_for("reception"),
        dossier.id,
        version=dossier.version,
        to_unit="Công chức Tư pháp - Hộ tịch",
        assign_to_id=specialist.user_id,
        note="Chuyển xử lý trong ngày",
        now=vn(2026, 11, 16, 10, 0),
    )
    event = outcome.event
    assert (event.from_status, event.to_status, event.form_no) == ("received", "in_progress", "06")
    assert event.note == "Chuyển xử lý trong ngày"
    assert event.due_before == event.due_after == DUE
    assert event.detail["from_unit"] == svc.COUNTER_UNIT
    assert event.detail["to_unit"] == "Công chức Tư pháp - Hộ tịch"
    assert event.detail["result"] == "early"
    assert outcome.dossier.assigned_to_id == specialist.user_id
    # The next handover starts from where the dossier now is, and on the due day is "on time".
    second = svc.hand_over(
        specialist,
        dossier.id,
        version=outcome.dossier.version,
        to_unit="Lãnh đạo UBND xã",
        now=vn(2026, 11, 19, 9, 0),
    )
    assert second.event.detail["from_unit"] == "Công chức Tư pháp - Hộ tịch"
    assert second.event.detail["result"] == "on_time"
    audit_rows = db.session.scalars(
        db.select(AuditEntry.action).where(AuditEntry.target == dossier.code)
    ).all()
    assert audit_rows.count("dossier_hand_over") == 2


def test_hand_over_requires_a_unit_and_an_active_specialist(app: Flask) -> None:
    dossier = make_dossier()
    before = _snapshot(dossier.id)
    with pytest.raises(ValidationError) as err:
        svc.hand_over(actor_for("reception"), dossier.id, version=dossier.version, to_unit="  ")
    assert err.value.field == "to_unit"
    with pytest.raises(ValidationError) as err:
        svc.hand_over(
            actor_for("reception"),
            dossier.id,
            version=dossier.version,
            to_unit="Tư pháp",
            assign_to_id=actor_for("reception").user_id,
        )
    assert err.value.field == "assign_to_id"
    assert _snapshot(dossier.id) == before


def test_supplement_pauses_the_clock_and_resuming_moves_the_due_date(app: Flask) -> None:
    dossier = make_dossier(Status.IN_PROGRESS)
    asked = svc.request_supplement(
        actor_for("specialist"),
        dossier.id,
        version=dossier.version,
        items="Bản sao Giấy khai sinh\n\nXác nhận nơi cư trú",
        note="Thiếu giấy tờ",
        now=vn(2026, 11, 16, 10, 0),
    )
    assert asked.event.form_no == "02"
    assert asked.event.detail["items"] == ["Bản sao Giấy khai sinh", "Xác nhận nơi cư trú"]
    assert asked.dossier.paused_at == vn(2026, 11, 16, 10, 0)
    assert asked.dossier.due_at == DUE
    # Paused Mon 10:00 → Tue 10:00: 1h30 + 3h30 on Monday, 3h on Tuesday = 8 working hours,
    # so Thu 17:00 moves by one full working day to Fri 20/11 17:00.
    back = svc.supplement_received(
        actor_for("reception"),
        dossier.id,
        version=asked.dossier.version,
        note="Đã nhận đủ",
        now=vn(2026, 11, 17, 10, 0),
    )
    assert back.dossier.status == "in_progress"
    assert back.dossier.paused_at is None
    assert back.dossier.due_at == vn(2026, 11, 20, 17, 0)
    assert back.event.due_before == DUE
    assert back.event.due_after == vn(2026, 11, 20, 17, 0)
    assert back.event.detail["paused_working_minutes"] == 8 * 60
    assert back.dossier.original_due_at == DUE


def test_supplement_needs_at_least_one_item(app: Flask) -> None:
    dossier = make_dossier()
    with pytest.raises(ValidationError) as err:
        svc.request_supplement(
            actor_for("reception"), dossier.id, version=dossier.version, items="\n  \n"
        )
    assert err.value.field == "items"
    assert db.session.get(Dossier, dossier.id).paused_at is None


def test_awaiting_payment_pauses_and_resumes_too(app: Flask) -> None:
    dossier = make_dossier(Status.IN_PROGRESS)
    asked = svc.request_payment(
        actor_for("specialist"), dossier.id, version=dossier.version, now=vn(2026, 11, 18, 13, 30)
    )
    assert asked.dossier.paused_at == vn(2026, 11, 18, 13, 30)
    paid = svc.payment_received(
        actor_for("specialist"),
        dossier.id,
        version=asked.dossier.version,
        now=vn(2026, 11, 18, 15, 30),
    )
    # Two working hours paused: Thu 17:00 → Fri 09:00.
    assert paid.dossier.due_at == vn(2026, 11, 20, 9, 0)
    assert paid.event.detail["paused_working_minutes"] == 120


def _days_left(dossier_id: int, now: datetime) -> int | None:
    """The "còn N ngày" of the dossier's row in the worklist at ``now``."""
    rows = svc.worklist(actor_for("leader"), tab="all", per_page=100, now=now).rows
    return next(row.days_left for row in rows if row.dossier.id == dossier_id)


def test_a_supplement_handed_in_seconds_later_keeps_the_due_date(app: Flask) -> None:
    from counter.services import calendar as cal

    # Received Tue 1/12/2026 09:00, 3 working days: due Fri 4/12 17:00, "còn 3 ngày".
    dossier = make_dossier(Status.IN_PROGRESS, received_at=vn(2026, 12, 1, 9, 0))
    due = vn(2026, 12, 4, 17, 0)
    assert dossier.due_at == due
    assert _days_left(dossier.id, vn(2026, 12, 1, 10, 0)) == 3
    asked = svc.request_supplement(
        actor_for("specialist"),
        dossier.id,
        version=dossier.version,
        items="Bản sao Giấy khai sinh",
        now=vn(2026, 12, 1, 10, 0),
    )
    back = svc.supplement_received(
        actor_for("reception"),
        dossier.id,
        version=asked.dossier.version,
        now=vn(2026, 12, 1, 10, 0) + timedelta(seconds=20),
    )
    assert back.event.detail["paused_working_minutes"] == 0
    assert back.dossier.due_at == due
    assert back.event.due_before == back.event.due_after == due
    assert _days_left(dossier.id, vn(2026, 12, 1, 10, 1)) == 3

    # Again, 1 min 40 s: one whole working minute, recorded and added; Fri 17:00 → Mon 07:01.
    asked = svc.request_supplement(
        actor_for("specialist"),
        dossier.id,
        version=back.dossier.version,
        items="Xác nhận nơi cư trú",
        now=vn(2026, 12, 1, 10, 5),
    )
    back = svc.supplement_received(
        actor_for("reception"),
        dossier.id,
        version=asked.dossier.version,
        now=vn(2026, 12, 1, 10, 6) + timedelta(seconds=40),
    )
    assert back.event.detail["paused_working_minutes"] == 1
    assert back.dossier.due_at == vn(2026, 12, 7, 7, 1)
    assert cal.working_time_between(due, back.dossier.due_at) == timedelta(minutes=1)
    assert back.dossier.original_due_at == due


def test_delay_sets_a_new_date_once(app: Flask) -> None:
    dossier = make_dossier(Status.IN_PROGRESS)
    leader = actor_for("leader")
    new_due = vn(2026, 11, 25, 16, 0)
    outcome = svc.delay(
        leader,
        dossier.id,
        version=dossier.version,
        new_due=new_due,
        reason="Phải xác minh tại nơi cư trú trước đây",
        now=vn(2026, 11, 17, 9, 0),
    )
    assert outcome.warnings == []
    assert outcome.dossier.due_at == new_due
    assert outcome.dossier.delay_count == 1
    assert outcome.dossier.status == "in_progress"
    assert (outcome.event.form_no, outcome.event.due_before, outcome.event.due_after) == (
        "04",
        DUE,
        new_due,
    )
    assert Action.DELAY not in svc.actions_for(outcome.dossier, leader)
    before = _snapshot(dossier.id)
    with pytest.raises(NotAllowed, match="gia hạn một lần"):
        svc.delay(
            leader,
            dossier.id,
            version=outcome.dossier.version,
            new_due=vn(2026, 11, 30, 17, 0),
            reason="Lần nữa",
            now=vn(2026, 11, 18, 9, 0),
        )
    assert _snapshot(dossier.id) == before


@pytest.mark.parametrize(
    ("new_due", "field"),
    [
        (vn(2026, 11, 19, 11, 0), "new_due"),  # before the current due date
        (vn(2026, 11, 21, 17, 0), "new_due"),  # a Saturday
        (None, "new_due"),
    ],
)
def test_delay_refuses_a_bad_date(app: Flask, new_due: datetime | None, field: str) -> None:
    dossier = make_dossier(Status.IN_PROGRESS)
    before = _snapshot(dossier.id)
    with pytest.raises(ValidationError) as err:
        svc.delay(
            actor_for("leader"),
            dossier.id,
            version=dossier.version,
            new_due=new_due,
            reason="Cần xác minh",
            now=vn(2026, 11, 17, 9, 0),
        )
    assert err.value.field == field
    assert _snapshot(dossier.id) == before


def test_delay_on_the_due_day_warns_or_is_refused_by_policy(app: Flask) -> None:
    dossier = make_dossier(Status.IN_PROGRESS)
    late = svc.delay(
        actor_for("leader"),
        dossier.id,
        version=dossier.version,
        new_due=vn(2026, 11, 25, 17, 0),
        reason="Cần xác minh",
        now=vn(2026, 11, 19, 8, 0),  # the due day itself: less than one day before
    )
    assert late.dossier.delay_count == 1
    assert late.event.detail["late_notice"] is True
    assert any("chậm nhất 01 ngày" in w for w in late.warnings)

    app.config["DELAY_NOTICE_POLICY"] = "refuse"
    other = make_dossier(Status.IN_PROGRESS, id_number="011090009999")
    before = _snapshot(other.id)
    with pytest.raises(ValidationError, match="chậm nhất 01 ngày"):
        svc.delay(
            actor_for("leader"),
            other.id,
            version=other.version,
            new_due=vn(2026, 11, 25, 17, 0),
            reason="Cần xác minh",
            now=vn(2026, 11, 19, 8, 0),
        )
    assert _snapshot(other.id) == before


def test_a_delay_proposal_is_recorded_for_the_leader_without_moving_the_date(app: Flask) -> None:
    dossier = make_dossier(Status.IN_PROGRESS)
    proposal = svc.propose_delay(
        actor_for("specialist"),
        dossier.id,
        version=dossier.version,
        new_due=vn(2026, 11, 25, 17, 0),
        reason="Chờ kết quả xác minh",
        now=vn(2026, 11, 17, 9, 0),
    )
    assert proposal.dossier.due_at == DUE
    assert proposal.dossier.delay_count == 0
    assert svc.latest_proposal(proposal.dossier).id == proposal.event.id
    assert Action.DELAY not in svc.actions_for(proposal.dossier, actor_for("specialist"))
    assert Action.DELAY in svc.actions_for(proposal.dossier, actor_for("leader"))


@pytest.mark.parametrize(
    ("resolved_at", "timeliness"),
    [
        (vn(2026, 11, 18, 16, 0), "early"),
        (vn(2026, 11, 19, 16, 59), "on_time"),
        (vn(2026, 11, 19, 17, 0), "on_time"),
        (vn(2026, 11, 20, 8, 0), "late"),
    ],
)
def test_resolve_classifies_against_the_due_date(
    app: Flask, resolved_at: datetime, timeliness: str
) -> None:
    dossier = make_dossier(Status.IN_PROGRESS)
    outcome = svc.resolve(
        actor_for("specialist"), dossier.id, version=dossier.version, now=resolved_at
    )
    assert outcome.dossier.resolved_at == resolved_at
    assert outcome.dossier.timeliness == timeliness
    assert outcome.event.detail["timeliness"] == timeliness


def test_return_records_who_collected_and_when(app: Flask) -> None:
    dossier = make_dossier(Status.RESOLVED)
    with pytest.raises(ValidationError) as err:
        svc.return_result(
            actor_for("reception"), dossier.id, version=dossier.version, collected_by=" "
        )
    assert err.value.field == "collected_by"
    at = vn(2026, 11, 19, 14, 0)
    outcome = svc.return_result(
        actor_for("reception"),
        dossier.id,
        version=dossier.version,
        collected_by="Lò Văn Panh (chồng)",
        now=at,
    )
    assert (outcome.dossier.status, outcome.dossier.returned_at) == ("returned", at)
    assert outcome.dossier.collected_by == "Lò Văn Panh (chồng)"


@pytest.mark.parametrize("action", [Action.STOP, Action.WITHDRAW, Action.REFUSE], ids=str)
def test_stop_withdraw_and_refuse_need_a_reason(app: Flask, action: Action) -> None:
    status = Status.SUBMITTED if action is Action.REFUSE else Status.IN_PROGRESS
    dossier = make_dossier(status)
    role = "leader" if action is Action.STOP else "reception"
    before = _snapshot(dossier.id)
    with pytest.raises(ValidationError) as err:
        svc.ACTION_FUNCTIONS[action](
            actor_for(role), dossier.id, version=dossier.version, reason=""
        )
    assert err.value.field == "reason"
    assert _snapshot(dossier.id) == before
    outcome = svc.ACTION_FUNCTIONS[action](
        actor_for(role), dossier.id, version=dossier.version, reason="Lý do cụ thể"
    )
    assert outcome.event.note == "Lý do cụ thể"
    # Form 05 is the citizen's request; the authority's stop prints its notice (no number).
    assert outcome.event.form_no == {"stop": None, "withdraw": "05", "refuse": "03"}[action]


def test_withdrawing_a_paused_dossier_ends_the_pause(app: Flask) -> None:
    dossier = make_dossier(Status.SUPPLEMENT_REQUESTED)
    outcome = svc.withdraw(
        actor_for("reception"),
        dossier.id,
        version=dossier.version,
        reason="Công dân không bổ sung được",
        now=vn(2026, 11, 17, 9, 0),
    )
    assert outcome.dossier.paused_at is None
    assert outcome.dossier.due_at == DUE


def test_a_stale_version_is_a_conflict_and_the_first_change_stays(app: Flask) -> None:
    dossier = make_dossier()
    seen_version = dossier.version  # officer A opens the page
    first = svc.hand_over(  # officer B acts first
        actor_for("specialist"), dossier.id, version=seen_version, to_unit="Tư pháp - Hộ tịch"
    )
    before = _snapshot(dossier.id)
    with pytest.raises(Conflict, match="người khác cập nhật"):
        svc.request_supplement(
            actor_for("reception"),
            dossier.id,
            version=seen_version,
            items=["Bản sao Giấy khai sinh"],
        )
    assert _snapshot(dossier.id) == before
    assert db.session.get(Dossier, dossier.id).status == first.dossier.status == "in_progress"


def test_a_concurrent_commit_between_read_and_write_is_a_conflict(app: Flask) -> None:
    dossier = make_dossier()
    loaded = db.session.get(Dossier, dossier.id)
    version = loaded.version  # this session now holds the row as it was
    # Another officer's transaction commits on its own connection in between.
    with db.engine.begin() as other:
        other.execute(
            update(Dossier.__table__)
            .where(Dossier.__table__.c.id == dossier.id)
            .values(version=version + 1, notes="sửa bởi máy khác")
        )
    with pytest.raises(Conflict):
        svc.hand_over(actor_for("reception"), dossier.id, version=version, to_unit="Tư pháp")
    db.session.expire_all()
    fresh = db.session.get(Dossier, dossier.id)
    assert (fresh.status, fresh.notes, fresh.version) == (
        "received",
        "sửa bởi máy khác",
        version + 1,
    )
    assert [e.action for e in fresh.events] == ["receive"]


def test_accepting_an_online_dossier_starts_the_clock(app: Flask) -> None:
    dossier = make_dossier(Status.SUBMITTED)
    outcome = svc.receive(
        actor_for("reception"),
        dossier.id,
        version=dossier.version,
        now=vn(2026, 11, 17, 14, 0),
    )
    assert outcome.dossier.status == "received"
    assert outcome.dossier.received_at == vn(2026, 11, 17, 14, 0)
    assert outcome.dossier.due_at == vn(2026, 11, 20, 17, 0)
    assert outcome.event.form_no == "01"
