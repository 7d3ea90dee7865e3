"""What the banners of every staff page read from the database, in one statement.

The clock's banner compares this PC's clock with the newest audit row; the sync's banner
looks at the outbox's oldest waiting item. Each was a statement of its own on every
staff page (a round trip to PostgreSQL each); they are two scalar subqueries of one now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from counter.extensions import db
from counter.portal.status import OLDEST_PENDING_AT
from counter.services.audit import NEWEST_AT


@dataclass(frozen=True)
class PageFacts:
    """The database's answers a staff page's banners need."""

    newest_audit_at: datetime | None  # None: an empty log
    oldest_pending_at: datetime | None  # None: nothing waits to be sent


_FACTS = db.select(NEWEST_AT.scalar_subquery(), OLDEST_PENDING_AT.scalar_subquery())


def page_facts() -> PageFacts:
    """Read now, in one statement on the session's connection."""
    newest, oldest = db.session.connection().execute(_FACTS).one()
    return PageFacts(newest, oldest)
