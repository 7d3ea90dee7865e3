"""Dossier search (the service): partial codes, digits typed with spaces, names without marks."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import delete

from counter.extensions import db
from counter.models import CounterNotice, Dossier
from counter.services import dossiers as svc
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
