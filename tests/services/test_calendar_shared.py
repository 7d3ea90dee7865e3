"""The working calendar is built once per process while its entries stay the same."""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from sqlalchemy import text

from counter.extensions import db
from counter.services import calendar as cal


def test_the_next_context_reuses_the_calendar_until_an_entry_changes(app: Flask) -> None:
    first = cal.working_calendar()
    db.session.remove()
    with app.app_context():
        assert cal.working_calendar() is first  # nothing changed: not read and built again
        db.session.remove()
    # Another PC changes a label (no event of this process sees it).
    db.session.execute(
        text(
            "UPDATE calendar_entry SET label = 'Tết', updated_at = :at WHERE id = (SELECT min(id) FROM calendar_entry)"
        ),
        {"at": datetime(2099, 1, 1)},
    )
    db.session.commit()
    with app.app_context():
        again = cal.working_calendar()
        assert again is not first
        db.session.remove()
    db.session.execute(
        text("DELETE FROM calendar_entry WHERE id = (SELECT max(id) FROM calendar_entry)")
    )
    db.session.commit()
    with app.app_context():
        assert cal.working_calendar() is not again  # a row fewer: read again
