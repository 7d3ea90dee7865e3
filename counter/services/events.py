"""Dossier events: every change appends one (history, audit trail and sync outbox)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from counter.extensions import db
from counter.models import Dossier, DossierEvent
from counter.portal.outbox import enqueue_for
from counter.services import Actor


def append_event(
    dossier: Dossier,
    actor: Actor,
    action: str,
    *,
    from_status: str | None,
    to_status: str,
    note: str = "",
    due_before: datetime | None = None,
    due_after: datetime | None = None,
    form_no: str | None = None,
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> DossierEvent:
    """Add an event to the current transaction; the caller commits with the dossier change."""
    event = DossierEvent(
        dossier=dossier,
        user_id=actor.user_id,
        username=actor.username,
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=note,
        due_before=due_before,
        due_after=due_after,
        form_no=form_no,
        detail=detail or {},
    )
    if at is not None:
        event.at = at
    db.session.add(event)
    enqueue_for(dossier, event)  # the portal outbox, in the same transaction
    return event
