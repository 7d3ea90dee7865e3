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
    for kind, progress_key in _items(event.uid):
        db.session.add(
            OutboxItem(kind=kind, dossier=dossier, event=event, progress_key=progress_key)
        )


def _items(event_uid: str) -> tuple[tuple[str, str | None], ...]:
    """The outbox items of a step: (kind, progress key)."""
    return ((KIND_STATE, None), (KIND_PROGRESS, event_uid))


#: A plain INSERT of the outbox (:func:`enqueue_written`).
_INSERT = OutboxItem.__table__.insert()


def enqueue_written(dossier_id: int, event_id: int, event_uid: str) -> None:
    """:func:`enqueue_for` a dossier and an event this transaction wrote as plain statements
    (reception): the rows go the same way, on the transaction's connection."""
    rows = [
        {"kind": kind, "dossier_id": dossier_id, "event_id": event_id, "progress_key": key}
        for kind, key in _items(event_uid)
    ]
    db.session.connection().execute(_INSERT, rows)


def enqueue_state(dossier: Dossier) -> None:
    """Queue the dossier's state alone (a change that is no step, e.g. the citizen's rating)."""
    db.session.add(OutboxItem(kind=KIND_STATE, dossier=dossier))
