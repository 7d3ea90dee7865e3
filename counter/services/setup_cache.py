"""Per-process copies of the office's setup, checked with one small query.

The office row, the calendar, the queue's services and counters, the printers, the
catalog's fields and the staff's names change a few times a year, yet the kiosk, every
due date, the counter pages and the worklist filters read them on every request. Each
process keeps what it built from them, with the database's ``setup_version`` (a number
triggers raise on every write to those tables, whoever makes it: migrations 0021 and
0024) at the time it read them; a copy is used while the number is the same.

Within one database session the number is read once, and read again after any session
of this process commits a write to those tables. A session with such a write not yet
committed builds afresh each time and keeps nothing: what it sees is not yet everyone's.
Writes made through ``session.connection()`` are not seen by this bookkeeping (the
triggers still count them for the other processes): the queue's hot paths write that way,
to its tickets, events and counters' ``updated_at`` only, and reception to its dossier's
rows; neither writes a table of the setup.

Copies hold plain values (frozen dataclasses, the domain's calendar), never ORM objects:
they are shared by every thread.
"""

from __future__ import annotations

import itertools
import re
import threading
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import TextClause
from sqlalchemy import event as orm_event
from sqlalchemy.orm import Session

from counter.extensions import db
from counter.models import SetupVersion

T = TypeVar("T")

#: The tables whose writes raise the version (the triggers of migration 0021).
SETUP_TABLES = frozenset(
    {
        "office",
        "calendar_entry",
        "queue_service",
        "queue_counter",
        "queue_counter_service",
        "printer",
        "setup_version",
        "procedure",  # its fields (migration 0024)
        "user",  # the staff's names (migration 0024)
    }
)
#: The start of typed SQL that may write.
_WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|WITH|MERGE|TRUNCATE)\b", re.IGNORECASE)
#: The version's row (also read as a column of the sign-in's statement: page_facts).
VERSION = db.select(SetupVersion.version).where(SetupVersion.id == 1)
#: session.info keys: (process generation, version) read in this session; a pending write.
_MEMO = "counter.setup_version"
_PENDING = "counter.setup_written"
#: Raised when a session of this process commits a write to a setup table.
_generations = itertools.count(1)
_generation = [0]
#: Per database engine: name → (version, value).
_copies: weakref.WeakKeyDictionary[Any, dict[str, tuple[int, Any]]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def version() -> int | None:
    """The database's setup version as this session last read it; None while this session
    holds a setup write not yet committed (or the row is missing: nothing is kept)."""
    session = db.session()
    info = session.info
    if info.get(_PENDING):
        return None
    memo = info.get(_MEMO)
    generation = _generation[0]
    if memo is not None and memo[0] == generation:
        return memo[1]  # type: ignore[no-any-return]
    # Read first, build after: a copy built from newer rows than its number is only
    # built again; one built from older rows than its number would be wrong.
    found = session.connection().execute(VERSION).scalar()
    info[_MEMO] = (generation, found)
    return found


def remember(found: int | None) -> None:
    """Take the version as another statement of this session read it just now (the
    sign-in's, :mod:`counter.services.page_facts`): :func:`version` needs no statement."""
    info = db.session().info
    if not info.get(_PENDING):
        info[_MEMO] = (_generation[0], found)


def cached(name: str, build: Callable[[], T]) -> T:
    """This process's copy of ``name``, built by ``build()`` when the setup changed since."""
    current = version()
    if current is None:
        return build()
    engine = db.engine
    copies = _copies.get(engine)
    if copies is None:
        with _lock:
            copies = _copies.setdefault(engine, {})
    kept = copies.get(name)
    if kept is not None and kept[0] == current:
        return kept[1]  # type: ignore[no-any-return]
    value = build()
    copies[name] = (current, value)
    return value


# -- this process's writes -----------------------------------------------------------


def _pending(session: Session) -> None:
    session.info[_PENDING] = True


@orm_event.listens_for(Session, "after_flush")
def _objects_written(session: Session, _context: Any) -> None:
    # A counter's services (many to many) change with the counter: it is among the dirty.
    for obj in (*session.new, *session.dirty, *session.deleted):
        if getattr(type(obj), "__tablename__", "") in SETUP_TABLES:
            _pending(session)
            return


@orm_event.listens_for(Session, "do_orm_execute")
def _statement_written(state: Any) -> None:
    statement = state.statement
    if state.is_update or state.is_delete or state.is_insert:
        table = getattr(statement, "table", None)
        if getattr(table, "name", "") in SETUP_TABLES:
            _pending(state.session)
    elif isinstance(statement, TextClause) and _WRITE.match(statement.text):
        _pending(state.session)  # typed SQL (tests, maintenance): any write may be one


@orm_event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    if session.info.pop(_PENDING, False):
        _generation[0] = next(_generations)


@orm_event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session: Session, _previous: Any) -> None:
    if session.info.pop(_PENDING, False):
        _generation[0] = next(_generations)  # the session's memo may be of its own write
