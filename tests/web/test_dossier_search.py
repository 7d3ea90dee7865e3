"""Searching dossiers as an officer does: partial codes, names, ID numbers, and Back."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import unquote

import pytest
from flask import Flask
from sqlalchemy import delete

from counter.domain.clock import now as utcnow
from counter.extensions import db
from counter.models import CounterNotice, Dossier
from tests.conftest import Browser
from tests.services.test_lifecycle_service import make_dossier

ID_NUMBER = "011090001234"


@pytest.fixture
def empty(app: Flask) -> Flask:
    db.session.execute(delete(CounterNotice))
    db.session.execute(delete(Dossier))
    db.session.commit()
    return app


def _dossier(**kw: object) -> Dossier:
    return make_dossier(received_at=utcnow() - timedelta(hours=1), **kw)  # type: ignore[arg-type]


def _search(browser: Browser, query: str) -> tuple[str, str]:
    """Post the search box as a browser does; return (the GET address, the page)."""
    resp = browser.submit("/ho-so/tim", {"q": query}, page="/ho-so/")
    assert resp.status_code == 303, resp.get_data(as_text=True)[:300]
    location = resp.headers["Location"]
    page = browser.get(location)
    assert page.status_code == 200
    return location, page.get_data(as_text=True)


def test_a_search_answers_with_a_redirect_to_a_get_page(login_as: object, empty: Flask) -> None:
    dossier = _dossier(name="Nguyễn Văn Ánh")
    browser = login_as("tiepnhan")  # type: ignore[operator]
    location, html = _search(browser, "nguyen van anh")
    assert location.startswith("/ho-so/tim?")
    assert "nguyen" in unquote(location)  # a name may be in the address: Back works
    assert "Tìm thấy 1 hồ sơ" in html and f"/ho-so/{dossier.id}" in html
    # Reloading the results (or coming Back to them) is a plain GET giving the same page
    # (but for the forms' CSRF tokens, which carry the second they were signed in).
    again = browser.get(location).get_data(as_text=True)
    assert _without_tokens(again) == _without_tokens(html)


def _without_tokens(html: str) -> str:
    return re.sub(r'name="csrf_token"[^>]*value="[^"]*"', 'name="csrf_token"', html)


def test_an_id_number_or_phone_never_appears_in_an_address(login_as: object, empty: Flask) -> None:
    dossier = _dossier(name="Nguyễn Văn Ánh", id_number=ID_NUMBER, phone="0912345678")
    browser = login_as("tiepnhan")  # type: ignore[operator]
    for query, digits in ((ID_NUMBER, ID_NUMBER), ("0912 345 678", "0912345678")):
        location, html = _search(browser, query)
        assert digits not in unquote(location).replace(" ", "")
        assert f"/ho-so/{dossier.id}" in html and "Tìm thấy 1 hồ sơ" in html
        for link in html.split('href="')[1:]:
            assert digits not in unquote(link.split('"', 1)[0])


def test_the_token_of_a_search_belongs_to_the_officer_who_searched(
    login_as: object, empty: Flask
) -> None:
    _dossier(id_number=ID_NUMBER)
    location, _html = _search(login_as("tiepnhan"), ID_NUMBER)  # type: ignore[operator]
    other = login_as("chuyenvien")  # type: ignore[operator]
    html = other.get(location).get_data(as_text=True)
    assert ID_NUMBER not in html
    assert "hết hạn" in html  # a clear word, and the box to search again


@pytest.mark.parametrize("part", ["full", "day-seq", "seq", "seq-short"])
def test_a_partial_code_finds_the_dossier(login_as: object, empty: Flask, part: str) -> None:
    for _i in range(2):
        _dossier(name="Người Khác")
    wanted = _dossier(name="Lò Thị Xuân")
    _agency, day, seq = wanted.code.rsplit("-", 2)
    query = {
        "full": wanted.code.lower(),
        "day-seq": f"{day}-{seq}",
        "seq": seq,
        "seq-short": str(int(seq)),
    }[part]
    browser = login_as("tiepnhan")  # type: ignore[operator]
    _location, html = _search(browser, query)
    assert f"/ho-so/{wanted.id}" in html
    assert "Tìm thấy 1 hồ sơ" in html, query


def test_results_pages_are_links_that_keep_the_id_number_out(
    login_as: object, empty: Flask
) -> None:
    for _i in range(27):
        _dossier(name="Nguyễn Văn Ánh", id_number=ID_NUMBER)
    browser = login_as("tiepnhan")  # type: ignore[operator]
    _location, html = _search(browser, ID_NUMBER)
    assert "Tìm thấy 27 hồ sơ" in html
    next_links = [
        unquote(part.split('"', 1)[0]).replace("&amp;", "&")
        for part in html.split('href="')[1:]
        if "page=2" in part.split('"', 1)[0]
    ]
    assert next_links, "no link to the next page"
    assert ID_NUMBER not in next_links[0]
    page2 = browser.get(next_links[0]).get_data(as_text=True)
    assert "Trang 2/2" in page2 and page2.count("/ho-so/") >= 2
