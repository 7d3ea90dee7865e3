"""The worklist of a large office: «Tất cả» says "more than" past the cap, and pages that far."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import delete

from counter.domain.lifecycle import Status
from counter.extensions import db
from counter.models import CounterNotice, Dossier
from counter.services import dossiers as svc
from tests.services.test_lifecycle_service import make_dossier


@pytest.fixture
def seven(app: Flask) -> Flask:
    """Seven dossiers and nothing else."""
    db.session.execute(delete(CounterNotice))
    db.session.execute(delete(Dossier))
    db.session.commit()
    for n in range(7):
        make_dossier(Status.RETURNED, name=f"Người {n}", id_number=f"01109000{n:04d}")
    return app


def test_the_all_tab_says_more_than_the_cap(
    login_as: object, seven: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(svc, "ALL_COUNT_CAP", 4)
    browser = login_as("lanhdao")  # type: ignore[operator]
    html = browser.get("/ho-so/?tab=all").get_data(as_text=True)
    assert re.search(
        r'tab-all"[^>]*>Tất cả <span class="count" title="Hơn 4 hồ sơ">4\+</span>', html
    )
    monkeypatch.setattr(svc, "ALL_COUNT_CAP", 10_000)
    html = browser.get("/ho-so/?tab=all").get_data(as_text=True)
    assert re.search(r'tab-all"[^>]*>Tất cả <span class="count">7</span>', html)


def test_pages_of_a_capped_list_say_more_than(
    login_as: object, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    db.session.execute(delete(CounterNotice))
    db.session.execute(delete(Dossier))
    db.session.commit()
    for n in range(28):
        make_dossier(Status.RETURNED, name=f"Người {n}", id_number=f"01109001{n:04d}")
    monkeypatch.setattr(svc, "ALL_COUNT_CAP", 26)  # 25 a page: two pages of the cap's 26
    browser = login_as("lanhdao")  # type: ignore[operator]
    html = browser.get("/ho-so/?tab=all").get_data(as_text=True)
    assert "Trang 1/2 — hơn 26 hồ sơ: lọc hoặc tìm để xem những hồ sơ sau" in html
    html = browser.get("/ho-so/?tab=all&page=9").get_data(as_text=True)
    assert "Trang 2/2 — hơn 26 hồ sơ" in html and 'rel="next"' not in html
    assert html.count('href="/ho-so/') - html.count('href="/ho-so/?') >= 1  # the 26th row
