"""The dossier lifecycle after reception, the worklist and the search.

Each action of :mod:`counter.domain.lifecycle` is one function here, one
transaction: it checks the form's ``version`` (optimistic locking), asks the
status machine whether the actor's role may act, changes the dossier, appends a
:class:`~counter.models.DossierEvent` (history, audit and sync outbox) and an
audit row, and commits. Every function takes ``now=`` (aware) so the demo data
and the tests can replay a past day; due dates and working time come only from
:mod:`counter.services.calendar`.

Decisions (the law names duties, not screens):

* Entering a paused status (:func:`~counter.domain.lifecycle.is_paused`: a
  supplement request, and awaiting payment) sets ``paused_at``; leaving it for
  processing moves ``due_at`` by the paused working time, recorded in the event.
  Leaving it by stop or withdrawal just ends the pause (the due date no longer
  matters).
* A delay (form 04) must be recorded at least one day before the due date it
  replaces (the date on the citizen's current appointment). When it is later,
  the policy ``DELAY_NOTICE_POLICY`` (config key, default ``"warn"``) decides:
  ``"warn"`` records it and returns a warning; ``"refuse"`` refuses it. The
  text says the apology is *due* one day before, not that a late delay is void,
  so warning is the default.
* Worklist tabs only count dossiers whose clock runs (received or in progress):
  a paused dossier is shown as paused, never as overdue. "Due today" is due
  later today; "due soon" is due on one of the next two working days (today
  excluded, so the tabs do not overlap); "overdue" is past its due instant.
* A specialist may act on any dossier (small offices share work); assignment is
  part of the handover (form 06), not a separate permission.
* "Mine" (the "Của tôi" tab, and the ``mine_of`` filter) is what waits on an
  officer's desk: dossiers in processing assigned to them, and dossiers they
  received that are still at the counter: to hand over (received), to return
  (resolved), or awaiting a supplement they asked for before any handover.
  A dossier handed over to a unit without a named person is nobody's: it shows
  in the office-wide tabs.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import bindparam, false, func, literal, or_, union_all
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from counter import settings
from counter.domain import clock, events
from counter.domain.codes import format_dossier_seq
from counter.domain.errors import Conflict, NotFound, ValidationError
from counter.domain.events import EventPayload, Pause, with_pause
from counter.domain.i18n import N_
from counter.domain.lifecycle import (
    ACTIONS,
    MAX_DELAYS,
    Action,
    Status,
    allowed_actions,
    is_open,
    is_paused,
    transition,
)
from counter.domain.printed.wording import ONE_STOP_UNIT
from counter.domain.text import SEARCH_WORDS_MAX, check_search_words, fold, too_long
from counter.extensions import db
from counter.models import Dossier, DossierEvent, DossierStatusCount, Procedure, User, UserRole
from counter.models.types import column_length
from counter.services import Actor, audit, numbering, search_index, setup_cache, transaction
from counter.services import calendar as cal
from counter.services.events import append_event

CONFLICT_MESSAGE = N_(
    "Hồ sơ vừa được người khác cập nhật trong lúc bạn thao tác. Thao tác của bạn chưa được "
    "lưu; nội dung bạn đã nhập vẫn được giữ lại bên dưới. Vui lòng tải lại trang, xem thay "
    "đổi mới rồi thao tác lại."
)

#: Unit name used for the first handover row of form 06 (the counter itself).
COUNTER_UNIT = ONE_STOP_UNIT

#: Statuses whose clock runs: the only ones that can be due today, soon or overdue.
RUNNING = (Status.RECEIVED.value, Status.IN_PROGRESS.value)
OPEN = tuple(s.value for s in Status if is_open(s))

#: Worklist tabs, in screen order.
TABS = ("mine", "today", "soon", "overdue", "ready", "open", "all")
#: Submitted online (pulled from the portal, or entered so), waiting to be accepted or refused.
ONLINE = "online"
#: Statuses of a dossier being processed by the one it is assigned to.
PROCESSING = (
    Status.IN_PROGRESS.value,
    Status.SUPPLEMENT_REQUESTED.value,
    Status.AWAITING_PAYMENT.value,
)
#: Longest note or reason of an action, unit name of a handover, line of a supplement request.
NOTE_MAX = column_length(DossierEvent.note)
UNIT_MAX = column_length(Dossier.processing_unit)
SUPPLEMENT_ITEM_MAX = 500
#: The supplement request's box: its lines together.
SUPPLEMENT_ITEMS_MAX = 4000

#: "Due soon" means within this many working days after today.
SOON_WORKING_DAYS = 2
#: «Tất cả» counts up to this many dossiers and then says "more than" (see worklist_counts);
#: its pages reach that far: past it, the officer narrows the list with a filter or a search.
ALL_COUNT_CAP = 10_000

_DIGITS_ONLY = re.compile(r"^[\d\s.+()-]+$")
#: The end of a dossier code as typed: "261201-0003", "261201-3", "…H18-261201-3".
_CODE_TAIL = re.compile(r"^(\S*-)?(\d{6})-(\d{1,6})$")
#: A few digits alone are the sequence that ends a code: "3" or "0003".
_SEQUENCE_ONLY = re.compile(r"^\d{1,4}$")

audit.ACTIONS["dossier_viewed"] = N_("Xem hồ sơ")
audit.ACTIONS.update({f"dossier_{a.value}": spec.audit_label for a, spec in ACTIONS.items()})


@dataclass
class Outcome:
    """What an action did: the dossier, its new event, and warnings for the officer."""

    dossier: Dossier
    event: DossierEvent
    warnings: list[str] = field(default_factory=list)  # Messages: shown translated


@dataclass
class _Step:
    """What an action's own rules produced: its event's payload and note, and warnings."""

    payload: EventPayload
    note: str = ""
    warnings: list[str] = field(default_factory=list)


# -- reading -----------------------------------------------------------------------


NO_SUCH_DOSSIER = N_("Không tìm thấy hồ sơ.")


def get_dossier(dossier_id: int) -> Dossier:
    """The dossier, or NotFound."""
    dossier = db.session.get(Dossier, dossier_id)
    if dossier is None:
        raise NotFound(NO_SUCH_DOSSIER)
    return dossier


def open_dossier(actor: Actor, dossier_id: int) -> Dossier:
    """The dossier for its staff page; the access is logged (the page shows the ID number).

    The dossier comes with its procedure and officers in one statement, and the log's
    commit leaves what was read as read: the page is the dossier as it stood a moment
    before the log's row, instead of the dossier, the signed-in account and its roles
    read all over again after it.
    """
    dossier = db.session.scalars(
        db.select(Dossier).where(Dossier.id == dossier_id).options(*_ROW_OPTIONS)
    ).first()
    if dossier is None:
        raise NotFound(NO_SUCH_DOSSIER)
    with transaction(keep_loaded=True):
        audit.record(actor, "dossier_viewed", dossier.code)
    return dossier


def actions_for(dossier: Dossier, actor: Actor) -> list[Action]:
    """The actions this user may take on this dossier now (delay only while still possible)."""
    actions = allowed_actions(dossier.status, actor.roles)
    if dossier.delay_count >= MAX_DELAYS:
        actions = [a for a in actions if a not in (Action.DELAY, Action.PROPOSE_DELAY)]
    return actions


#: Roles a dossier may be assigned to (the one who processes it).
ASSIGNABLE_ROLES = ("specialist", "leader")


def assignable_users() -> list[User]:
    """Active accounts holding the specialist or leader role, for "assign to" choices."""
    processors = db.select(UserRole.user_id).where(UserRole.role.in_(ASSIGNABLE_ROLES))
    return list(
        db.session.scalars(
            db.select(User)
            .where(User.active.is_(True), User.id.in_(processors))
            .order_by(User.full_name)
        )
    )


def staff_choices() -> tuple[tuple[int, str], ...]:
    """(id, full name) of the active staff, for the officer filter of every worklist page
    (this process's copy while the setup's version stands, migration 0024)."""
    return setup_cache.cached("staff_choices", _load_staff_choices)


def _load_staff_choices() -> tuple[tuple[int, str], ...]:
    rows = db.session.execute(
        db.select(User.id, User.full_name).where(User.active.is_(True)).order_by(User.full_name)
    )
    return tuple((user_id, name) for user_id, name in rows)


def current_unit(dossier: Dossier) -> str:
    """Where the dossier is now: the last handover's receiving unit, else the counter."""
    return events.holder_of(event.payload for event in dossier.events)


def next_unit(dossier: Dossier) -> str:
    """The unit a handover most likely goes to: the resolving body, when still at the counter."""
    if current_unit(dossier) == COUNTER_UNIT:
        return dossier.processing_unit or dossier.procedure.implementing_body or ""
    return ""


def latest_proposal(dossier: Dossier) -> DossierEvent | None:
    """The latest delay proposal not yet followed by a delay (the leader signs it)."""
    for event in reversed(dossier.events):
        if event.action == Action.DELAY.value:
            return None
        if event.action == Action.PROPOSE_DELAY.value:
            return event
    return None


# -- the lifecycle -----------------------------------------------------------------


def _clean(text: str | None, limit: int = NOTE_MAX, field_name: str = "note") -> str:
    """The typed text, stripped; longer than ``limit`` is refused (said, never cut)."""
    value = (text or "").strip()
    if len(value) > limit:
        raise ValidationError(too_long(limit, len(value)), field=field_name)
    return value


def _required(text: str | None, field_name: str, message: str, limit: int = NOTE_MAX) -> str:
    value = _clean(text, limit, field_name)
    if not value:
        raise ValidationError(message, field=field_name)
    return value


def _perform(
    actor: Actor,
    dossier_id: int,
    version: int | None,
    action: Action,
    now: datetime | None,
    apply: Callable[[Dossier, datetime], _Step],
) -> Outcome:
    """Run one action in one transaction; a concurrent change becomes Conflict."""
    moment = clock.now_or(now)
    try:
        with transaction():
            dossier = get_dossier(dossier_id)
            if version is None or int(version) != dossier.version:
                raise Conflict(CONFLICT_MESSAGE)
            from_status = Status(dossier.status)
            to_status = transition(
                from_status, action, actor.roles, delays_used=dossier.delay_count
            )
            if moment < dossier.received_at:
                raise ValidationError(
                    N_("Thời điểm thao tác không được trước thời điểm tiếp nhận hồ sơ.")
                )
            due_before = dossier.due_at
            step = apply(dossier, moment)
            _pause_bookkeeping(dossier, from_status, to_status, moment, step)
            dossier.status = to_status.value
            assert isinstance(step.payload, ACTIONS[action].payload)
            event = append_event(
                dossier,
                actor,
                step.payload,
                from_status=from_status.value,
                to_status=to_status.value,
                note=step.note,
                due_before=due_before,
                due_after=dossier.due_at,
                form_no=ACTIONS[action].form_no,
                at=moment,
            )
            audit.record(
                actor, f"dossier_{action.value}", dossier.code, f"{from_status} → {to_status}"
            )
    except StaleDataError:
        raise Conflict(CONFLICT_MESSAGE) from None
    return Outcome(dossier, event, step.warnings)


def _pause_bookkeeping(
    dossier: Dossier, before: Status, after: Status, now: datetime, step: _Step
) -> None:
    if not is_paused(before) and is_paused(after):
        dossier.paused_at = now
        step.payload = with_pause(step.payload, Pause(started=now))
    elif is_paused(before) and not is_paused(after):
        paused_from = dossier.paused_at or now
        # One number for the record and the move: the due date moves by exactly the
        # whole working minutes the event shows (a pause of seconds moves nothing).
        minutes = cal.paused_working_minutes(paused_from, now)
        pause = Pause(started=paused_from, ended=now, working_minutes=minutes)
        step.payload = with_pause(step.payload, pause)
        if after in (Status.IN_PROGRESS, Status.RECEIVED):
            dossier.due_at = cal.extend_due_at(dossier.due_at, minutes)
        dossier.paused_at = None


#: Each action's service function, for the web layer's single action endpoint.
ACTION_FUNCTIONS: dict[Action, Callable[..., Outcome]] = {}


def _serves(action: Action) -> Callable[[Callable[..., Outcome]], Callable[..., Outcome]]:
    """Declare a function as the service of ``action`` (one per action, checked by a test)."""

    def register(function: Callable[..., Outcome]) -> Callable[..., Outcome]:
        assert action not in ACTION_FUNCTIONS, action
        ACTION_FUNCTIONS[action] = function
        return function

    return register


@_serves(Action.RECEIVE)
def receive(
    actor: Actor,
    dossier_id: int,
    *,
    version: int | None,
    note: str = "",
    now: datetime | None = None,
) -> Outcome:
    """Accept a dossier submitted online (form 01): the clock starts now, the ledger numbers it.

    Its code stays the one it came with (the portal's MaHoSo).
    """

    def apply(dossier: Dossier, moment: datetime) -> _Step:
        procedure = dossier.procedure
        due = cal.due_at(moment, procedure.limit_amount, procedure.limit_unit)
        if dossier.ledger_seq is None:  # entered in the ledger (form 07) as received today
            ledger = numbering.ledger_number(clock.local_date(moment))
            dossier.ledger_book, dossier.ledger_seq = ledger.book, ledger.seq
        dossier.received_at = moment
        dossier.due_at = due
        dossier.original_due_at = due
        dossier.received_by_id = actor.user_id
        return _Step(events.Received(), note=_clean(note))

    return _perform(actor, dossier_id, version, Action.RECEIVE, now, apply)


def _with_reason(
    actor: Actor,
    dossier_id: int,
    version: int | None,
    action: Action,
    reason: str,
    missing: str,
    now: datetime | None,
) -> Outcome:
    """An action whose only input is a required reason (refuse, stop, withdraw)."""
    payload_type = ACTIONS[action].payload
    assert issubclass(payload_type, events.Reasoned)

    def apply(dossier: Dossier, moment: datetime) -> _Step:
        text = _required(reason, "reason", missing)
        return _Step(payload_type(reason=text), note=text)

    return _perform(actor, dossier_id, version, action, now, apply)


@_serves(Action.REFUSE)
def refuse(
    actor: Actor, dossier_id: int, *, version: int | None, reason: str, now: datetime | None = None
) -> Outcome:
    """Refuse a submitted dossier (form 03); the specific reason is required."""
    missing = N_("Vui lòng ghi rõ lý do từ chối tiếp nhận.")
    return _with_reason(actor, dossier_id, version, Action.REFUSE, reason, missing, now)


@_serves(Action.HAND_OVER)
def hand_over(
    actor: Actor,
    dossier_id: int,
    *,
    version: int | None,
    to_unit: str,
    from_unit: str = "",
    assign_to_id: int | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Outcome:
    """Hand the dossier to a unit (a row of form 06), optionally to a named specialist.

    The row's result (trước/đúng/quá hạn) is the timeliness at the moment of
    the handover.
    """

    def apply(dossier: Dossier, moment: datetime) -> _Step:
        target = _required(to_unit, "to_unit", N_("Vui lòng ghi đơn vị nhận hồ sơ."), UNIT_MAX)
        source = _clean(from_unit, UNIT_MAX, "from_unit") or current_unit(dossier)
        payload = events.HandedOver(
            from_unit=source, to_unit=target, result=cal.classify(moment, dossier.due_at)
        )
        if assign_to_id:
            user = db.session.get(User, int(assign_to_id))
            if user is None or not user.active or user.roles.isdisjoint(ASSIGNABLE_ROLES):
                raise ValidationError(
                    N_("Người được giao phải là chuyên viên hoặc lãnh đạo đang làm việc."),
                    field="assign_to_id",
                )
            dossier.assigned_to_id = user.id
            payload = replace(payload, assigned_to=user.full_name, assigned_to_id=user.id)
        return _Step(payload, note=_clean(note))

    return _perform(actor, dossier_id, version, Action.HAND_OVER, now, apply)


@_serves(Action.REQUEST_SUPPLEMENT)
def request_supplement(
    actor: Actor,
    dossier_id: int,
    *,
    version: int | None,
    items: list[str] | str,
    note: str = "",
    now: datetime | None = None,
) -> Outcome:
    """Ask the citizen for missing documents (form 02); the clock pauses."""

    def apply(dossier: Dossier, moment: datetime) -> _Step:
        lines = items.splitlines() if isinstance(items, str) else list(items)
        wanted = [
            _clean(line, SUPPLEMENT_ITEM_MAX, "items") for line in lines if line and line.strip()
        ]
        if not wanted:
            raise ValidationError(
                N_("Vui lòng ghi ít nhất một nội dung cần bổ sung, hoàn thiện."), field="items"
            )
        return _Step(events.SupplementRequested(items=tuple(wanted)), note=_clean(note))

    return _perform(actor, dossier_id, version, Action.REQUEST_SUPPLEMENT, now, apply)


@_serves(Action.SUPPLEMENT_RECEIVED)
def supplement_received(
    actor: Actor,
    dossier_id: int,
    *,
    version: int | None,
    note: str = "",
    now: datetime | None = None,
) -> Outcome:
    """The citizen brought the supplement: the due date moves by the paused working time."""
    return _perform(
        actor,
        dossier_id,
        version,
        Action.SUPPLEMENT_RECEIVED,
        now,
        lambda dossier, moment: _Step(events.SupplementReceived(), note=_clean(note)),
    )


@_serves(Action.REQUEST_PAYMENT)
def request_payment(
    actor: Actor,
    dossier_id: int,
    *,
    version: int | None,
    note: str = "",
    now: datetime | None = None,
) -> Outcome:
    """Ask the citizen to pay fees or taxes (the clock pauses per lifecycle's rule)."""
    return _perform(
        actor,
        dossier_id,
        version,
        Action.REQUEST_PAYMENT,
        now,
        lambda dossier, moment: _Step(events.PaymentRequested(), note=_clean(note)),
    )


@_serves(Action.PAYMENT_RECEIVED)
def payment_received(
    actor: Actor,
    dossier_id: int,
    *,
    version: int | None,
    note: str = "",
    now: datetime | None = None,
) -> Outcome:
    """The citizen paid: processing resumes."""
    return _perform(
        actor,
        dossier_id,
        version,
        Action.PAYMENT_RECEIVED,
        now,
        lambda dossier, moment: _Step(events.PaymentReceived(), note=_clean(note)),
    )


def _delay_checks(
    dossier: Dossier, new_due: datetime | None, moment: datetime
) -> tuple[datetime, list[str]]:
    """Rules shared by a proposal and the delay itself: the new due date, and warnings.

    A warning means the notice comes later than the law asks (``late_notice``).
    """
    if new_due is None:
        raise ValidationError(N_("Vui lòng chọn ngày hẹn trả mới."), field="new_due")
    if new_due.tzinfo is None:
        raise ValueError("an aware datetime is required")
    if new_due <= dossier.due_at:
        raise ValidationError(
            N_("Ngày hẹn trả mới phải sau ngày hẹn trả hiện tại."), field="new_due"
        )
    if not cal.is_working_day(clock.local_date(new_due)):
        raise ValidationError(N_("Ngày hẹn trả mới phải là ngày làm việc."), field="new_due")
    warnings: list[str] = []
    if not notice_in_time(dossier.due_at, moment):
        message = N_(
            "Phiếu xin lỗi và gia hạn phải được gửi chậm nhất 01 ngày trước ngày hẹn trả "
            "hiện tại; hồ sơ này đã quá thời điểm đó."
        )
        if settings.current().delay_notice_policy == "refuse":
            raise ValidationError(message, field="new_due")
        warnings.append(message)
    return new_due, warnings


def notice_in_time(due: datetime, now: datetime) -> bool:
    """Whether a delay notice at ``now`` is at least one day before the due day (Vietnam dates)."""
    return clock.local_date(now) <= clock.local_date(due) - timedelta(days=1)


@_serves(Action.PROPOSE_DELAY)
def propose_delay(
    actor: Actor,
    dossier_id: int,
    *,
    version: int | None,
    new_due: datetime | None,
    reason: str,
    now: datetime | None = None,
) -> Outcome:
    """A specialist proposes a delay; the leader signs it with :func:`delay`."""

    def apply(dossier: Dossier, moment: datetime) -> _Step:
        text = _required(reason, "reason", N_("Vui lòng ghi lý do đề xuất gia hạn."))
        if dossier.delay_count >= MAX_DELAYS:
            raise ValidationError(N_("Hồ sơ đã được gia hạn một lần; không thể gia hạn thêm."))
        proposed, warnings = _delay_checks(dossier, new_due, moment)
        payload = events.DelayProposed(
            reason=text, proposed_due=proposed, late_notice=bool(warnings)
        )
        return _Step(payload, note=text, warnings=warnings)

    return _perform(actor, dossier_id, version, Action.PROPOSE_DELAY, now, apply)


@_serves(Action.DELAY)
def delay(
    actor: Actor,
    dossier_id: int,
    *,
    version: int | None,
    new_due: datetime | None,
    reason: str,
    now: datetime | None = None,
) -> Outcome:
    """Apologise and set a new due date (form 04), once per dossier."""

    def apply(dossier: Dossier, moment: datetime) -> _Step:
        text = _required(reason, "reason", N_("Vui lòng ghi lý do chậm trả kết quả."))
        wanted, warnings = _delay_checks(dossier, new_due, moment)
        dossier.due_at = cal.delayed_due_at(
            dossier.due_at, wanted, dossier.delay_count >= MAX_DELAYS
        )
        dossier.delay_count += 1
        payload = events.Delayed(reason=text, late_notice=bool(warnings))
        return _Step(payload, note=text, warnings=warnings)

    return _perform(actor, dossier_id, version, Action.DELAY, now, apply)


@_serves(Action.STOP)
def stop(
    actor: Actor, dossier_id: int, *, version: int | None, reason: str, now: datetime | None = None
) -> Outcome:
    """Stop processing (form 05); the reason is required."""
    missing = N_("Vui lòng ghi lý do dừng giải quyết hồ sơ.")
    return _with_reason(actor, dossier_id, version, Action.STOP, reason, missing, now)


@_serves(Action.WITHDRAW)
def withdraw(
    actor: Actor, dossier_id: int, *, version: int | None, reason: str, now: datetime | None = None
) -> Outcome:
    """Record the citizen's withdrawal (form 05); the reason is required."""
    missing = N_("Vui lòng ghi lý do công dân rút hồ sơ.")
    return _with_reason(actor, dossier_id, version, Action.WITHDRAW, reason, missing, now)


@_serves(Action.RESOLVE)
def resolve(
    actor: Actor,
    dossier_id: int,
    *,
    version: int | None,
    note: str = "",
    now: datetime | None = None,
) -> Outcome:
    """The result is ready: classified trước / đúng / quá hạn against the current due date."""

    def apply(dossier: Dossier, moment: datetime) -> _Step:
        timeliness = cal.classify(moment, dossier.due_at)
        dossier.resolved_at = moment
        dossier.timeliness = timeliness.value
        return _Step(events.Resolved(timeliness=timeliness), note=_clean(note))

    return _perform(actor, dossier_id, version, Action.RESOLVE, now, apply)


@_serves(Action.RETURN_RESULT)
def return_result(
    actor: Actor,
    dossier_id: int,
    *,
    version: int | None,
    collected_by: str,
    note: str = "",
    now: datetime | None = None,
) -> Outcome:
    """The result is handed back: who collected it, and when (now)."""

    def apply(dossier: Dossier, moment: datetime) -> _Step:
        who = _required(
            collected_by,
            "collected_by",
            N_("Vui lòng ghi họ tên người nhận kết quả."),
            column_length(Dossier.collected_by),
        )
        dossier.returned_at = moment
        dossier.collected_by = who
        return _Step(events.ResultReturned(collected_by=who), note=_clean(note))

    return _perform(actor, dossier_id, version, Action.RETURN_RESULT, now, apply)


def local_due(day: date, at: time | None = None) -> datetime:
    """A new due date from a date (and time, default the afternoon closing) in Vietnam time."""
    if at is None:
        at = cal.office_hours().closing
    return clock.from_local_naive(datetime.combine(day, at))


# -- the worklist ------------------------------------------------------------------


@dataclass
class Row:
    """One worklist line: the dossier and where it stands against its due date."""

    dossier: Dossier
    days_left: int | None  # working days; None when the clock does not run
    overdue: bool
    paused: bool

    @property
    def officer(self) -> User | None:
        return self.dossier.assigned_to or self.dossier.received_by


@dataclass
class WorklistPage:
    rows: list[Row]
    total: int
    page: int
    pages: int
    counts: dict[str, int]
    capped: bool = False  # «Tất cả» holds more than ALL_COUNT_CAP: total says "more than"


@dataclass(frozen=True)
class Filters:
    """Worklist filters; empty values mean no filter."""

    status: str = ""
    field_code: str = ""
    officer_id: int | None = None
    query: str = ""
    mine_of: int | None = None  # only what waits on this user's desk (see the module doc)
    # What the reports link to (so that every number opens the dossiers it counts):
    procedure_id: int | None = None
    channel: str = ""
    pending: bool = False  # received and not finished (PENDING statuses)
    # A step taken between two Vietnam dates (both included): one of DURING.
    during: str = ""
    from_date: date | None = None
    to_date: date | None = None
    timeliness: str = ""  # early / on_time / late, or in_time (early or on time)


#: Received and not finished: what a report counts as pending.
PENDING = (
    Status.RECEIVED.value,
    Status.IN_PROGRESS.value,
    Status.SUPPLEMENT_REQUESTED.value,
    Status.AWAITING_PAYMENT.value,
)
#: The steps a date range may apply to; the event kinds of those recorded only as events.
DURING = ("received", "resolved", "refused", "ended", "supplement")
_DURING_EVENTS = {
    "refused": (events.Refused.kind,),
    "ended": (events.Withdrawn.kind, events.Stopped.kind),
    "supplement": (events.SupplementRequested.kind,),
}
_TIMELINESS = {"early": ("early",), "on_time": ("on_time",), "late": ("late",)}
_TIMELINESS["in_time"] = ("early", "on_time")


def _during_clause(filters: Filters) -> Any:
    """Dossiers that took the step ``filters.during`` within the filter's dates."""
    start = clock.start_of_day(filters.from_date) if filters.from_date else None
    end = clock.start_of_day(filters.to_date + timedelta(days=1)) if filters.to_date else None

    def within(column: Any) -> Any:
        clause = column.is_not(None)
        if start is not None:
            clause &= column >= start
        if end is not None:
            clause &= column < end
        return clause

    if filters.during == "received":
        return Dossier.status.notin_((Status.SUBMITTED.value, Status.REFUSED.value)) & within(
            Dossier.received_at
        )
    if filters.during == "resolved":
        return within(Dossier.resolved_at)
    kinds = _DURING_EVENTS[filters.during]
    step = db.select(DossierEvent.id).where(
        DossierEvent.dossier_id == Dossier.id,
        DossierEvent.action.in_(kinds),
        within(DossierEvent.at),
    )
    if filters.during == "supplement":
        return step.exists()
    # Refused, withdrawn or stopped: the dossier ended so (its first such step).
    return (
        Dossier.status.in_(
            (Status.REFUSED.value,)
            if filters.during == "refused"
            else (Status.WITHDRAWN.value, Status.STOPPED.value)
        )
        & step.exists()
    )


def _bounds(now: datetime) -> tuple[datetime, datetime]:
    """End of today and end of the SOON_WORKING_DAYS-th working day after today, as UTC."""
    today = clock.local_date(now)
    day, found = today, 0
    while found < SOON_WORKING_DAYS:
        day += timedelta(days=1)
        if cal.is_working_day(day):
            found += 1
        if (day - today).days > 60:  # a calendar with no working day: stop looking
            break
    return clock.start_of_day(today + timedelta(days=1)), clock.start_of_day(
        day + timedelta(days=1)
    )


def _mine_parts(user_id: int) -> tuple[Any, ...]:
    """What waits on this user's desk (the module doc says why), in disjoint parts.

    Each part is one status and one person, so that an index on (assigned_to_id,
    status, due_at) or (received_by_id, status, due_at, …) finds it in due-date order:
    the page of «Của tôi» merges the parts' first rows, its count adds theirs up.
    """
    mine = Dossier.assigned_to_id == user_id
    received = Dossier.received_by_id == user_id
    return (
        *(mine & (Dossier.status == status) for status in PROCESSING),
        *(
            received & (Dossier.status == status)
            for status in (Status.RECEIVED.value, Status.RESOLVED.value)
        ),
        received
        & (Dossier.status == Status.SUPPLEMENT_REQUESTED.value)
        & Dossier.assigned_to_id.is_(None),
    )


def _mine_clause(user_id: int | None) -> Any:
    """What waits on this user's desk."""
    return false() if user_id is None else or_(*_mine_parts(user_id))


def tab_clause(tab: str, now: Any, actor: Actor, bounds: tuple[Any, Any] | None = None) -> Any:
    """The condition of a worklist tab at ``now`` (the reports count with the same).

    ``now`` and ``bounds`` (the end of today and of the soon window, :func:`_bounds`)
    may be bound parameters, for a statement kept and run again.
    """
    running = Dossier.status.in_(RUNNING)
    if tab == "mine":
        return _mine_clause(actor.user_id)
    if tab == ONLINE:
        return Dossier.status == Status.SUBMITTED.value
    if tab == "today":
        end_today, _end_soon = bounds or _bounds(now)
        return running & (Dossier.due_at >= now) & (Dossier.due_at < end_today)
    if tab == "soon":
        end_today, end_soon = bounds or _bounds(now)
        return running & (Dossier.due_at >= end_today) & (Dossier.due_at < end_soon)
    if tab == "overdue":
        return running & (Dossier.due_at < now)
    if tab == "ready":
        return Dossier.status == Status.RESOLVED.value
    if tab == "open":
        return Dossier.status.in_(OPEN)
    return None


def search_terms(query: str) -> list[str]:
    """Folded search words; a phone or ID number typed with spaces or dots becomes one term.

    The end of a code ("261201-3") and a sequence alone ("3", "0003") are padded to
    the code's four digits; a sequence alone matches only the end of a code (the
    search text puts a space after the code).
    """
    text = (query or "").strip()[:200]
    tail = _CODE_TAIL.match(text)
    if tail:
        seq = format_dossier_seq(int(tail.group(3)))
        return [fold(f"{tail.group(1) or ''}{tail.group(2)}-{seq}")]
    if _SEQUENCE_ONLY.match(text):
        return [f"-{format_dossier_seq(int(text))} "]
    if _DIGITS_ONLY.match(text):
        digits = re.sub(r"\D", "", text)
        return [digits] if digits else []
    return fold(text).split()


def _filtered(filters: Filters) -> Any:
    query = db.select(Dossier)
    if filters.status:
        query = query.where(Dossier.status == filters.status)
    if filters.field_code:
        query = query.join(Procedure, Dossier.procedure_id == Procedure.id).where(
            Procedure.field_code == filters.field_code
        )
    if filters.officer_id:
        query = query.where(
            or_(
                Dossier.received_by_id == filters.officer_id,
                Dossier.assigned_to_id == filters.officer_id,
            )
        )
    if filters.query:  # search() refuses more words first
        query = query.where(
            *search_index.contains_all(search_terms(filters.query)[:SEARCH_WORDS_MAX])
        )
    if filters.mine_of:
        query = query.where(_mine_clause(filters.mine_of))
    if filters.procedure_id:
        query = query.where(Dossier.procedure_id == filters.procedure_id)
    if filters.channel:
        query = query.where(Dossier.channel == filters.channel)
    if filters.pending:
        query = query.where(Dossier.status.in_(PENDING))
    if filters.during in DURING:
        query = query.where(_during_clause(filters))
    if filters.timeliness in _TIMELINESS:
        query = query.where(Dossier.timeliness.in_(_TIMELINESS[filters.timeliness]))
    return query


def _count(query: Any) -> int:
    """count(*) of a filtered query, without carrying its columns into a subquery."""
    return db.session.scalar(_counting(query)) or 0


def _count_capped(query: Any) -> int:
    """How many rows the query gives, up to ALL_COUNT_CAP + 1 (more than the cap: cut there).

    Counting every dossier of a large office costs tens of milliseconds on each
    page; a capped count walks at most the cap's rows of an index.
    """
    first = query.with_only_columns(Dossier.id, maintain_column_froms=True).limit(ALL_COUNT_CAP + 1)
    return db.session.scalar(db.select(func.count()).select_from(first.subquery())) or 0


def row_for(dossier: Dossier, now: datetime | None = None) -> Row:
    """Where one dossier stands: working days left, overdue, paused."""
    moment = clock.now_or(now)
    paused = is_paused(dossier.status)
    if dossier.status not in RUNNING:
        return Row(dossier, None, False, paused)
    left = cal.working_days_left(dossier.due_at, moment)
    return Row(dossier, left, moment > dossier.due_at, paused)


#: Tabs that are one status, or all the open ones: counted from the open statuses' counts.
_STATUS_TABS = {"ready": (Status.RESOLVED.value,), ONLINE: (Status.SUBMITTED.value,), "open": OPEN}


def _tab_counts(
    actor: Actor, filters: Filters, now: datetime, tabs: tuple[str, ...]
) -> dict[str, int]:
    """The tabs' counts in one statement of count(*) subqueries, each from its own index.

    Each open status is counted once («Đang xử lý», «Chờ trả kết quả» and «online» add
    those up), without filters read from the counts the database keeps per status
    (``dossier_status_count``), whose total is «Tất cả»'s; «Của tôi» adds up its
    disjoint parts. (One pass of count(CASE …) over the
    open dossiers would test every tab on every row and read the table for the officers.)
    """
    others = tuple(tab for tab in tabs if tab not in _STATUS_TABS)
    end_today, end_soon = _bounds(now)
    params = {"now": now, "end_today": end_today, "end_soon": end_soon, "user_id": actor.user_id}
    unfiltered = filters == Filters()
    if unfiltered:  # every worklist page and the home page: made once, run again
        key = (others, actor.user_id is None)
        statement = _COUNTS_STATEMENTS.get(key)
        if statement is None:
            statement = _COUNTS_STATEMENTS[key] = _counts_statement(filters, others, actor)
    else:
        statement = _counts_statement(filters, others, actor)
    values = db.session.execute(statement, params).one()
    per_status = dict(zip(OPEN, values[: len(OPEN)], strict=True))
    counts = dict(zip(others, values[len(OPEN) : len(OPEN) + len(others)], strict=True))
    for tab, statuses in _STATUS_TABS.items():
        counts[tab] = sum(per_status[status] for status in statuses)
    if unfiltered:  # the last column: every dossier, from the kept counts
        counts[_EVERY_DOSSIER] = values[-1]
    return counts


#: The counts' statement without filters, by (tabs, anonymous): building it costs more than
#: running it (fifteen subqueries); its moments and the officer are bound parameters.
_COUNTS_STATEMENTS: dict[tuple[tuple[str, ...], bool], Any] = {}


def _counts_statement(filters: Filters, others: tuple[str, ...], actor: Actor) -> Any:
    """count(*) of each open status, then of each tab in ``others``, as one SELECT whose
    moments and officer are bound parameters (``now``, ``end_today``, ``end_soon``,
    ``user_id``)."""
    base = _filtered(filters)
    now, bounds = bindparam("now"), (bindparam("end_today"), bindparam("end_soon"))
    user_id = bindparam("user_id")

    def count(clause: Any) -> Any:
        return _counting(base.where(clause)).scalar_subquery()

    def added(clauses: Any) -> Any:
        return sum((count(clause) for clause in clauses), start=literal(0))

    unfiltered = filters == Filters()
    if unfiltered:  # the open statuses from the counts the triggers keep (migration 0022)
        columns = [_kept_count(DossierStatusCount.status == status) for status in OPEN]
    else:
        columns = [count(Dossier.status == status) for status in OPEN]
    for tab in others:
        if tab == "mine" and actor.user_id is not None:
            columns.append(added(_mine_parts(user_id)))
        else:
            columns.append(count(tab_clause(tab, now, actor, bounds)))
    if unfiltered:
        columns.append(_kept_count())
    return db.select(*columns)


#: The key of :func:`_tab_counts`' answer for every dossier (no filters only).
_EVERY_DOSSIER = "_every"


def _kept_count(*where: Any) -> Any:
    """The dossiers of the statuses ``where`` picks, from ``dossier_status_count``."""
    return (
        db.select(func.coalesce(func.sum(DossierStatusCount.dossiers), 0))
        .where(*where)
        .scalar_subquery()
    )


def _counting(query: Any) -> Any:
    return query.with_only_columns(func.count(), maintain_column_froms=True).order_by(None)


def worklist_counts(
    actor: Actor, *, filters: Filters | None = None, now: datetime | None = None
) -> dict[str, int]:
    """How many dossiers each tab holds (for the tabs and a home-page box).

    «Tất cả» is counted up to ALL_COUNT_CAP + 1: a number above the cap means "more
    than the cap" (the officer of a large office needs no exact total of ten years of
    dossiers on every page; the reports give exact numbers by period).
    """
    return _counts(actor, filters or Filters(), clock.now_or(now), TABS)


def _counts(actor: Actor, filters: Filters, now: datetime, tabs: tuple[str, ...]) -> dict[str, int]:
    counts = _tab_counts(actor, filters, now, tuple(t for t in tabs if t != "all"))
    if "all" in tabs:
        counts["all"] = (
            min(counts[_EVERY_DOSSIER], ALL_COUNT_CAP + 1)
            if _EVERY_DOSSIER in counts
            else _count_capped(_filtered(filters))
        )
    return {tab: counts[tab] for tab in tabs}


def count_tab(
    actor: Actor, tab: str, *, filters: Filters | None = None, now: datetime | None = None
) -> int:
    """How many dossiers one tab holds with these filters (a home-page box)."""
    if (filters is None or filters == Filters()) and tab in _STATUS_TABS:
        kept = _kept_count(DossierStatusCount.status.in_(_STATUS_TABS[tab]))
        return int(db.session.scalar(db.select(kept)) or 0)
    base = _filtered(filters or Filters())
    clause = tab_clause(tab, clock.now_or(now), actor)
    return _count(base if clause is None else base.where(clause))


#: What a worklist row shows besides the dossier: the procedure and the officers, read in
#: the same statement (their roles only if asked for: a row never shows them).
_ROW_OPTIONS = (
    joinedload(Dossier.procedure),
    joinedload(Dossier.assigned_to).lazyload(User.role_links),
    joinedload(Dossier.received_by).lazyload(User.role_links),
)


def _page_of(query: Any, page: int, per_page: int, parts: tuple[Any, ...] = ()) -> list[Dossier]:
    """One page of dossiers by due date: the ids first (from an index alone), then the rows.

    With ``parts`` (disjoint conditions that make up the query), each part's first rows
    come from its own index in due-date order and are merged: an OR of the parts
    would be sorted whole.
    """
    offset = (page - 1) * per_page
    if parts:
        firsts = [
            query.where(part)
            .with_only_columns(Dossier.id, Dossier.due_at, maintain_column_froms=True)
            .order_by(Dossier.due_at, Dossier.id)
            .limit(offset + per_page)
            .subquery()
            for part in parts
        ]
        merged = union_all(*(db.select(first.c.id, first.c.due_at) for first in firsts)).subquery()
        ordered = db.select(merged.c.id).order_by(merged.c.due_at, merged.c.id)
    else:
        ordered = query.with_only_columns(Dossier.id, maintain_column_froms=True).order_by(
            Dossier.due_at, Dossier.id
        )
    return _rows_by_ids(list(db.session.scalars(ordered.limit(per_page).offset(offset))))


def _rows_by_ids(ids: list[int]) -> list[Dossier]:
    """The dossiers of ``ids`` in that order, with what a row shows (one statement)."""
    if not ids:
        return []
    found = {
        dossier.id: dossier
        for dossier in db.session.scalars(
            db.select(Dossier).where(Dossier.id.in_(ids)).options(*_ROW_OPTIONS)
        )
    }
    return [found[i] for i in ids]


def worklist(
    actor: Actor,
    *,
    tab: str = "open",
    filters: Filters | None = None,
    page: int = 1,
    per_page: int = 25,
    now: datetime | None = None,
) -> WorklistPage:
    """One page of a worklist tab, sorted by due date, with the counts of every tab.

    The counts include the «online» tab (submitted online, waiting at the counter).
    «Tất cả» is counted up to ALL_COUNT_CAP + 1 (see worklist_counts), and its pages
    reach as far as the cap.
    """
    moment = clock.now_or(now)
    if tab not in (ONLINE, *TABS):
        tab = "open"
    filters = filters or Filters()
    base = _filtered(filters)
    clause = tab_clause(tab, moment, actor)
    query = base if clause is None else base.where(clause)
    counts = _counts(actor, filters, moment, (ONLINE, *TABS))
    total = counts[tab]
    capped = tab == "all" and total > ALL_COUNT_CAP
    pages = max(1, math.ceil((ALL_COUNT_CAP if capped else total) / per_page))
    page = min(max(1, page), pages)
    parts = _mine_parts(actor.user_id) if tab == "mine" and actor.user_id is not None else ()
    rows = [row_for(d, moment) for d in _page_of(base if parts else query, page, per_page, parts)]
    return WorklistPage(rows, total, page, pages, counts, capped)


#: The longest search text (the search box says so too).
SEARCH_MAX_LENGTH = 200


def check_search_query(query: str) -> None:
    """Refuse an empty or too long search, with the message the search box shows."""
    if len((query or "").strip()) > SEARCH_MAX_LENGTH:
        raise ValidationError(
            N_("Nội dung tìm kiếm tối đa %(max)s ký tự."), field="q", max=SEARCH_MAX_LENGTH
        )
    terms = search_terms(query)
    if not terms:
        raise ValidationError(
            N_("Vui lòng nhập mã hồ sơ, họ tên, số định danh hoặc số điện thoại để tìm."),
            field="q",
        )
    check_search_words(terms)


def search(
    actor: Actor, query: str, *, page: int = 1, per_page: int = 25, now: datetime | None = None
) -> WorklistPage:
    """Dossiers whose code, names, phone or ID number contain every word of ``query``.

    Diacritics and case do not matter ("nguyen van" finds "Nguyễn Văn …"). The words are
    looked up in the search index (:mod:`counter.services.search_index`), once: the page's
    query counts them too. The results page shows no tabs, so ``counts`` holds only "all".
    """
    check_search_query(query)
    moment = clock.now_or(now)
    page = max(1, page)
    match = search_index.exact_match(search_terms(query)[:SEARCH_WORDS_MAX])
    if match is not None:
        dossiers, total, page = _indexed_page(match, page, per_page)
    else:
        found = _filtered(Filters(query=query))
        dossiers, total = _page_and_total(found, page, per_page)
        if not dossiers and page > 1:  # past the last page (an old link): show the last one
            page = max(1, math.ceil(_count(found) / per_page))
            dossiers, total = _page_and_total(found, page, per_page)
    pages = max(1, math.ceil(total / per_page))
    rows = [row_for(d, moment) for d in dossiers]
    return WorklistPage(rows, total, page, pages, {"all": total})


def _page_and_total(query: Any, page: int, per_page: int) -> tuple[list[Dossier], int]:
    """One page of ``query`` by due date, and how many rows it has in all.

    The matches' ids and due dates are read and counted first (one statement), then the
    page's rows: sorting whole rows, or counting them, costs most with thousands of
    matches. On PostgreSQL the matches are materialized: asked for the first rows by due
    date, its planner would walk the due-date index testing every dossier instead of
    asking the search index (1 s against 0.2 s at a million, for "lo thi").
    """
    matches = (
        query.with_only_columns(Dossier.id, Dossier.due_at, maintain_column_froms=True)
        .order_by(None)
        .cte("matches")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    found = db.session.execute(
        db.select(matches.c.id, db.func.count().over().label("total"))  # before LIMIT
        .order_by(matches.c.due_at, matches.c.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return _rows_by_ids([row.id for row in found]), (found[0].total if found else 0)


#: A dossier's row read at random costs about as much as this many entries of the due-date
#: index read in order (a page of it holds about a hundred, and the next page is near).
_ENTRIES_PER_ROW = 100
#: How far a walk of the due-date index may go: twice as far as the matches' number says
#: the page's last one lies (were they spread evenly over the years), and this many more.
_WALK_SLACK = 2_000
#: Up to this many matches are read from the search table at once (and counted there);
#: more (a word most names hold, such as "thi" alone) are counted, and tested, by it.
_LISTED_MAX = 10_000


def _indexed_page(match: str, page: int, per_page: int) -> tuple[list[Dossier], int, int]:
    """A page of the dossiers the search table alone finds, by due date; how many it finds;
    the page shown (the last one for a page past it).

    The matches are read from the table once, and counted. The page of a few comes from
    their rows (which give their due dates). That of many (a common name: thousands at a
    million dossiers) comes from the due-date index walked in order, each entry looked up
    among the matches, until the page is full: their rows would be thousands of reads
    from disk when not cached (0.4 s at a million), the walk reads a few hundred entries
    in order. Matches gathered in one period (a date inside a code) would make the walk
    long: it goes no further than :data:`_WALK_SLACK` says, and the page is read from the
    matches' rows then.
    """
    rowids = search_index.fts_rowids(match)
    listed = list(db.session.scalars(rowids.limit(_LISTED_MAX + 1)))
    found: list[int] | str = listed
    total = len(listed)
    if total > _LISTED_MAX:
        found = match
        total = db.session.scalar(db.select(func.count()).select_from(rowids.subquery())) or 0
    page = min(page, max(1, math.ceil(total / per_page)))
    offset = (page - 1) * per_page
    if total == 0:
        return [], 0, page
    every = int(db.session.scalar(db.select(_kept_count())) or 0)
    if total > _few_matches(every, offset + per_page):
        span = 2 * every * (offset + per_page) // total + _WALK_SLACK
        walked = search_index.first_by_due_date(found, offset, per_page, span)
        if len(walked) == min(per_page, total - offset):
            return _rows_by_ids(walked), total, page
    by_id = (
        db.select(Dossier.id)
        .where(Dossier.id.in_(rowids if isinstance(found, str) else found))
        .order_by(Dossier.due_at, Dossier.id)
        .limit(per_page)
        .offset(offset)
    )
    return _rows_by_ids(list(db.session.scalars(by_id))), total, page


def _few_matches(every: int, reach: int) -> int:
    """The most matches whose rows cost less to read than a walk of the due-date index to
    the ``reach``-th of them, among ``every`` dossiers (:func:`_indexed_page`): t rows of
    :data:`_ENTRIES_PER_ROW` entries each against a walk of 2·every·reach/t + slack."""
    slack, cost = _WALK_SLACK, _ENTRIES_PER_ROW
    return int((slack + math.sqrt(slack * slack + 8 * cost * max(0, every) * reach)) / (2 * cost))
