"""Dossier search (the service): partial codes, digits typed with spaces, names without marks."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy import delete, event

from counter.extensions import db
from counter.models import CounterNotice, Dossier
from counter.services import dossiers as svc
from counter.services import search_index
from counter.services.reception import search_key
from tests.services.test_lifecycle_service import actor_for, make_dossier


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
    assert [s for s in statements if "count(" in s.lower()] != []
    assert len([s for s in statements if "count(" in s.lower()]) == 1


def test_a_page_past_the_last_shows_the_last(three: list[Dossier]) -> None:
    page = svc.search(actor_for("reception"), "van", page=9, per_page=1)
    assert (page.page, page.pages, page.total, len(page.rows)) == (2, 2, 2, 1)
    none = svc.search(actor_for("reception"), "khong co ai", page=3)
    assert (none.page, none.pages, none.total, none.rows) == (1, 1, 0, [])


def test_a_long_word_must_match_whole_not_only_its_end(three: list[Dossier]) -> None:
    assert _found("11190005555") == [three[1].code]  # inside the ID number 011190005555
    assert _found("22290005555") == []  # the same last eight digits, another start
    assert _found("99990912345678") == []  # a phone 0912345678 with more in front
