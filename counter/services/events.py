"""The event log: every step of a dossier, and every notice given at the counter, appends one.

Events are only made here, from a typed payload (:mod:`counter.domain.events`);
they are the history, the audit trail, what the printed forms read, and the sync
outbox.
"""

from __future__ import annotations

from datetime import datetime

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
from counter.portal.outbox import enqueue_for
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


def _event(actor: Actor, payload: EventPayload, at: datetime | None, *, unit: str) -> DossierEvent:
    """An event's common part: who acted (named as now), when, the kind and its payload."""
    # The name and title alone: the account as an object would bring its roles too. Read
    # without flushing what the step added so far: the caller's commit writes it in one go.
    user = None
    if actor.user_id is not None:
        with db.session.no_autoflush:
            user = db.session.execute(
                db.select(User.full_name, User.title).where(User.id == actor.user_id)
            ).first()
    event = DossierEvent(
        user_id=actor.user_id,
        username=actor.username,
        officer_name=(user.full_name if user is not None else "") or actor.username,
        officer_title=user.title if user is not None else "",
        unit=unit,
        action=payload.kind,
        detail=to_detail(payload),
    )
    if at is not None:
        event.at = at
    return event
