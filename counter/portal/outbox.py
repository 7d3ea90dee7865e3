"""The outbox seam: a dossier change enqueues what the portal must receive, in its transaction."""

from __future__ import annotations

from counter.extensions import db
from counter.models import Dossier, DossierEvent
from counter.models.dossiers import new_event_uid
from counter.models.portal import KIND_PROGRESS, KIND_STATE, OutboxItem


def enqueue_for(dossier: Dossier, event: DossierEvent) -> None:
    """Queue the dossier's state and the event's progress entry; the caller's commit keeps them.

    Called in the transaction that records ``event``, so the change and its outbox
    rows are written together or not at all.
    """
    if not event.uid:  # the event's own identity is its MaTienDo (random: never given again)
        event.uid = new_event_uid()
    db.session.add(OutboxItem(kind=KIND_STATE, dossier=dossier, event=event))
    db.session.add(
        OutboxItem(kind=KIND_PROGRESS, dossier=dossier, event=event, progress_key=event.uid)
    )


def enqueue_state(dossier: Dossier) -> None:
    """Queue the dossier's state alone (a change that is no step, e.g. the citizen's rating)."""
    db.session.add(OutboxItem(kind=KIND_STATE, dossier=dossier))
