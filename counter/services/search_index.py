"""The index behind the dossier search (migration 0018), and the clause that uses it.

Every word typed must occur inside ``dossier.search_text`` (folded code, names, phones,
ID numbers); a word of one or two letters must start a word of it ("lo" finds Lò and
Loan, not Hello; "an" finds Anh, not Quàng or Xuân), digits anywhere. On SQLite a word
of :data:`TRIGRAM` characters or more is looked up in ``dossier_fts``, an FTS5 table
with the trigram tokenizer kept in step by triggers: it finds exactly the rows
``LIKE '%word%'`` finds (the text and the words are folded, so lowercase), without
reading every row; a two-letter word is looked up there with the space before it (the
trigram " lo"). A word of one letter, and an SQLite without that table (older than
3.34), use LIKE. On PostgreSQL the words stay LIKE: the ``pg_trgm`` GIN index answers
them, the start of a word included. For a long word both indexes get its end
(:data:`INDEXED_TAIL`).

Why a short word starts a word: two letters occur inside most names ("an" in four names
of five), so finding them anywhere gives the officer most of the office's dossiers, and
no trigram index can look them up: at a million dossiers "lo thi" read half the table.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, literal_column, table, text

from counter.extensions import db
from counter.models import Dossier

#: The FTS5 table (external content: its rowid is ``dossier.id``); its shadow tables share
#: the prefix. Neither is a model: autogenerate leaves them alone (migrations/env.py).
FTS_TABLE = "dossier_fts"
#: The PostgreSQL trigram index; not a model index either (an operator class).
PG_INDEX = "ix_dossier_search_text_trgm"
#: The trigram tokenizer indexes three characters at a time: shorter words cannot be looked up.
TRIGRAM = 3
#: The index is asked for the end of a longer word only; the whole word is checked on the rows
#: it gives. Measured at 1M dossiers: an ID number whole costs FTS5 128 ms, its last 8 digits
#: 8 ms (on PostgreSQL a code or ID number whole reads 5 times more GIN pages): the start
#: holds trigrams nearly every row has (the agency's "000.20.18.h18", the province's "011").
INDEXED_TAIL = 8


def not_in_models(name: str | None, type_: str) -> bool:
    """Whether a database object belongs to the search index (for autogenerate to skip)."""
    if type_ == "table":
        return bool(name) and (name == FTS_TABLE or str(name).startswith(f"{FTS_TABLE}_"))
    return type_ == "index" and name == PG_INDEX


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Autogenerate's ``include_object``: compare everything but the search index, which
    is no model (migrations/env.py and the migration tests use it)."""
    return not (reflected and compare_to is None and not_in_models(name, type_))


def fts_available() -> bool:
    """Whether this database has the FTS5 search table (SQLite 3.34+, migrated to 0018)."""
    if db.engine.dialect.name != "sqlite":
        return False
    found = db.session.execute(
        text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name"),
        {"name": FTS_TABLE},
    ).first()
    return found is not None


def _phrase(word: str) -> str:
    """An FTS5 phrase for a word taken literally (a double quote inside is doubled)."""
    return '"' + word.replace('"', '""') + '"'


def _like(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _starts_a_word(word: str) -> bool:
    """A word too short for the index, with a letter: it must start a word of the text."""
    return len(word) < TRIGRAM and any(c.isalpha() for c in word)


def _needles(words: list[str]) -> list[str]:
    """What each word must find in the text: itself, or a space and itself."""
    return [f" {w}" if _starts_a_word(w) else w for w in words]


def _match(needles: list[str]) -> str:
    """The FTS5 query for these needles: their ends, phrases side by side (FTS5's AND)."""
    return " ".join(_phrase(n[-INDEXED_TAIL:]) for n in needles)


def fts_rowids(match: str) -> Any:
    """The rowids (dossier ids) the search table gives for an FTS5 query, as a SELECT."""
    return (
        db.select(literal_column("rowid"))
        .select_from(table(FTS_TABLE))
        .where(text(f"{FTS_TABLE} MATCH :fts_match").bindparams(fts_match=match))
    )


def exact_match(words: list[str]) -> str | None:
    """The FTS5 query that alone finds exactly the dossiers holding every word, or None.

    It does when the search table exists and every needle is indexed whole (of
    :data:`TRIGRAM` to :data:`INDEXED_TAIL` characters): no row then needs reading to
    check a word, so the matches can be counted, and tested one by one, from the
    index alone.
    """
    needles = _needles(words)
    if not needles or not all(TRIGRAM <= len(n) <= INDEXED_TAIL for n in needles):
        return None
    return _match(needles) if fts_available() else None


def contains_all(words: list[str]) -> list[Any]:
    """Conditions on ``Dossier`` that hold when its search text holds every word.

    A word of :data:`TRIGRAM` letters or more, or of digits, anywhere in the text; a
    shorter word with a letter, at the start of a word (after a space).
    """
    needles = _needles(words)
    clauses: list[Any] = []
    if any(len(n) >= TRIGRAM for n in needles) and fts_available():
        match = _match([n for n in needles if len(n) >= TRIGRAM])
        clauses.append(Dossier.id.in_(fts_rowids(match)))
        # Left for LIKE: the short ones, and the long ones whole (the index had their end).
        needles = [n for n in needles if len(n) < TRIGRAM or len(n) > INDEXED_TAIL]
    for needle in needles:
        if db.engine.dialect.name == "postgresql" and len(needle) > INDEXED_TAIL:
            # strpos is the same test as LIKE '%word%' but no index answers it: only the tail
            # goes to the GIN index, the whole word is checked on the rows it gives.
            clauses.append(Dossier.search_text.like(_like(needle[-INDEXED_TAIL:]), escape="\\"))
            clauses.append(db.func.strpos(Dossier.search_text, needle) > 0)
        else:
            clauses.append(Dossier.search_text.like(_like(needle), escape="\\"))
    return clauses


#: The dossiers' due-date index (the model's): :func:`first_by_due_date` walks it in order.
DUE_DATE_INDEX = "ix_dossier_due_at_id"


def first_by_due_date(found: list[int] | str, offset: int, limit: int, span: int) -> list[int]:
    """Ids among ``found`` (ids, or an FTS5 query that finds them) in due-date order (then
    id), from ``offset``, at most ``limit`` of them: the due-date index walked in order and
    each entry looked up among them, no further than its first ``span`` entries (fewer ids
    come back when the walk ends there; the caller then reads them otherwise). SQLite only.
    """
    walked = f"dossier INDEXED BY {DUE_DATE_INDEX}"
    bound = db.session.scalar(
        text(f"SELECT due_at FROM {walked} ORDER BY due_at, id LIMIT 1 OFFSET :span"),
        {"span": span},
    )
    if isinstance(found, str):
        among = f"(SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :found)"
    else:
        among = ":found"
    statement = text(
        f"SELECT id FROM {walked} WHERE id IN {among}"
        + ("" if bound is None else " AND due_at <= :bound")  # None: fewer dossiers than that
        + " ORDER BY due_at, id LIMIT :limit OFFSET :offset"
    )
    if not isinstance(found, str):
        statement = statement.bindparams(bindparam("found", expanding=True))
    params = {"found": found, "bound": bound, "offset": offset, "limit": limit}
    return [row.id for row in db.session.execute(statement, params)]
