"""The local queue: the kiosk issues tickets, counters call and serve them, the board shows them.

One use case, one function, one transaction. The rules (statuses, priority, opening
hours, the wait) are in :mod:`counter.domain.queue`; ticket numbers come from
:func:`counter.services.numbering.next_number` (kind ``ticket``, scope the service's
letter, the local day), so numbers restart each day per service.

Two counters pressing «Gọi số tiếp theo» at the same moment never get the same
ticket: the ticket is claimed by one ``UPDATE … WHERE id = (the first waiting) AND
status IN (waiting)``. On SQLite that statement is the transaction's first write and
takes the write lock before its subquery reads, so the second counter's subquery sees
the first one's claim; on PostgreSQL the subquery locks the row it picks with
``FOR UPDATE SKIP LOCKED``, so the second counter takes the next ticket instead of
waiting.

Every change to a ticket or a counter appends a :class:`~counter.models.QueueEvent`:
the board's last calls, the statistics' times, and the board's ETag.
"""

from __future__ import annotations

import contextlib
import functools
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import Select, and_, bindparam, func, or_
from sqlalchemy import event as orm_event
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session, lazyload

from counter import settings
from counter.domain import clock
from counter.domain import queue as rules
from counter.domain.codes import format_ticket_code
from counter.domain.errors import Conflict, InvalidInput, NotAllowed, NotFound, ValidationError
from counter.domain.i18n import N_, Message
from counter.domain.queue import AT_COUNTER, WAITING, TicketStatus
from counter.domain.text import fold
from counter.domain.voice import announcement
from counter.extensions import db
from counter.models import (
    CounterSession,
    Printer,
    PrintLog,
    QueueCounter,
    QueueEvent,
    QueueService,
    QueueTicket,
    User,
)
from counter.models.queue import counter_service
from counter.models.types import column_length
from counter.services import (
    Actor,
    as_loaded,
    audit,
    catalog,
    numbering,
    printing,
    setup_cache,
    transaction,
    voice,
)
from counter.services import calendar as cal

T = TypeVar("T")

#: The numbering service's kind for ticket numbers (scope: the service letter).
TICKET = "ticket"
#: How many of the last calls the board lists.
LAST_CALLS = 6
_CLAIM_ATTEMPTS = 5
audit.ACTIONS.update(
    {
        "queue_service_saved": N_("Lưu dịch vụ xếp hàng"),
        "queue_counter_saved": N_("Lưu cấu hình quầy"),
    }
)
#: What a counter button may be refused with: shown on the counter page, not as an error page.
QueueRefusals = (ValidationError, Conflict, NotAllowed)


def _moment(now: datetime | None) -> datetime:
    return (now or clock.now()).astimezone(UTC)


def _today(moment: datetime | None = None) -> Any:
    return clock.local_naive(_moment(moment)).date()


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise NotAllowed(N_("Chỉ quản trị viên được cấu hình hàng đợi."))


def _require_reception(actor: Actor) -> None:
    if not actor.has_role("reception"):
        raise NotAllowed(N_("Chỉ cán bộ tiếp nhận được làm việc tại quầy."))


def _write(statement: Any, params: dict[str, Any] | list[dict[str, Any]]) -> CursorResult[Any]:
    """Run a write to the queue's tickets, events or counters' ``updated_at`` as a plain
    statement on the transaction's connection, and note that the board changed.

    The busy paths (the kiosk, call next, the counter buttons) write this way: the ORM's
    execution of a statement (its events, the unit of work, rows made into objects) cost
    more CPU than running it. Never for the setup's columns (a counter's number, name,
    services): :mod:`counter.services.setup_cache` sees writes through the ORM only."""
    session = db.session()
    session.info["queue_board_changed"] = True
    return session.connection().execute(statement, params)  # type: ignore[return-value]


#: A plain INSERT of the event table (not the ORM's bulk insert, which does more work).
_EVENT_INSERT = QueueEvent.__table__.insert()


def _event(action: str, ticket: Any, counter: Any, **kw: Any) -> dict[str, Any]:
    """The event row of a step. ``ticket`` and ``counter``: a model, a row or None (their
    ``id``, ``code``, ``service_id``; ``id``, ``number``)."""
    return {
        "at": kw.pop("at", None) or clock.now(),
        "action": action,
        "ticket_id": ticket.id if ticket else None,
        "code": ticket.code if ticket else "",
        "service_id": ticket.service_id if ticket else None,
        "counter_id": counter.id if counter else None,
        "counter_number": counter.number if counter else None,
        "officer_id": kw.pop("officer_id", None),
    }


def _log(*events: dict[str, Any]) -> None:
    """Append events (:func:`_event`) to the current transaction, in one statement.

    A plain INSERT, not ORM objects: nothing reads the events back in the transaction,
    and the unit of work's flush costs more than the statement on the busy paths."""
    _write(_EVENT_INSERT, events[0] if len(events) == 1 else list(events))  # type: ignore[arg-type]


# -- services and counters (administration) ----------------------------------------


def list_services(active_only: bool = False) -> list[QueueService]:
    """The queue services in kiosk order."""
    query = db.select(QueueService).order_by(QueueService.position, QueueService.letter)
    if active_only:
        query = query.where(QueueService.active.is_(True))
    return list(db.session.scalars(query))


def get_service(service_id: int) -> QueueService:
    """One queue service, or NotFound."""
    service = db.session.get(QueueService, service_id)
    if service is None:
        raise NotFound(N_("Không tìm thấy dịch vụ xếp hàng."))
    return service


@dataclass(frozen=True)
class ServiceInfo:
    """What the kiosk needs of a queue service, kept by each process across requests."""

    id: int
    letter: str
    name: str
    active: bool
    default_minutes: int
    position: int


def service_infos() -> dict[int, ServiceInfo]:
    """Every queue service by id, in kiosk order, as this process keeps them (read again
    after any change to the setup, by any process: :mod:`counter.services.setup_cache`)."""
    return setup_cache.cached("queue_services", _load_service_infos)


def _load_service_infos() -> dict[int, ServiceInfo]:
    rows = db.session.execute(
        db.select(
            QueueService.id,
            QueueService.letter,
            QueueService.name,
            QueueService.active,
            QueueService.default_minutes,
            QueueService.position,
        ).order_by(QueueService.position, QueueService.letter)
    )
    return {row.id: ServiceInfo(*row) for row in rows}


#: Said for a service no counter in use serves (the kiosk hides it, a transfer refuses it).
NOT_SERVED = N_("Chưa có quầy nào phục vụ dịch vụ này; xin liên hệ cán bộ tại Bộ phận Một cửa.")


def served_service_ids() -> frozenset[int]:
    """The services at least one counter in use serves: the kiosk offers only these (a
    number of any other would never be called). Kept like the services."""
    return setup_cache.cached("queue_served", _load_served_service_ids)


def _load_served_service_ids() -> frozenset[int]:
    rows = db.session.scalars(
        db.select(counter_service.c.service_id)
        .join(QueueCounter, QueueCounter.id == counter_service.c.counter_id)
        .where(QueueCounter.active.is_(True))
        .distinct()
    )
    return frozenset(rows)


@dataclass(frozen=True)
class CounterInfo:
    """A counter's setup (not who holds it), kept by each process like the services."""

    id: int
    number: int
    name: str
    active: bool


def counter_infos() -> dict[int, CounterInfo]:
    """Every counter by id, by number, as this process keeps them (see :func:`service_infos`)."""
    return setup_cache.cached("queue_counters", _load_counter_infos)


def _load_counter_infos() -> dict[int, CounterInfo]:
    rows = db.session.execute(
        db.select(
            QueueCounter.id, QueueCounter.number, QueueCounter.name, QueueCounter.active
        ).order_by(QueueCounter.number)
    )
    return {row.id: CounterInfo(*row) for row in rows}


def _text(value: str, attribute: Any, field: str, label: str) -> str:
    text = " ".join((value or "").split())
    limit = column_length(attribute)
    if len(text) > limit:
        raise ValidationError(
            N_("%(label)s dài quá %(max)s ký tự."), field=field, label=label, max=limit
        )
    return text


def save_service(
    actor: Actor,
    service_id: int | None,
    *,
    name: str,
    letter: str,
    fields: str = "",
    default_minutes: int | str = 10,
    position: int | str = 0,
    active: bool = True,
) -> QueueService:
    """An admin adds or edits a queue service (name, letter, fields it groups). Every wrong
    field is said at once (:class:`InvalidInput`), not the first only."""
    _require_admin(actor)
    errors: dict[str, Any] = {}
    name = _checked(errors, "name", lambda: _service_name(name)) or ""
    letter = _checked(errors, "letter", lambda: rules.validate_letter(letter)) or ""
    lines = _checked(errors, "fields", lambda: _service_fields(fields)) or ""
    minutes = _checked(errors, "default_minutes", lambda: _whole(default_minutes, "", 1, 240))
    order = _checked(errors, "position", lambda: _whole(position, "", 0, 999))
    for column, value, message in (
        (QueueService.name, name, N_("Đã có dịch vụ mang tên này.")),
        (QueueService.letter, letter, N_("Chữ cái này đã dùng cho dịch vụ khác.")),
    ):
        if column.key in errors:
            continue
        clash = db.session.scalar(db.select(QueueService.id).where(column == value))
        if clash is not None and clash != service_id:
            errors[column.key] = message
    if errors:
        raise InvalidInput(errors)
    service = get_service(service_id) if service_id else QueueService()
    with transaction():
        service.name, service.letter, service.fields = name, letter, lines
        service.default_minutes, service.position, service.active = minutes, order, active
        db.session.add(service)
        db.session.flush()
        audit.record(actor, "queue_service_saved", f"{letter} {name}")
    return service


def next_service_position() -> int:
    """Where a new service goes on the kiosk by default: after the others."""
    last = db.session.scalar(db.select(func.max(QueueService.position)))
    return 0 if last is None else min(last + 1, 999)


def _checked(errors: dict[str, Any], field: str, check: Callable[[], T]) -> T | None:
    """``check()``, or None with its refusal noted under ``field`` in ``errors``."""
    try:
        return check()
    except ValidationError as err:
        errors[field] = err.message
        return None


def _service_name(name: str) -> str:
    text = _text(name, QueueService.name, "name", N_("Tên dịch vụ"))
    if not text:
        raise ValidationError(N_("Vui lòng đặt tên dịch vụ, ví dụ “Hộ tịch”."), field="name")
    return text


def _service_fields(fields: str) -> str:
    lines = "\n".join(_catalog_fields(fields))
    if len(lines) > column_length(QueueService.fields):
        raise ValidationError(N_("Danh sách lĩnh vực quá dài."), field="fields")
    return lines


def _catalog_fields(text: str) -> list[str]:
    """The fields typed one a line, each as the catalog spells it (typed without marks or
    capitals is fine); one the catalog does not have is refused, with the ones it has.
    Any text is taken while the catalog has no fields yet (nothing to check it against)."""
    typed = [line.strip() for line in (text or "").splitlines() if line.strip()]
    known = {fold(name): name for _code, name in catalog.list_fields()}
    if not known:
        return typed
    unknown = [line for line in typed if fold(line) not in known]
    if unknown:
        raise ValidationError(
            N_(
                "Lĩnh vực «%(names)s» không có trong danh mục thủ tục. Mỗi dòng một lĩnh vực, "
                "đúng tên trong danh mục: %(known)s."
            ),
            names="», «".join(unknown),
            known="; ".join(sorted(known.values())),
            field="fields",
        )
    return list(dict.fromkeys(known[fold(line)] for line in typed))


def _whole(value: int | str, field: str, low: int, high: int) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        number = low - 1
    if not low <= number <= high:
        raise ValidationError(
            N_("Hãy nhập một số nguyên từ %(low)s đến %(high)s."), field=field, low=low, high=high
        )
    return number


def list_counters(active_only: bool = False) -> list[QueueCounter]:
    """The counters by number."""
    query = db.select(QueueCounter).order_by(QueueCounter.number)
    if active_only:
        query = query.where(QueueCounter.active.is_(True))
    return list(db.session.scalars(query))


@functools.cache
def _counter_alone() -> Select[tuple[QueueCounter]]:
    """One counter by id, its services loaded only if asked: the counter buttons need none.
    Built at the first use: its loader option configures every mapper, which a start of
    the program need not pay."""
    return (
        db.select(QueueCounter)
        .where(QueueCounter.id == bindparam("p_counter"))
        .options(lazyload(QueueCounter.services))
    )


def get_counter(counter_id: int, *, with_services: bool = True) -> QueueCounter:
    """One counter, or NotFound; ``with_services=False`` loads its services only if asked."""
    if with_services:
        counter = db.session.get(QueueCounter, counter_id)
    else:
        counter = db.session.scalar(_counter_alone(), {"p_counter": counter_id})
    if counter is None:
        raise NotFound(N_("Không tìm thấy quầy."))
    return counter


def counter_info(counter_id: int) -> CounterInfo:
    """One counter's setup from this process's copy (:func:`counter_infos`), or NotFound."""
    found = counter_infos().get(counter_id)
    if found is None:
        raise NotFound(N_("Không tìm thấy quầy."))
    return found


def save_counter(
    actor: Actor,
    counter_id: int | None,
    *,
    number: int | str,
    name: str = "",
    service_ids: list[int] | None = None,
    active: bool = True,
) -> QueueCounter:
    """An admin adds or edits a counter and the services it serves."""
    _require_admin(actor)
    value = _whole(number, "number", 1, 99)
    name = _text(name, QueueCounter.name, "name", N_("Tên quầy"))
    clash = db.session.scalar(db.select(QueueCounter.id).where(QueueCounter.number == value))
    if clash is not None and clash != counter_id:
        raise ValidationError(N_("Đã có quầy mang số này."), field="number")
    wanted = sorted(set(service_ids or []))
    services = list(db.session.scalars(db.select(QueueService).where(QueueService.id.in_(wanted))))
    if len(services) != len(wanted):
        raise ValidationError(N_("Có dịch vụ không còn trong danh sách."), field="services")
    if active and not services:
        raise ValidationError(N_("Hãy chọn ít nhất một dịch vụ quầy phục vụ."), field="services")
    counter = get_counter(counter_id) if counter_id else QueueCounter()
    with transaction():
        counter.number, counter.name, counter.active = value, name, active
        counter.services = services
        counter.updated_at = clock.now()  # the board's ETag sees a change of services too
        db.session.add(counter)
        db.session.flush()
        audit.record(actor, "queue_counter_saved", str(value), name)
    return counter


# -- opening and closing a counter ---------------------------------------------------


def open_counter_ids() -> set[int]:
    """The counters an officer holds now."""
    return set(
        db.session.scalars(db.select(QueueCounter.id).where(QueueCounter.officer_id.is_not(None)))
    )


def counter_of(actor: Actor) -> QueueCounter | None:
    """The counter the officer holds now, if any."""
    if actor.user_id is None:
        return None
    return db.session.scalar(
        db.select(QueueCounter).where(QueueCounter.officer_id == actor.user_id)
    )


def open_counter(actor: Actor, counter_id: int, *, now: datetime | None = None) -> QueueCounter:
    """The officer opens a counter for the session; one counter per officer, one officer per counter."""
    _require_reception(actor)
    counter = get_counter(counter_id)
    if not counter.active:
        raise ValidationError(N_("Quầy số %(number)s đang ngừng hoạt động."), number=counter.number)
    held = counter_of(actor)
    if held is not None:
        if held.id == counter.id:
            return counter
        raise Conflict(
            N_("Bạn đang mở quầy số %(number)s; hãy đóng quầy đó trước."), number=held.number
        )
    moment = _moment(now)
    with transaction():
        taken = db.session.execute(
            db.update(QueueCounter)
            .where(QueueCounter.id == counter.id, QueueCounter.officer_id.is_(None))
            .values(officer_id=actor.user_id, opened_at=moment, updated_at=moment)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not taken:
            raise Conflict(
                N_("Quầy số %(number)s đang do cán bộ khác phụ trách."), number=counter.number
            )
        db.session.add(
            CounterSession(counter_id=counter.id, officer_id=actor.user_id, opened_at=moment)
        )
        _log(_event("open", None, counter, at=moment, officer_id=actor.user_id))
    db.session.refresh(counter)
    return counter


class Closed(NamedTuple):
    """A counter closed, and the ticket an admin's close settled, if any: its code and
    ``requeued`` (waits again in its old place) or ``finished`` (was being served: done)."""

    counter: QueueCounter
    released: str | None = None
    outcome: str | None = None


def close_counter(actor: Actor, counter_id: int, *, now: datetime | None = None) -> QueueCounter:
    """The officer (or an admin) closes the counter (see :func:`close`)."""
    return close(actor, counter_id, now=now).counter


def close(actor: Actor, counter_id: int, *, now: datetime | None = None) -> Closed:
    """The officer (or an admin) closes the counter.

    The officer settles a ticket still at it first («Xong», «Vắng mặt», «Chuyển»). An admin
    closing a counter its officer left open settles it for them (:func:`_release`)."""
    counter = get_counter(counter_id)
    if counter.officer_id is None:
        return Closed(counter)
    if counter.officer_id != actor.user_id and not actor.is_admin:
        raise NotAllowed(N_("Chỉ cán bộ đang phụ trách quầy hoặc quản trị viên được đóng quầy."))
    moment = _moment(now)
    released = outcome = None
    with transaction():
        # Lock the counter first (call_next does too), then look: a ticket called at the
        # same moment is either seen here or finds the counter closed. Read afresh: a page
        # may have loaded the ticket before another tab moved it.
        _lock_counter(counter.id, moment)
        officer = db.session.scalar(  # as it is now: closed and opened again meanwhile?
            db.select(QueueCounter.officer_id).where(QueueCounter.id == counter.id)
        )
        if officer is None:
            return Closed(counter)
        current = db.session.scalar(
            _CURRENT_TICKET.execution_options(populate_existing=True),
            {"p_counter": counter.id, "p_day": _today(moment)},
        )
        if current is not None and officer != actor.user_id:
            released, outcome = current.code, _release(current, counter, actor, officer, moment)
        elif current is not None:
            raise Conflict(
                N_(
                    "Quầy đang có số %(code)s; hãy bấm «Xong», «Vắng mặt» hoặc «Chuyển» "
                    "trước khi đóng quầy."
                ),
                code=current.code,
            )
        db.session.execute(
            db.update(QueueCounter)
            .where(QueueCounter.id == counter.id)
            .values(officer_id=None, opened_at=None, updated_at=moment)
            .execution_options(synchronize_session=False)
        )
        db.session.execute(
            db.update(CounterSession)
            .where(CounterSession.counter_id == counter.id, CounterSession.closed_at.is_(None))
            .values(closed_at=moment)
            .execution_options(synchronize_session=False)
        )
        _log(_event("close", None, counter, at=moment, officer_id=officer))
    db.session.refresh(counter)
    return Closed(counter, released, outcome)


def _release(
    ticket: QueueTicket, counter: QueueCounter, actor: Actor, officer: int, moment: datetime
) -> str:
    """Today's ticket at a counter an admin closes, settled as its officer (``officer``, who
    called it: the statistics count it for them, not for the admin). Called: it waits again
    for its service in its old place (the citizen never reached the counter; a transfer in
    the statistics, with no service time). Being served: served («Xong» now). (One left
    there on an earlier day is not the counter's current ticket any more: see
    :func:`current_ticket`.)"""
    if ticket.status == TicketStatus.CALLED.value:
        step = _step(
            ticket,
            "transfer",
            counter,
            actor,
            moment,
            counter_id=None,
            officer_id=None,
            target_counter_id=None,
            transfers=ticket.transfers + 1,
            transferred_at=moment,
            recalls=0,
        )
        outcome = "requeued"
    else:
        values: dict[str, Any] = {"finished_at": moment}
        if ticket.started_at is None:
            values["started_at"] = moment
        step = _step(ticket, "finish", counter, actor, moment, **values)
        outcome = "finished"
    step["officer_id"] = officer
    _log(step)
    return outcome


#: The UPDATE of :func:`_lock_counter`, built once (see :func:`_claim_statement`).
_LOCK = (
    db.update(QueueCounter.__table__)
    .where(QueueCounter.__table__.c.id == bindparam("p_counter"))
    .values(updated_at=bindparam("p_moment", type_=QueueCounter.updated_at.type))
)


def _lock_counter(counter_id: int, moment: datetime) -> None:
    """Touch the counter's row, the transaction's first write: it holds the counter until
    commit (a row lock on PostgreSQL, the write lock on SQLite)."""
    _write(_LOCK, {"p_counter": counter_id, "p_moment": moment})


# -- the kiosk -----------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """Where a ticket stands in its queue: how many wait ahead, and about how long (None
    while no open counter would call it: no minutes are promised then)."""

    ahead: int
    minutes: int | None


def check_open(now: datetime | None = None) -> None:
    """Raise the kiosk's Vietnamese refusal outside office hours or on a day off."""
    local = clock.local_naive(_moment(now))
    state = rules.opening(local, cal.working_calendar(), cal.office_hours())
    if not state.is_open:
        raise rules.closed_error(state, local.date())


def closed_notice(now: datetime | None = None) -> Message | None:
    """Why nobody is called now and when the office opens (the board's notice over the lunch
    break, after hours, on a day off); None while it is open, and while the office's hours
    cannot be used (the admin's to fix: the board tells citizens nothing of it)."""
    local = clock.local_naive(_moment(now))
    try:
        hours = cal.office_hours()
    except ValidationError:
        return None
    state = rules.opening(local, cal.working_calendar(), hours)
    return None if state.is_open else rules.closed_error(state, local.date()).message


#: The ticket's INSERT: every column given, so the object made from them is the row.
_TICKET_INSERT = QueueTicket.__table__.insert()


def issue_ticket(
    service_id: int, priority_kind: str = "", *, now: datetime | None = None
) -> QueueTicket:
    """The kiosk issues the next ticket of a service (A001…), priority if asked.

    The office hours, the calendar and the service come from this process's copies
    (one small query checks them); the transaction is three statements: the number,
    the ticket, its event."""
    moment = _moment(now)
    check_open(moment)
    kind = rules.check_priority_kind(priority_kind)
    service = service_infos().get(service_id)
    if service is None or not service.active:
        raise NotFound(N_("Không tìm thấy dịch vụ xếp hàng."))
    if service.id not in served_service_ids():
        raise ValidationError(NOT_SERVED, field="service")
    day = _today(moment)
    with transaction():
        # The number first: the sequence upsert is the transaction's first write.
        seq = numbering.next_number(TICKET, service.letter, day)
        values: dict[str, Any] = {
            "service_id": service.id,
            "day": day,
            "seq": seq,
            "code": format_ticket_code(service.letter, seq),
            "priority": bool(kind),
            "priority_kind": kind,
            "status": TicketStatus.WAITING.value,
            "issued_at": moment,
            "called_at": None,
            "started_at": None,
            "finished_at": None,
            "recalls": 0,
            "counter_id": None,
            "officer_id": None,
            "target_counter_id": None,
            "transfers": 0,
            "transferred_at": None,
            "dossier_id": None,
            "updated_at": clock.now(),
        }
        values["id"] = _write(_TICKET_INSERT, values).inserted_primary_key[0]  # type: ignore[index]
        _log(_event("issue", SimpleNamespace(**values), None, at=moment))
    # Made from what was written, after the commit (which would expire it): the kiosk
    # shows and prints it without reading it back.
    return as_loaded(QueueTicket, values)


def get_ticket(ticket_id: int) -> QueueTicket:
    """One ticket, or NotFound."""
    ticket = db.session.get(QueueTicket, ticket_id)
    if ticket is None:
        raise NotFound(N_("Không tìm thấy số thứ tự."))
    return ticket


def _one_of(column: Any, values: tuple[str, ...]) -> Any:
    """``column IN values`` for a few fixed values, written as equalities: an IN list is a
    parameter SQLAlchemy expands into the SQL text again at every execution (a third of
    the CPU of the statement of the ticket at a counter); this SQL is made once."""
    return or_(*(column == value for value in values))


def _waiting_for(service_ids: Any, counter_id: int | None, day: Any) -> Any:
    """The tickets of ``day`` a counter (serving ``service_ids``: a list, or a subquery of
    ids) may call."""
    mine = and_(QueueTicket.service_id.in_(service_ids), QueueTicket.target_counter_id.is_(None))
    if counter_id is not None:
        mine = or_(mine, QueueTicket.target_counter_id == counter_id)
    return and_(QueueTicket.day == day, _one_of(QueueTicket.status, WAITING), mine)


def _ahead_of(ticket: QueueTicket) -> Any:
    earlier = or_(
        QueueTicket.issued_at < ticket.issued_at,
        and_(QueueTicket.issued_at == ticket.issued_at, QueueTicket.id < ticket.id),
    )
    if ticket.priority:
        return and_(QueueTicket.priority.is_(True), earlier)
    return or_(QueueTicket.priority.is_(True), earlier)


def place_of(ticket: QueueTicket) -> Place:
    """How many tickets will be called before this one, and the estimated wait in minutes."""
    if ticket.status not in WAITING:
        return Place(0, 0)
    if ticket.target_counter_id is not None:
        where = and_(
            QueueTicket.day == ticket.day,
            QueueTicket.status.in_(WAITING),
            QueueTicket.target_counter_id == ticket.target_counter_id,
        )
    else:
        where = _waiting_for([ticket.service_id], None, ticket.day)
    ahead = (
        db.session.scalar(
            db.select(func.count(QueueTicket.id)).where(
                where, _ahead_of(ticket), QueueTicket.id != ticket.id
            )
        )
        or 0
    )
    service = service_infos()[ticket.service_id]
    served = [
        finished - started
        for started, finished in db.session.execute(
            db.select(QueueTicket.started_at, QueueTicket.finished_at).where(
                QueueTicket.day == ticket.day,
                QueueTicket.service_id == service.id,
                QueueTicket.status == TicketStatus.DONE.value,
                QueueTicket.started_at.is_not(None),
                QueueTicket.finished_at.is_not(None),
            )
        )
    ]
    open_counters = db.select(func.count(QueueCounter.id)).where(
        QueueCounter.active.is_(True), QueueCounter.officer_id.is_not(None)
    )
    if ticket.target_counter_id is not None:  # sent to one counter: only it calls the ticket
        open_counters = open_counters.where(QueueCounter.id == ticket.target_counter_id)
    else:
        open_counters = open_counters.join(
            counter_service, counter_service.c.counter_id == QueueCounter.id
        ).where(counter_service.c.service_id == service.id)
    counters = db.session.scalar(open_counters) or 0
    if not counters:
        return Place(ahead, None)
    each = rules.minutes_per_citizen(served, service.default_minutes)
    return Place(ahead, rules.estimated_wait(ahead, each, counters))


#: The printer set up in Quản trị › Máy in nhiệt under this name prints the kiosk's tickets.
KIOSK_PRINTER_NAME = "Kiosk"


def kiosk_printer() -> tuple[int | None, str | None] | None:
    """(printer id, address) of the kiosk's printer, or None when it has none. The kiosk
    asks on every ticket: the printer's id is kept like the rest of the setup."""
    printer_id = setup_cache.cached("kiosk_printer", _load_kiosk_printer)
    if printer_id is not None:
        return printer_id, None
    uri = settings.current().kiosk_printer
    return (None, uri) if uri else None


def _load_kiosk_printer() -> int | None:
    return db.session.scalar(
        db.select(Printer.id)
        .where(func.lower(Printer.name) == KIOSK_PRINTER_NAME.lower(), Printer.active.is_(True))
        .limit(1)
    )


def print_ticket(ticket: QueueTicket) -> PrintLog | None:
    """Print the ticket with its place on the kiosk's printer, after its commit; None
    without a printer (and then the place is not worked out: the ticket page does it).

    A printer that fails raises :class:`~counter.services.printing.PrintFailed`
    (logged); the ticket stays issued and is shown on screen all the same.
    """
    target = kiosk_printer()
    if target is None:
        return None
    printer_id, uri = target
    place = place_of(ticket)
    return printing.print_ticket(
        Actor.system("kiosk"),
        ticket.code,
        service_name=service_infos()[ticket.service_id].name,
        waiting_ahead=place.ahead,
        issued_at=ticket.issued_at,
        estimated_minutes=place.minutes,
        priority=rules.priority_line(ticket.priority, ticket.priority_kind),
        printer_id=printer_id,
        uri=uri,
    )


# -- at the counter ------------------------------------------------------------------


#: The query of :func:`current_ticket`, built once (see :func:`_claim_statement`).
_CURRENT_TICKET = (
    db.select(QueueTicket)
    .where(
        QueueTicket.counter_id == bindparam("p_counter"),
        _one_of(QueueTicket.status, AT_COUNTER),
        QueueTicket.day == bindparam("p_day", type_=QueueTicket.day.type),
    )
    .order_by(QueueTicket.called_at.desc())
    .limit(1)
)


def current_ticket(counter_id: int, now: datetime | None = None) -> QueueTicket | None:
    """The ticket called to or served at a counter now: today's. One left there on an
    earlier day stays as it was, «chưa xong» in that day's statistics."""
    return db.session.scalar(_CURRENT_TICKET, {"p_counter": counter_id, "p_day": _today(now)})


def _my_open_counter(actor: Actor, counter_id: int) -> QueueCounter:
    _require_reception(actor)
    counter = get_counter(counter_id, with_services=False)  # the buttons need no services
    if counter.officer_id is None:
        raise NotAllowed(
            N_("Quầy số %(number)s chưa mở; hãy mở quầy trước."), number=counter.number
        )
    if counter.officer_id != actor.user_id:
        raise NotAllowed(
            N_("Quầy số %(number)s đang do cán bộ khác phụ trách."), number=counter.number
        )
    return counter


def _served_by(counter_id: Any) -> Any:
    """The ids of the active services a counter serves, as a subquery (not loaded)."""
    return (
        db.select(counter_service.c.service_id)
        .join(QueueService, QueueService.id == counter_service.c.service_id)
        .where(counter_service.c.counter_id == counter_id, QueueService.active.is_(True))
    )


_TICKETS = QueueTicket.__table__


@functools.cache
def _claim_statement(dialect: str) -> Any:
    """The claim's UPDATE … RETURNING (every column), built once per dialect with bound
    parameters, run as a plain statement.

    Call next runs it on every press: building the statement and its cache key again
    each time cost more CPU than running it. Statements are immutable, so one object
    serves every thread."""
    counter_id = bindparam("p_counter", type_=QueueTicket.counter_id.type)
    moment = bindparam("p_moment", type_=QueueTicket.called_at.type)
    day = bindparam("p_day", type_=QueueTicket.day.type)
    first = (
        db.select(QueueTicket.id)
        .where(_waiting_for(_served_by(counter_id), counter_id, day))
        .order_by(QueueTicket.priority.desc(), QueueTicket.issued_at, QueueTicket.id)
        .limit(1)
    )
    if dialect == "postgresql":
        first = first.with_for_update(skip_locked=True)
    return (
        db.update(_TICKETS)
        .where(_TICKETS.c.id == first.scalar_subquery(), _one_of(_TICKETS.c.status, WAITING))
        .values(
            status=TicketStatus.CALLED.value,
            counter_id=counter_id,
            officer_id=bindparam("p_officer", type_=QueueTicket.officer_id.type),
            target_counter_id=None,
            called_at=moment,
            started_at=None,
            recalls=0,
            updated_at=moment,
        )
        .returning(*_TICKETS.c)
    )


def _claim(counter_id: int, actor: Actor, moment: datetime) -> Any:
    """Claim the first waiting ticket for the counter in one conditional update; the
    claimed ticket's row comes back from the same statement (RETURNING), or None."""
    statement = _claim_statement(db.session.get_bind().dialect.name)
    params = {
        "p_counter": counter_id,
        "p_officer": actor.user_id,
        "p_moment": moment,
        "p_day": _today(moment),
    }
    return _write(statement, params).first()


class _Desk(NamedTuple):
    """A counter as an event names it."""

    id: int
    number: int


#: :data:`_LOCK` while this officer holds the counter, saying its number.
_LOCK_HELD = _LOCK.where(QueueCounter.__table__.c.officer_id == bindparam("p_officer")).returning(
    QueueCounter.__table__.c.number
)
#: The ticket at a counter, as :func:`_step` and :func:`_log` need it.
_AT_COUNTER = (
    db.select(
        _TICKETS.c.id, _TICKETS.c.code, _TICKETS.c.status, _TICKETS.c.recalls, _TICKETS.c.service_id
    )
    .where(
        _TICKETS.c.counter_id == bindparam("p_counter"),
        _one_of(_TICKETS.c.status, AT_COUNTER),
        _TICKETS.c.day == bindparam("p_day", type_=_TICKETS.c.day.type),
    )
    .order_by(_TICKETS.c.called_at.desc())
    .limit(1)
)


def call_next(actor: Actor, counter_id: int, *, now: datetime | None = None) -> QueueTicket | None:
    """Call the next ticket to the counter: priority first, then the oldest; None if nobody waits.

    The ticket being served at the counter is finished with the call; one called but
    not yet served must be started, recalled, marked absent or transferred first.
    Plain statements: the counter's lock (which checks the officer holds it), the ticket
    at it, the claim, the finish and the events.
    """
    _require_reception(actor)
    moment = _moment(now)
    with transaction():
        # Lock the counter first, then look: a close or another call of this counter
        # waits for this one, and the ticket at it cannot change meanwhile.
        params = {"p_counter": counter_id, "p_officer": actor.user_id, "p_moment": moment}
        number = _write(_LOCK_HELD, params).scalar()
        if number is None:  # not open, or not this officer's: say which
            held = _my_open_counter(actor, counter_id)
            raise NotAllowed(  # held now, but not when locked: closed and opened again
                N_("Quầy số %(number)s chưa mở; hãy mở quầy trước."), number=held.number
            )
        desk = _Desk(counter_id, number)
        current = (
            db.session.connection()
            .execute(_AT_COUNTER, {"p_counter": counter_id, "p_day": _today(moment)})
            .first()
        )
        if current is not None and current.status == TicketStatus.CALLED.value:
            raise Conflict(
                N_(
                    "Số %(code)s đã được gọi và chưa được phục vụ; hãy bấm «Bắt đầu phục vụ», "
                    "«Gọi lại», «Vắng mặt» hoặc «Chuyển»."
                ),
                code=current.code,
            )
        claimed = None
        for _attempt in range(_CLAIM_ATTEMPTS):
            claimed = _claim(counter_id, actor, moment)
            if claimed is not None or not _any_waiting(counter_id, moment):
                break
        if claimed is None:  # nobody waits: the ticket being served stays as it is
            return None
        events = [_event("call", claimed, desk, at=moment, officer_id=actor.user_id)]
        if current is not None:
            events.insert(0, _step(current, "finish", desk, actor, moment, finished_at=moment))
        _log(*events)
    # As the claim returned it, made after the commit (which would expire it): the page's
    # «Mời số …» needs no reload, and a page holding the ticket sees the call.
    return as_loaded(QueueTicket, dict(claimed._mapping))


def _any_waiting(counter_id: int, moment: datetime) -> bool:
    where = _waiting_for(_served_by(counter_id), counter_id, _today(moment))
    return db.session.scalar(db.select(QueueTicket.id).where(where).limit(1)) is not None


def _ticket_at(
    actor: Actor, ticket_id: int, now: datetime | None = None
) -> tuple[QueueTicket, QueueCounter]:
    ticket = get_ticket(ticket_id)
    _check_today(ticket, now)
    if ticket.counter_id is None or ticket.status not in AT_COUNTER:
        raise NotAllowed(
            N_("Số %(code)s không còn ở quầy (trạng thái «%(status)s»)."),
            code=ticket.code,
            status=TicketStatus(ticket.status).label,
        )
    counter = _my_open_counter(actor, ticket.counter_id)
    return ticket, counter


def _check_today(ticket: QueueTicket, now: datetime | None = None) -> None:
    """A ticket of an earlier day is that day's history: no step moves it any more."""
    if ticket.day != _today(now):
        raise NotAllowed(
            N_("Số %(code)s là số thứ tự của ngày %(day)s; số của hôm nay bắt đầu lại từ 001."),
            code=ticket.code,
            day=f"{ticket.day:%d/%m/%Y}",
        )


@functools.cache
def _step_statement(keys: frozenset[str]) -> Any:
    """The conditional UPDATE of :func:`_step` setting ``keys`` (besides the status and
    the time), built once per set of keys (see :func:`_claim_statement`)."""
    columns = QueueTicket.__table__.c
    values = {key: bindparam(f"v_{key}", type_=columns[key].type) for key in keys}
    return (
        db.update(_TICKETS)
        .where(
            columns["id"] == bindparam("p_id"),
            columns["status"] == bindparam("p_status"),
            columns["recalls"] == bindparam("p_recalls"),
        )
        .values(
            status=bindparam("v_status", type_=columns["status"].type),
            updated_at=bindparam("v_updated_at", type_=columns["updated_at"].type),
            **values,
        )
    )


def _step(
    ticket: Any,
    action: str,
    counter: Any,
    actor: Actor,
    moment: datetime,
    **values: Any,
) -> dict[str, Any]:
    """Move the ticket (a model or a row: its id, code, status, recalls, service_id) by one
    counter action, unless someone moved it first (Conflict). Returns the step's event,
    for the caller to :func:`_log` (with others of the transaction)."""
    to = rules.move(
        action,
        ticket.status,
        recalls=ticket.recalls,
        needed_recalls=settings.current().queue_no_show_after_recalls,
    )
    params = {f"v_{key}": value for key, value in values.items()}
    params.update(p_id=ticket.id, p_status=ticket.status, p_recalls=ticket.recalls)
    params.update(v_status=to.value, v_updated_at=moment)
    done = _write(_step_statement(frozenset(values)), params).rowcount
    if not done:
        raise Conflict(
            N_("Số %(code)s vừa được thay đổi ở nơi khác; hãy tải lại trang."), code=ticket.code
        )
    return _event(action, ticket, counter, at=moment, officer_id=actor.user_id)


#: Stands for the step's moment in the values of :func:`_act`.
_NOW = object()


def _act(
    actor: Actor, ticket_id: int, action: str, now: datetime | None, **values: Any
) -> QueueTicket:
    ticket, counter = _ticket_at(actor, ticket_id, now)
    moment = _moment(now)
    filled = {key: moment if value is _NOW else value for key, value in values.items()}
    with transaction():
        _log(_step(ticket, action, counter, actor, moment, **filled))
    db.session.refresh(ticket)
    return ticket


def recall(actor: Actor, ticket_id: int, *, now: datetime | None = None) -> QueueTicket:
    """Call the ticket again (the board shows and, next, speaks it again)."""
    ticket, _counter = _ticket_at(actor, ticket_id, now)
    return _act(actor, ticket_id, "recall", now, recalls=ticket.recalls + 1)


def start(actor: Actor, ticket_id: int, *, now: datetime | None = None) -> QueueTicket:
    """The citizen came: serving starts."""
    return _act(actor, ticket_id, "start", now, started_at=_NOW)


def finish(actor: Actor, ticket_id: int, *, now: datetime | None = None) -> QueueTicket:
    """Serving ends."""
    ticket, _counter = _ticket_at(actor, ticket_id, now)
    values: dict[str, Any] = {"finished_at": _NOW}
    if ticket.started_at is None:  # finished straight from the call: served all the same
        values["started_at"] = _NOW
    return _act(actor, ticket_id, "finish", now, **values)


def no_show(actor: Actor, ticket_id: int, *, now: datetime | None = None) -> QueueTicket:
    """The citizen did not come after the recalls the setting asks for."""
    return _act(actor, ticket_id, "no_show", now, finished_at=_NOW)


def transfer(
    actor: Actor,
    ticket_id: int,
    *,
    service_id: int | None = None,
    counter_id: int | None = None,
    now: datetime | None = None,
) -> QueueTicket:
    """Send the ticket to another service or counter; it waits there in its old place."""
    ticket, counter = _ticket_at(actor, ticket_id, now)
    if (service_id is None) == (counter_id is None):
        raise ValidationError(
            N_("Hãy chọn một dịch vụ hoặc một quầy để chuyển đến."), field="target"
        )
    values: dict[str, Any] = {
        "counter_id": None,
        "officer_id": None,
        "target_counter_id": None,
        "transfers": ticket.transfers + 1,
        "transferred_at": _NOW,
        "recalls": 0,
    }
    if counter_id is not None:
        target = get_counter(counter_id)
        if target.id == counter.id or not target.active:
            raise ValidationError(N_("Hãy chọn một quầy khác đang hoạt động."), field="target")
        if target.officer_id is None:  # the citizen would wait for nobody
            raise ValidationError(
                N_(
                    "Quầy số %(number)s đang đóng: không ai ở đó gọi số này. Hãy chuyển đến "
                    "một quầy đang mở, hoặc sang một dịch vụ."
                ),
                number=target.number,
                field="target",
            )
        values["target_counter_id"] = target.id
    else:
        service = get_service(int(service_id or 0))
        if not service.active:
            raise ValidationError(N_("Dịch vụ này đang ngừng hoạt động."), field="target")
        if service.id == ticket.service_id:
            raise ValidationError(
                N_("Số này đã thuộc dịch vụ đó; hãy chọn dịch vụ khác."), field="target"
            )
        if service.id not in served_service_ids():  # nobody would call it there
            raise ValidationError(NOT_SERVED, field="target")
        values["service_id"] = service.id
    return _act(actor, ticket_id, "transfer", now, **values)


# -- the dossier ---------------------------------------------------------------------


def ticket_for_reception(actor: Actor, ticket_id: int, now: datetime | None = None) -> QueueTicket:
    """The ticket an officer receives a dossier for: at their counter, without a dossier yet."""
    _require_reception(actor)
    ticket = get_ticket(ticket_id)
    if ticket.dossier_id is not None:
        raise Conflict(N_("Số %(code)s đã gắn với một hồ sơ."), code=ticket.code)
    _check_today(ticket, now)
    if ticket.status in AT_COUNTER and ticket.officer_id == actor.user_id:
        return ticket
    if ticket.status in AT_COUNTER:
        raise NotAllowed(N_("Số %(code)s đang ở quầy của cán bộ khác."), code=ticket.code)
    raise NotAllowed(_NOT_AT_A_COUNTER[ticket.status], code=ticket.code)


#: Why a ticket that is at no counter cannot be received for (the officer's old page).
_NOT_AT_A_COUNTER = {
    TicketStatus.DONE.value: N_("Số %(code)s đã phục vụ xong."),
    TicketStatus.NO_SHOW.value: N_("Số %(code)s đã được ghi vắng mặt."),
    TicketStatus.WAITING.value: N_("Số %(code)s đang chờ, chưa được gọi đến quầy của bạn."),
    TicketStatus.TRANSFERRED.value: N_("Số %(code)s đang chờ, chưa được gọi đến quầy của bạn."),
}


def attach_dossier(
    actor: Actor, ticket_id: int, dossier_id: int, now: datetime | None = None
) -> None:
    """Link the ticket to the dossier being received, inside the reception's transaction.

    A ticket still «called» starts being served with it: the citizen is at the counter,
    so neither a recall nor «Vắng mặt» applies any more (nor counts in the statistics).
    """
    ticket = ticket_for_reception(actor, ticket_id, now)
    moment = _moment(now)
    done = db.session.execute(
        db.update(QueueTicket)
        .where(QueueTicket.id == ticket.id, QueueTicket.dossier_id.is_(None))
        .values(dossier_id=dossier_id, updated_at=moment)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not done:
        raise Conflict(N_("Số %(code)s đã gắn với một hồ sơ."), code=ticket.code)
    _start_if_called(ticket, actor, moment)


def notice_given(actor: Actor, ticket_id: int) -> None:
    """A form 02 or 03 given from the ticket, inside the notice's transaction: a ticket
    still «called» at this officer's counter starts being served, as with a dossier (the
    citizen is at the counter). One that moved on meanwhile is left alone: the notice is
    the citizen's either way, and is not linked to the ticket."""
    ticket = db.session.get(QueueTicket, ticket_id, populate_existing=True)
    if ticket is None or ticket.officer_id != actor.user_id:
        return
    with contextlib.suppress(Conflict):  # moved on between the read and the update:
        _start_if_called(ticket, actor, clock.now())  # nothing was written


def _start_if_called(ticket: QueueTicket, actor: Actor, moment: datetime) -> None:
    if ticket.status == TicketStatus.CALLED.value:
        desk = _Desk(ticket.counter_id, counter_infos()[ticket.counter_id].number)
        _log(_step(ticket, "start", desk, actor, moment, started_at=moment))


def counter_serving_dossier(dossier_id: int) -> CounterInfo | None:
    """The counter whose ticket this dossier was received from is still at it (called or
    being served), if any: the slip leads back to it («Về quầy số 2»)."""
    ticket = ticket_of_dossier(dossier_id)
    if ticket is None or ticket.counter_id is None or ticket.status not in AT_COUNTER:
        return None
    return counter_infos().get(ticket.counter_id)


def reception_counter(ticket_id: int, received_at: datetime) -> int | None:
    """The number of the counter that had called the ticket when its dossier was received
    (its last call before then): where it stands now may be another, since."""
    return db.session.scalar(  # type: ignore[no-any-return]
        db.select(QueueEvent.counter_number)
        .where(
            QueueEvent.ticket_id == ticket_id,
            QueueEvent.action == "call",
            QueueEvent.counter_number.is_not(None),
            QueueEvent.at <= received_at,
        )
        .order_by(QueueEvent.at.desc(), QueueEvent.id.desc())
        .limit(1)
    )


def ticket_of_dossier(dossier_id: int) -> QueueTicket | None:
    """The queue ticket a dossier was received from, if any."""
    return db.session.scalar(
        db.select(QueueTicket).where(QueueTicket.dossier_id == dossier_id).limit(1)
    )


# -- what the counter page and the board show ----------------------------------------


def waiting_counts(day: Any = None) -> dict[int, int]:
    """Waiting tickets of the day per service id."""
    return _per_service(and_(QueueTicket.day == (day or _today()), QueueTicket.status.in_(WAITING)))


def waiting_counts_for(counter: QueueCounter) -> dict[int, int]:
    """The tickets of the day the counter may call, per service id: its services' (not
    sent to another counter) and those sent to it, whatever their service."""
    service_ids = [s.id for s in counter.services if s.active]
    return _per_service(_waiting_for(service_ids, counter.id, _today()))


def _per_service(where: Any) -> dict[int, int]:
    rows = db.session.execute(
        db.select(QueueTicket.service_id, func.count(QueueTicket.id))
        .where(where)
        .group_by(QueueTicket.service_id)
    )
    return {service_id: count for service_id, count in rows}


class Waiting(NamedTuple):
    """The next tickets a counter would call, and how many wait for it in all."""

    tickets: list[QueueTicket]
    total: int

    @property
    def more(self) -> int:
        """How many wait beyond the tickets listed."""
        return self.total - len(self.tickets)


def waiting_list(counter: QueueCounter, limit: int = 10) -> Waiting:
    """The next ``limit`` tickets the counter would call, in calling order, and how many wait
    for it in all (counted only when the list is full)."""
    service_ids = [s.id for s in counter.services if s.active]
    where = _waiting_for(service_ids, counter.id, _today())
    tickets = list(
        db.session.scalars(
            db.select(QueueTicket)
            .where(where)
            .order_by(QueueTicket.priority.desc(), QueueTicket.issued_at, QueueTicket.id)
            .limit(limit)
        )
    )
    if len(tickets) < limit:
        return Waiting(tickets, len(tickets))
    total = db.session.scalar(db.select(func.count(QueueTicket.id)).where(where)) or 0
    return Waiting(tickets, total)


class Settled(NamedTuple):
    """A ticket that left a counter today, and how: ``finish``, ``no_show`` or ``transfer``."""

    ticket: QueueTicket
    action: str


def served_today(counter_id: int, limit: int = 20) -> list[Settled]:
    """The tickets settled at the counter today, latest first, each with what happened here
    (one served at another counter after a transfer shows as transferred here)."""
    rows = db.session.execute(
        db.select(QueueTicket, QueueEvent.action)
        .join(QueueEvent, QueueEvent.ticket_id == QueueTicket.id)
        .where(
            QueueEvent.counter_id == counter_id,
            QueueEvent.action.in_(("finish", "no_show", "transfer")),
            QueueTicket.day == _today(),
        )
        .order_by(QueueEvent.id.desc())
        .limit(limit)
    )
    return [Settled(ticket, action) for ticket, action in rows]


#: The tables whose changes the board (and the counter page's lists) shows.
_BOARD_TABLES = frozenset(
    {"queue_event", "queue_ticket", "queue_counter", "queue_service", "queue_counter_service"}
)
#: Seconds a computed board state is trusted while this process commits no queue change:
#: a change made by another process (the command line) shows after at most this long.
BOARD_TAG_SECONDS = 1.0
#: Per database engine: (generation, moment, state); see :func:`board_tag`.
_board_cache: weakref.WeakKeyDictionary[Any, tuple[int, float, str]] = weakref.WeakKeyDictionary()
_board_generation = [0]
_board_lock = threading.Lock()


def _touches_board(session: Session) -> bool:
    return any(
        getattr(type(obj), "__tablename__", "") in _BOARD_TABLES
        for obj in (*session.new, *session.dirty, *session.deleted)
    )


@orm_event.listens_for(Session, "after_flush")
def _mark_board_objects(session: Session, _context: Any) -> None:
    if _touches_board(session):
        session.info["queue_board_changed"] = True


@orm_event.listens_for(Session, "do_orm_execute")
def _mark_board_statements(state: Any) -> None:
    # The conditional UPDATEs of call next and the counter buttons are statements, not objects.
    if state.is_update or state.is_delete or state.is_insert:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", "") in _BOARD_TABLES:
            state.session.info["queue_board_changed"] = True


@orm_event.listens_for(Session, "after_commit")
def _board_changed(session: Session) -> None:
    if session.info.pop("queue_board_changed", False):
        with _board_lock:
            _board_generation[0] += 1


@orm_event.listens_for(Session, "after_rollback")
def _board_unchanged(session: Session) -> None:
    session.info.pop("queue_board_changed", None)


def board_tag() -> str:
    """A fingerprint of everything the board shows: it changes when anything on it does.

    Every ticket and counter step appends an event; admins' edits touch ``updated_at``;
    an office recording replacing a voice clip changes the voice's version; the office
    opening or closing (the lunch break) changes whether it is open. The display
    boards poll it every second, so the database's part is kept in memory until this
    process commits a change to the queue's tables, or for :data:`BOARD_TAG_SECONDS`.
    """
    engine = db.engine
    generation, moment = _board_generation[0], time.monotonic()
    cached = _board_cache.get(engine)
    if cached is not None and cached[0] == generation and moment - cached[1] < BOARD_TAG_SECONDS:
        state = cached[2]
    else:  # with whether the office is open: the boards fetch its notice when that changes
        state = f"{_board_state()}-{'open' if closed_notice() is None else 'closed'}"
        _board_cache[engine] = (generation, moment, state)
    return f"{_today():%Y%m%d}-{state}-{voice.version()}"


def _board_state() -> str:
    row = db.session.execute(
        db.select(
            db.select(func.max(QueueEvent.id)).scalar_subquery(),
            db.select(func.max(QueueCounter.updated_at)).scalar_subquery(),
            db.select(func.max(QueueService.updated_at)).scalar_subquery(),
        )
    ).one()
    return "-".join(
        value.strftime("%Y%m%d%H%M%S%f") if isinstance(value, datetime) else str(value or 0)
        for value in row
    )


def board(now: datetime | None = None) -> dict[str, Any]:
    """What the public display shows: each counter's number, the last calls, the waiting."""
    day = _today(now)
    start = clock.from_local_naive(datetime.combine(day, datetime.min.time()))
    calls = list(
        db.session.scalars(
            db.select(QueueEvent)
            .where(QueueEvent.action.in_(("call", "recall")), QueueEvent.at >= start)
            .order_by(QueueEvent.id.desc())
            .limit(200)
        )
    )
    # «Vừa gọi»: each number once, at its latest call (recalls push no one off the list).
    shown: set[int | None] = set()
    latest_calls = []
    for event in calls:
        if event.ticket_id not in shown:
            shown.add(event.ticket_id)
            latest_calls.append(event)
    # Each counter shows the number called to or served at it now, nothing else: not one
    # since finished, marked absent or sent to another counter, nor one from before a close.
    at_counters = dict(
        db.session.execute(
            db.select(QueueTicket.counter_id, QueueTicket.code)
            .where(
                _one_of(QueueTicket.status, AT_COUNTER),
                QueueTicket.counter_id.is_not(None),
                QueueTicket.day == day,  # one left unsettled last night is not today's call
            )
            .order_by(QueueTicket.called_at)
        ).all()
    )
    waiting = waiting_counts(day)
    return {
        "day": day.isoformat(),
        "voice": voice.version(),
        "closed": closed_notice(now),
        "counters": [
            {
                "number": c.number,
                "name": c.name,
                "open": c.is_open,
                "code": at_counters.get(c.id, ""),
            }
            for c in list_counters(active_only=True)
        ],
        "calls": [
            {
                "id": e.id,
                "code": e.code,
                "counter": e.counter_number,
                "time": f"{clock.local_naive(e.at):%H:%M}",
                "recall": e.action == "recall",
                # What the board says: the clips of «Mời số A012 đến quầy số 2», in order.
                "clips": announcement(e.code, e.counter_number) if e.counter_number else [],
            }
            for e in latest_calls[:LAST_CALLS]
        ],
        "waiting": [
            {"letter": s.letter, "name": s.name, "count": waiting.get(s.id, 0)}
            for s in list_services(active_only=True)
        ],
    }


def officer_name(user_id: int | None) -> str:
    """The full name of an officer, for the counter list."""
    if user_id is None:
        return ""
    user = db.session.get(User, user_id)
    return user.full_name if user else ""


# -- demo ----------------------------------------------------------------------------

#: letter, name, fields of the demo catalog it groups.
DEMO_SERVICES = (
    ("A", "Hộ tịch", "Hộ tịch"),
    ("B", "Chứng thực", "Chứng thực"),
    ("C", "Đất đai, kinh doanh và lĩnh vực khác", "Thành lập và hoạt động của hộ kinh doanh"),
)
#: number, name, letters served.
DEMO_COUNTERS = ((1, "Tư pháp - Hộ tịch", "AC"), (2, "Chứng thực", "BC"))


def load_demo_queue() -> str | None:
    """Demo queue services and counters (run by ``init --demo``); adds nothing once any exists."""
    if db.session.scalar(db.select(QueueService.id).limit(1)) is not None:
        return None
    with transaction():
        by_letter = {}
        for position, (letter, name, fields) in enumerate(DEMO_SERVICES):
            service = QueueService(name=name, letter=letter, fields=fields, position=position)
            db.session.add(service)
            by_letter[letter] = service
        for number, name, letters in DEMO_COUNTERS:
            db.session.add(
                QueueCounter(number=number, name=name, services=[by_letter[x] for x in letters])
            )
    return f"demo queue: {len(DEMO_SERVICES)} services, {len(DEMO_COUNTERS)} counters"
