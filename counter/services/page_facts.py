"""What every staff page reads from the database besides its own work, in one statement.

The clock's banner compares this PC's clock with the newest audit row; the sync's banner
looks at the outbox's oldest waiting item; the copies of the office's setup kept per
process (:mod:`counter.services.setup_cache`) check the setup's version. Each was a
statement of its own on every staff page (a round trip to PostgreSQL each). They are
columns of the sign-in's statement now (:func:`counter.services.accounts.resume_session`),
which every signed-in request runs first, and which hands them to :func:`remember`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from counter.extensions import db
from counter.models.portal import PENDING, OutboxItem
from counter.services import setup_cache
from counter.services.audit import NEWEST_AT

#: When the oldest pending item was queued: the first of the index (status, created_at),
#: migration 0023.
OLDEST_PENDING_AT = (
    db.select(OutboxItem.created_at)
    .where(OutboxItem.status == PENDING)
    .order_by(OutboxItem.created_at)
    .limit(1)
)

#: The facts as columns of another statement (the sign-in's), each a scalar subquery.
COLUMNS = (
    setup_cache.VERSION.scalar_subquery().label("f_setup_version"),
    NEWEST_AT.scalar_subquery().label("f_newest_audit_at"),
    OLDEST_PENDING_AT.scalar_subquery().label("f_oldest_pending_at"),
)
_FACTS = db.select(*COLUMNS)
#: session.info key: the facts remembered from the sign-in's statement, for the banners.
_REMEMBERED = "counter.page_facts"


@dataclass(frozen=True)
class PageFacts:
    """The database's answers a staff page's banners need."""

    newest_audit_at: datetime | None  # None: an empty log
    oldest_pending_at: datetime | None  # None: nothing waits to be sent


def remember(row: Any) -> None:
    """Take the facts from a row of a statement that selected :data:`COLUMNS`, read in
    this database session just now: the setup's version for this session's copies, the
    rest for this request's banners."""
    setup_cache.remember(row.f_setup_version)
    db.session().info[_REMEMBERED] = PageFacts(row.f_newest_audit_at, row.f_oldest_pending_at)


def page_facts() -> PageFacts:
    """The facts remembered from this request's sign-in (once), else read now."""
    info = db.session().info
    if _REMEMBERED not in info:
        remember(db.session.connection().execute(_FACTS).one())
    return info.pop(_REMEMBERED)  # type: ignore[no-any-return]
