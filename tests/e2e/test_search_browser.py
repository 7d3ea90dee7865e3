"""Searching dossiers in Chromium: a name typed without marks, a two-letter word, a phone.

What the page finds is checked against every dossier's folded text read in Python (each
word inside it), so the search index (migration 0018) must give exactly what reading every
row gives. A screenshot of the results goes to ``COUNTER_E2E_SHOTS`` (a folder), or to the
test's temporary folder.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from counter.domain.text import fold
from counter.extensions import db
from counter.models import Dossier
from tests.e2e.conftest import LiveServer, log_in

pytestmark = pytest.mark.e2e


def _expected(server: LiveServer, words: list[str]) -> int:
    with server.app.app_context():
        texts = list(db.session.scalars(db.select(Dossier.search_text)))
        db.session.remove()
    return sum(all(_in(w, t) for w in words) for t in texts)


def _in(word: str, text: str) -> bool:
    """A word of one or two letters starts a word of the text; others are anywhere in it."""
    if len(word) < 3 and any(c.isalpha() for c in word):
        return f" {word}" in text
    return word in text


def _search(page: Any, server: LiveServer, query: str) -> str:
    page.goto(server("/ho-so/tim"))
    page.fill("input[name=q]", query)
    page.click("form.searchbox button[type=submit]")
    page.wait_for_load_state()
    return page.inner_text("main")


def test_a_name_without_marks_a_short_word_and_a_phone(
    page: Any, live_server: LiveServer, tmp_path: Path
) -> None:
    with live_server.app.app_context():
        dossier = db.session.scalars(db.select(Dossier).order_by(Dossier.id)).first()
        assert dossier is not None
        name, phone, dossier_id = dossier.applicant_name, dossier.phone, dossier.id
        db.session.remove()
    log_in(page, live_server, "tiepnhan", "tiepnhan123")

    typed = fold(name)  # "Lò Văn Panh" is typed "lo van panh"
    text = _search(page, live_server, typed)
    assert f"Tìm thấy {_expected(live_server, typed.split())} hồ sơ" in text
    assert page.locator(f"a[href='/ho-so/{dossier_id}']").count() == 1
    shots = Path(os.environ.get("COUNTER_E2E_SHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "search-name.png"), full_page=True)

    short = [w for w in typed.split() if len(w) <= 2] or [typed.split()[0][:2]]
    text = _search(page, live_server, short[0])  # one or two letters: read row by row
    assert f"Tìm thấy {_expected(live_server, short[:1])} hồ sơ" in text

    if phone:
        text = _search(page, live_server, f"{phone[:4]} {phone[4:7]} {phone[7:]}")
        assert f"Tìm thấy {_expected(live_server, [phone])} hồ sơ" in text
        assert page.locator(f"a[href='/ho-so/{dossier_id}']").count() == 1
