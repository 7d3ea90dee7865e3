"""The board's fingerprint is kept in memory between changes, and never hides one."""

from __future__ import annotations

import sqlite3

import pytest
from flask import Flask

from counter.extensions import db
from counter.services import queue as q
from tests.services.test_queue import at, issue


def test_a_change_committed_here_shows_at_once(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(q, "BOARD_TAG_SECONDS", 3600.0)  # trusted for an hour…
    before = q.board_tag()
    assert q.board_tag() == before
    issue("A", at(8, 0))  # …but this process committed a ticket
    assert q.board_tag() != before


def test_a_change_made_by_another_process_shows_once_the_tag_is_old(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("writes through a second SQLite connection")
    monkeypatch.setattr(q, "BOARD_TAG_SECONDS", 3600.0)
    before = q.board_tag()
    db.session.commit()
    other = sqlite3.connect(db.engine.url.database)  # as the command line would
    other.execute(
        "INSERT INTO queue_event (at, action, code) VALUES ('2026-12-01 01:00:00', 'open', '')"
    )
    other.commit()
    other.close()
    assert q.board_tag() == before  # not seen yet: trusted for BOARD_TAG_SECONDS
    monkeypatch.setattr(q, "BOARD_TAG_SECONDS", 0.0)
    assert q.board_tag() != before


def test_the_board_says_when_the_office_is_closed_and_changes_when_it_opens(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    from counter.domain import clock

    monkeypatch.setattr(q, "BOARD_TAG_SECONDS", 0.0)
    with clock.frozen(at(11, 0)):
        assert q.board()["closed"] is None
        open_tag = q.board_tag()
    with clock.frozen(at(12, 0)):  # the lunch break, with no change to any ticket
        assert str(q.board()["closed"]) == (
            "Hiện ngoài giờ làm việc. Bộ phận Một cửa mở cửa lúc 13:30 hôm nay."
        )
        assert q.board_tag() != open_tag  # the boards fetch the notice
