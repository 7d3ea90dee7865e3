"""The event log: every step of a dossier, and every notice given at the counter, appends one.

Events are only made here, from a typed payload (:mod:`counter.domain.events`);
they are the history, the audit trail, what the printed forms read, and the sync
outbox.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from counter.domain.events import (
    NOTICE_PAYLOADS,
    CounterNoticeGiven,
    EventPayload,
    HandedOver,
    RefusalNotice,
    holder_of,
    to_detail,
)
from counter.domain.lifecycle import Status
from counter.domain.printed.wording import ONE_STOP_UNIT
from counter.extensions import db
from counter.models import CounterNotice, Dossier, DossierEvent, User
from counter.models.dossiers import new_event_uid
from counter.portal.outbox import enqueue_for, enqueue_written
from counter.services import Actor


def append_event(
    dossier: Dossier,
    actor: Actor,
    payload: EventPayload,
    *,
    from_status: str | None,
    to_status: str,
    note: str = "",
    due_before: datetime | None = None,
    due_after: datetime | None = None,
    form_no: str | None = None,
    at: datetime | None = None,
    enqueue: bool = True,
) -> DossierEvent:
    """Add a dossier's step to the current transaction; the caller commits with the change.

    The acting unit is where the dossier is before the step (a handover: the unit
    handing it over). ``enqueue=False`` only for a step the portal itself told us
    (a dossier pulled from it): nothing to send back.
    """
    if isinstance(payload, HandedOver) and payload.from_unit:
        unit = payload.from_unit
    else:
        unit = holder_of(event.payload for event in dossier.events)
    event = _event(actor, payload, at, unit=unit)
    event.dossier = dossier
    event.from_status = from_status
    event.to_status = to_status
    event.note = note
    event.due_before = due_before
    event.due_after = due_after
    event.form_no = form_no
    db.session.add(event)
    if enqueue:
        enqueue_for(dossier, event)  # the portal outbox, in the same transaction
    return event


def append_notice_event(
    notice: CounterNotice, actor: Actor, payload: CounterNoticeGiven
) -> DossierEvent:
    """Add the event of a form 02/03 given at the counter (no dossier: never received)."""
    event = _event(actor, payload, notice.at, unit=ONE_STOP_UNIT)
    event.notice = notice
    event.from_status = None
    # A refusal is the portal's status 3; an incomplete dossier was simply not received yet.
    refused = isinstance(payload, RefusalNotice)
    event.to_status = (Status.REFUSED if refused else Status.SUBMITTED).value
    event.note = payload.reason
    event.form_no = payload.form_no
    db.session.add(event)
    return event


def notice_payload(notice: CounterNotice) -> CounterNoticeGiven | None:
    """What a counter notice's event records; None for a kind with no form.

    A notice row without its event (written before migration 0012 added them, which
    adds one to every notice it finds) reads as that event would.
    """
    event = notice.event
    if event is not None and isinstance(event.payload, CounterNoticeGiven):
        return event.payload
    payload_type = NOTICE_PAYLOADS.get(notice.kind)
    if payload_type is None:
        return None
    items = tuple(str(i).strip() for i in (notice.items or []) if str(i).strip())
    return payload_type(number=notice.number, items=items, reason=notice.reason or "")


def first_event(
    dossier_id: int,
    actor: Actor,
    payload: EventPayload,
    *,
    to_status: str,
    due_after: datetime | None,
    form_no: str | None,
    at: datetime,
) -> None:
    """:func:`append_event` for the first step of a dossier this transaction wrote as a plain
    statement (reception): the event and its outbox rows go the same way, on the
    transaction's connection, with nothing for the session to flush."""
    row = _event_row(actor, payload, at, unit=holder_of(()))
    row.update(
        uid=new_event_uid(),
        dossier_id=dossier_id,
        from_status=None,
        to_status=to_status,
        due_after=due_after,
        form_no=form_no,
    )
    event_id = db.session.connection().execute(_INSERT, row).scalar_one()
    enqueue_written(dossier_id, event_id, row["uid"])


#: Who an event names: the acting account's name and title.
_OFFICER = db.select(User.full_name, User.title).where(User.id == db.bindparam("p_user"))
#: A plain INSERT of an event, answering its id (:func:`first_event`).
_INSERT = DossierEvent.__table__.insert().returning(DossierEvent.__table__.c.id)


def _event(actor: Actor, payload: EventPayload, at: datetime | None, *, unit: str) -> DossierEvent:
    """An event's common part: who acted (named as now), when, the kind and its payload."""
    return DossierEvent(**_event_row(actor, payload, at, unit=unit))


def _event_row(
    actor: Actor, payload: EventPayload, at: datetime | None, *, unit: str
) -> dict[str, Any]:
    """The columns of :func:`_event` (``at`` left to its default when None)."""
    # The name and title alone: the account as an object would bring its roles too. Read
    # on the connection, which flushes nothing the step added so far: the caller's commit
    # writes it all in one go.
    user = None
    if actor.user_id is not None:
        user = db.session.connection().execute(_OFFICER, {"p_user": actor.user_id}).first()
    row = {
        "user_id": actor.user_id,
        "username": actor.username,
        "officer_name": (user.full_name if user is not None else "") or actor.username,
        "officer_title": user.title if user is not None else "",
        "unit": unit,
        "action": payload.kind,
        "detail": to_detail(payload),
    }
    if at is not None:
        row["at"] = at
    return row
