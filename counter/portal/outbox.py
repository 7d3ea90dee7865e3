"""The outbox seam: a dossier change enqueues what the portal must receive, in its transaction."""

from __future__ import annotations

import uuid

from counter.extensions import db
from counter.models import Dossier, DossierEvent
from counter.models.portal import KIND_PROGRESS, KIND_STATE, OutboxItem


def new_progress_key() -> str:
    """A MaTienDo never issued before, even after a backup is restored (random, not a count)."""
    return uuid.uuid4().hex


def enqueue_for(dossier: Dossier, event: DossierEvent) -> None:
    """Queue the dossier's state and the event's progress entry; the caller's commit keeps them.

    Called in the transaction that records ``event``, so the change and its outbox
    rows are written together or not at all.
    """
    db.session.add(OutboxItem(kind=KIND_STATE, dossier=dossier, event=event))
    db.session.add(
        OutboxItem(
            kind=KIND_PROGRESS, dossier=dossier, event=event, progress_key=new_progress_key()
        )
    )
