"""Dossier search (the service): partial codes, digits typed with spaces, names without marks."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy import delete, event

from counter.extensions import db
from counter.models import CounterNotice, Dossier
from counter.services import dossiers as svc
from counter.services import search_index
from counter.services.reception import search_key
from tests.services.test_lifecycle_service import RECEIVED, actor_for, make_dossier


@pytest.fixture
def three(app: Flask) -> list[Dossier]:
    db.session.execute(delete(CounterNotice))
    db.session.execute(delete(Dossier))
    db.session.commit()
    return [
        make_dossier(name="Nguyễn Văn Ánh", phone="0912345678"),
        make_dossier(name="Lò Thị Xuân", id_number="011190005555", phone="0987000111"),
        make_dossier(name="Quàng Văn Mười", id_number="011190006666", phone="0977000222"),
    ]


def _found(query: str) -> list[str]:
    return [row.dossier.code for row in svc.search(actor_for("reception"), query).rows]


def test_every_shape_of_a_code_an_officer_types_finds_it(three: list[Dossier]) -> None:
    wanted = three[2]
    _agency, day, seq = wanted.code.rsplit("-", 2)
    short = str(int(seq))
    for query in (wanted.code, wanted.code.lower(), f"{day}-{seq}", f"{day}-{short}", seq, short):
        assert _found(query) == [wanted.code], query


def test_phone_and_id_numbers_typed_with_spaces_or_dots(three: list[Dossier]) -> None:
    assert _found("0987 000 111") == [three[1].code]
    assert _found("0987.000.111") == [three[1].code]
    assert _found("011190006666") == [three[2].code]
    assert _found("nguyen van anh") == [three[0].code]
    assert _found("muoi quang") == [three[2].code]


def test_a_word_of_one_or_two_letters_matches_the_start_of_a_word(three: list[Dossier]) -> None:
    assert _found("lo thi") == [three[1].code]
    assert _found("lo") == [three[1].code]
    assert _found("an") == [three[0].code]  # ANH; not quANg, xuAN
    assert _found("van a") == [three[0].code]  # Văn Ánh; not the "a" inside "quang van muoi"
    assert _found("van nh") == []  # "nh" is inside Ánh, no word starts with it
    assert _found("x") == [three[1].code]
    assert sorted(_found("uan")) == sorted([three[1].code, three[2].code])  # 3 letters: anywhere
    assert _found("van 34") == [three[0].code]  # digits: anywhere (inside 0912345678)


def test_short_words_find_what_reading_every_row_finds(app: Flask) -> None:
    db.session.execute(delete(CounterNotice))
    db.session.execute(delete(Dossier))
    db.session.commit()
    names = ("Giàng A Páo", "Lò Thị Hà", "Hà Thị Lò", "Lê Thị Hằng", "Hoàng Văn Lả", "Đỗ Thị Lan")
    made = [make_dossier(name=name) for name in names]
    for query in ("a", "ha", "lo ha", "thi ha", "le", "la", "d", "do thi", "h", "hoang l"):
        words = query.split()
        wanted = sorted(
            d.code
            for d in made
            if all(
                (f" {w}" if len(w) < search_index.TRIGRAM else w) in d.search_text for w in words
            )
        )
        assert sorted(_found(query)) == wanted, query
        assert wanted, query  # each query finds someone


def test_quotes_and_wildcards_are_taken_literally(three: list[Dossier]) -> None:
    for query in ('"nguyen"', "nguy%n", "ngu_en", "*", "nguyen*", "nguyen OR lo", "(lo)"):
        assert _found(query) == [], query


def _index_rows(text: str) -> list[int]:
    """Rows the SQLite search table gives for a text (the raw index, not the search)."""
    phrase = '"' + text.replace('"', '""') + '"'
    rows = db.session.execute(
        sa.text(
            f"SELECT rowid FROM {search_index.FTS_TABLE} WHERE {search_index.FTS_TABLE} MATCH :m"
        ),
        {"m": phrase},
    )
    return [r[0] for r in rows]


def test_the_search_follows_a_changed_or_deleted_dossier(three: list[Dossier]) -> None:
    changed = db.session.get(Dossier, three[0].id)
    assert changed is not None
    changed.applicant_name = "Điêu Chính Khiêm"
    changed.search_text = search_key(changed.code, changed.applicant_name, changed.phone)
    db.session.commit()
    assert _found("dieu chinh khiem") == [changed.code]
    assert _found("nguyen van anh") == []
    db.session.delete(db.session.get(Dossier, three[1].id))
    db.session.commit()
    assert _found("lo thi xuan") == []
    if db.engine.dialect.name == "sqlite":  # the index itself holds no stale row either
        assert _index_rows("nguyen van anh") == []
        assert _index_rows("lo thi xuan") == []
        assert _index_rows("dieu chinh khiem") == [changed.id]


def test_a_search_counts_its_results_once(three: list[Dossier]) -> None:
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        page = svc.search(actor_for("reception"), "van")
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert page.total == 2 and len(page.rows) == 2
    assert len([s for s in statements if "count(" in s.lower()]) <= 1
    # The words are looked up in the index once: the matches, counted as they are read.
    assert len([s for s in statements if " MATCH " in s or " LIKE " in s]) == 1


def test_a_page_past_the_last_shows_the_last(three: list[Dossier]) -> None:
    page = svc.search(actor_for("reception"), "van", page=9, per_page=1)
    assert (page.page, page.pages, page.total, len(page.rows)) == (2, 2, 2, 1)
    none = svc.search(actor_for("reception"), "khong co ai", page=3)
    assert (none.page, none.pages, none.total, none.rows) == (1, 1, 0, [])


def test_a_long_word_must_match_whole_not_only_its_end(three: list[Dossier]) -> None:
    assert _found("11190005555") == [three[1].code]  # inside the ID number 011190005555
    assert _found("22290005555") == []  # the same last eight digits, another start
    assert _found("99990912345678") == []  # a phone 0912345678 with more in front


def _office(lan_due: list[int], others: int) -> list[Dossier]:
    """``others`` dossiers of other people due day after day from 1 December 2026, then one
    "Nguyễn Thị Lan" due on each day of ``lan_due`` (days after 1 December); two of them
    due the same day, to show the id breaks the tie."""
    db.session.execute(delete(CounterNotice))
    db.session.execute(delete(Dossier))
    db.session.commit()
    start = RECEIVED + timedelta(days=15)
    for n in range(others):
        make_dossier(name=f"Lò Văn {chr(ord('A') + n % 26)}", due_at=start + timedelta(days=n))
    return [make_dossier(name="Nguyễn Thị Lan", due_at=start + timedelta(days=d)) for d in lan_due]


def _walked(query: str, page: int, per_page: int) -> tuple[svc.WorklistPage, bool]:
    """A page of the search, and whether the due-date index was walked for it."""
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        found = svc.search(actor_for("reception"), query, page=page, per_page=per_page)
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    return found, any(search_index.DUE_DATE_INDEX in s for s in statements)


def _by_due_date(made: list[Dossier]) -> list[str]:
    return [d.code for d in sorted(made, key=lambda d: (d.due_at, d.id))]


@pytest.mark.parametrize(("slack", "listed"), [(2_000, 10_000), (0, 10_000), (2_000, 3), (0, 3)])
def test_many_matches_come_page_by_page_in_due_date_order(
    app: Flask, monkeypatch: pytest.MonkeyPatch, slack: int, listed: int
) -> None:
    # Nguyễn Thị Lan spread over the year among others: her dossiers' due dates, then ids.
    # With the walk's slack, 11 matches of 61 dossiers are read by their ids; without, so
    # few dossiers make the due-date index the cheaper way (as thousands of a million do).
    # Listed up to 3: her 11 are counted and tested by the search table (as 500,000 "thi").
    monkeypatch.setattr(svc, "_WALK_SLACK", slack)
    monkeypatch.setattr(svc, "_LISTED_MAX", listed)
    lans = _office([30, 3, 47, 12, 12, 25, 8, 40, 19, 33, 51], others=50)
    wanted = _by_due_date(lans)
    for per_page in (1, 2, 3, 5, 25):
        shown: list[str] = []
        for page in range(1, -(-len(lans) // per_page) + 1):
            found, walked = _walked("nguyen thi lan", page, per_page)
            assert (found.total, found.page, found.pages) == (
                len(lans),
                page,
                -(-len(lans) // per_page),
            )
            shown += [row.dossier.code for row in found.rows]
            if db.engine.dialect.name == "sqlite":
                assert walked == (slack == 0), (per_page, page)
        assert shown == wanted, per_page


@pytest.mark.parametrize("listed", [10_000, 3])
def test_matches_gathered_late_are_found_when_the_walk_stops_short(
    app: Flask, monkeypatch: pytest.MonkeyPatch, listed: int
) -> None:
    # All of her dossiers due after everyone else's: a walk as far as their number says
    # finds none of them; the page is read by their ids instead, and is the same.
    monkeypatch.setattr(svc, "_WALK_SLACK", 0)
    monkeypatch.setattr(svc, "_LISTED_MAX", listed)
    lans = _office([70, 64, 61, 66, 61, 75, 68, 62], others=60)
    ordered = _by_due_date(lans)
    for page, codes in ((1, ordered[:2]), (2, ordered[2:4]), (4, ordered[6:])):
        found, walked = _walked("nguyen thi lan", page, 2)
        assert [row.dossier.code for row in found.rows] == codes
        assert (found.total, found.pages) == (8, 4)
        assert walked or db.engine.dialect.name != "sqlite"  # it was tried first


def test_a_page_past_the_last_of_many_matches_shows_the_last(app: Flask) -> None:
    lans = _office([5, 1, 9, 3, 7], others=20)
    found, _ = _walked("thi lan", 7, 2)
    assert (found.page, found.pages, found.total) == (3, 3, 5)
    assert [row.dossier.code for row in found.rows] == _by_due_date(lans)[4:]
