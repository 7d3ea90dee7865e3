"""Numbers from database sequences: the one place that hands them out.

Each number is the next value of a row of ``daily_sequence`` keyed by
(kind, scope, day); the formats are in :mod:`counter.domain.codes`.

============  =============================  ==========================================
kind          scope                          day
============  =============================  ==========================================
``dossier``   the agency e-identifier        the local day: dossier codes
``ledger``    ``""``                         the book's first day (1 January): ledger
``notice``    the form, ``02`` or ``03``     the local day: counter notices
``ticket``    the queue service's letter     the local day: queue tickets (A001…),
                                             taken by :mod:`counter.services.queue`
============  =============================  ==========================================

A new kind is one more call of :func:`next_number` with its own kind and scope.

A number is taken with a single upsert that locks the row until commit (PostgreSQL)
or takes SQLite's write lock (it is a write, and should be the first of its
transaction), before anything else is read, so counters submitting at the same
moment never get the same number. A number taken by a transaction that then fails
is rolled back with it: it was never shown or printed, so the next one takes it. A
number once committed is never handed out again: the sequence only grows, a dossier
code found already in use is skipped, and a restore carries the high-water marks of
the database it replaces over to the one it puts back (:func:`read_marks`,
:func:`carry_forward`).
"""

from __future__ import annotations

import functools
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import bindparam, case

from counter.domain.codes import (
    format_dossier_code,
    format_notice_number,
    ledger_book,
    ledger_book_start,
)
from counter.extensions import db
from counter.models import DailySequence, Dossier

DOSSIER = "dossier"
LEDGER = "ledger"
NOTICE = "notice"

# Before revision 0011 the sequences had one key column, ``agency_id``: the agency
# itself, ``LEDGER``, or ``NOTICE-02`` / ``NOTICE-03``. Backups of that age are restored.
_LEGACY_LEDGER = "LEDGER"
_LEGACY_NOTICE = "NOTICE-"


@functools.cache
def _next_statement(dialect: str) -> Any:
    """The upsert of :func:`next_number`, built once per dialect with bound parameters
    (the kiosk and reception run it on every ticket and dossier)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    else:  # pragma: no cover - the app supports SQLite and PostgreSQL
        raise RuntimeError(f"unsupported database {dialect}")
    columns = DailySequence.__table__.c
    return (
        insert(DailySequence)
        .values(
            kind=bindparam("p_kind", type_=columns["kind"].type),
            scope=bindparam("p_scope", type_=columns["scope"].type),
            day=bindparam("p_day", type_=columns["day"].type),
            last_seq=1,
        )
        .on_conflict_do_update(
            index_elements=[DailySequence.kind, DailySequence.scope, DailySequence.day],
            set_={"last_seq": DailySequence.last_seq + 1},
        )
        .returning(DailySequence.last_seq)
    )


def next_number(kind: str, scope: str, day: date) -> int:
    """Take the next number of the (kind, scope, day) sequence inside the current transaction.

    One upsert that locks the row until commit (PostgreSQL) or takes SQLite's write
    lock (it is a write, and the first write of the transaction), so concurrent
    transactions wait for each other instead of reading the same value.
    """
    statement = _next_statement(db.session.get_bind().dialect.name)
    params = {"p_kind": kind, "p_scope": scope, "p_day": day}
    # A plain statement on the transaction's connection: through the session it would
    # go the ORM's bulk-insert way (the statement names the model), several times the cost.
    return int(db.session.connection().execute(statement, params).scalar_one())


def raise_to(kind: str, scope: str, day: date, seq: int) -> None:
    """Make sure the (kind, scope, day) sequence hands out only numbers above ``seq``.

    For numbers known to be taken elsewhere: the dossier codes the portal holds
    after a restore (:func:`counter.portal.pull.reconcile`). Never lowers it.
    """
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    statement = (
        insert(DailySequence)
        .values(kind=kind, scope=scope, day=day, last_seq=seq)
        .on_conflict_do_update(
            index_elements=[DailySequence.kind, DailySequence.scope, DailySequence.day],
            set_={
                "last_seq": case((DailySequence.last_seq < seq, seq), else_=DailySequence.last_seq)
            },
        )
    )
    db.session.execute(statement)


#: A dossier holding this code (:func:`dossier_code`).
_CODE_TAKEN = db.select(Dossier.id).where(Dossier.code == bindparam("p_code"))


def dossier_code(agency_id: str, day: date) -> str:
    """The next dossier code of the agency for a local day, skipping codes already in use
    (as stored: read on the connection, which flushes no dossier the session holds)."""
    while True:
        code = format_dossier_code(agency_id, day, next_number(DOSSIER, agency_id, day))
        taken = db.session.connection().execute(_CODE_TAKEN, {"p_code": code}).first()
        if taken is None:
            return code


class LedgerNumber(NamedTuple):
    """Where a dossier is entered in the ledger: quyển số, số thứ tự."""

    book: str
    seq: int


def ledger_number(day: date) -> LedgerNumber:
    """The next ledger entry for a dossier received on a local day."""
    return LedgerNumber(ledger_book(day), next_number(LEDGER, "", ledger_book_start(day)))


def notice_number(form_no: str, day: date) -> str:
    """The next number of a form ``02`` or ``03`` given at the counter on a local day."""
    return format_notice_number(form_no, day, next_number(NOTICE, form_no, day))


# -- restore ---------------------------------------------------------------------


class Mark(NamedTuple):
    """The last number handed out of one sequence (a high-water mark)."""

    kind: str
    scope: str
    day: str  # as SQLite stores it, YYYY-MM-DD
    last_seq: int


def _columns(conn: sqlite3.Connection) -> set[str]:
    return {row[1] for row in conn.execute("PRAGMA table_info(daily_sequence)")}


def _from_legacy(key: str) -> tuple[str, str]:
    if key == _LEGACY_LEDGER:
        return LEDGER, ""
    if key.startswith(_LEGACY_NOTICE):
        return NOTICE, key[len(_LEGACY_NOTICE) :]
    return DOSSIER, key


def _legacy_key(kind: str, scope: str) -> str:
    if kind == DOSSIER:
        return scope
    return kind.upper() + (f"-{scope}" if scope else "")


def read_marks(path: Path) -> list[Mark]:
    """The high-water marks of every sequence in an SQLite database file (any revision)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        columns = _columns(conn)
        if not columns:  # a database from before numbering existed
            return []
        if "kind" in columns:
            query = "SELECT kind, scope, day, last_seq FROM daily_sequence"
            return [Mark(*row) for row in conn.execute(query)]
        query = "SELECT agency_id, day, last_seq FROM daily_sequence"
        return [Mark(*_from_legacy(key), day, n) for key, day, n in conn.execute(query)]
    finally:
        conn.close()


def carry_forward(conn: sqlite3.Connection, marks: list[Mark]) -> None:
    """Raise the restored database's sequences to ``marks``: a printed number is never reused.

    The restored database may be older than revision 0011 (one ``agency_id`` key);
    the marks are written in its own shape, and its upgrade converts them.
    """
    if "kind" in _columns(conn):
        statement = (
            "INSERT INTO daily_sequence (kind, scope, day, last_seq) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (kind, scope, day) DO UPDATE "
            "SET last_seq = MAX(last_seq, excluded.last_seq)"
        )
        rows = [tuple(mark) for mark in marks]
    else:
        statement = (
            "INSERT INTO daily_sequence (agency_id, day, last_seq) VALUES (?, ?, ?) "
            "ON CONFLICT (agency_id, day) DO UPDATE "
            "SET last_seq = MAX(last_seq, excluded.last_seq)"
        )
        rows = [(_legacy_key(m.kind, m.scope), m.day, m.last_seq) for m in marks]
    with conn:
        conn.executemany(statement, rows)
