"""Satisfaction: one tap on the tablet beside the counter binds to the result just handed back
there; an officer may enter it instead; the report counts it; the portal receives it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from counter.domain import reports as rd
from counter.domain.errors import NotFound, ValidationError
from counter.extensions import db
from counter.models import OutboxItem, QueueCounter
from counter.portal import mapping
from counter.services import dossiers as svc
from counter.services import satisfaction
from tests.services.test_lifecycle_service import actor_for, vn
from tests.services.test_reports import Story, received

RETURNED = vn(2026, 11, 18, 10, 0)
COUNTER = 7


def returned(name: str, at: datetime = RETURNED) -> Story:
    """A dossier received, resolved and handed back by the counter officer at ``at``."""
    story = received(name, at - timedelta(days=2)).handed_over(at - timedelta(days=2, hours=-1))
    story.then(svc.resolve, "specialist", at - timedelta(hours=2))
    return story.then(svc.return_result, "reception", at, collected_by=name)


@pytest.fixture
def counter(app: Flask) -> QueueCounter:
    """Counter 7, where the reception officer sits."""
    seat = QueueCounter(number=COUNTER, name="Quầy 7", officer_id=actor_for("reception").user_id)
    db.session.add(seat)
    db.session.commit()
    return seat


def test_one_tap_rates_the_result_just_returned_at_that_counter(counter: QueueCounter) -> None:
    returned("Lò Thị Mai", RETURNED - timedelta(minutes=5))
    latest = returned("Quàng Văn Ơn")
    soon = RETURNED + timedelta(minutes=1)
    event = satisfaction.awaiting_at_counter(COUNTER, now=soon)
    assert event is not None and event.dossier.applicant_name == "Quàng Văn Ơn"
    with pytest.raises(NotFound):
        satisfaction.rate_at_counter(COUNTER, "not-the-one", "satisfied", now=soon)
    rating = satisfaction.rate_at_counter(
        COUNTER, event.uid, "dissatisfied", "  Chờ lâu  ", now=soon
    )
    assert (rating.dossier_id, rating.level, rating.reason) == (
        latest.id,
        "dissatisfied",
        "Chờ lâu",
    )
    assert (rating.source, rating.officer_id, rating.entered_by_id) == (
        "tablet",
        actor_for("reception").user_id,
        None,
    )
    # The same page tapped again rates nothing more; the tablet then asks about the earlier one.
    with pytest.raises(NotFound):
        satisfaction.rate_at_counter(COUNTER, event.uid, "satisfied", now=soon)
    earlier = satisfaction.awaiting_at_counter(COUNTER, now=soon)
    assert earlier is not None and earlier.dossier.applicant_name == "Lò Thị Mai"
    # A quarter of an hour later nothing is asked; another counter asks nothing.
    assert satisfaction.awaiting_at_counter(COUNTER, now=RETURNED + timedelta(minutes=16)) is None
    assert satisfaction.awaiting_at_counter(COUNTER + 1, now=soon) is None


def test_a_bad_level_or_a_long_reason_is_refused(counter: QueueCounter) -> None:
    returned("Lò Thị Mai")
    event = satisfaction.awaiting_at_counter(COUNTER, now=RETURNED)
    with pytest.raises(ValidationError) as err:
        satisfaction.rate_at_counter(COUNTER, event.uid, "great", now=RETURNED)
    assert "Rất hài lòng" in str(err.value)
    with pytest.raises(ValidationError):
        satisfaction.rate_at_counter(COUNTER, event.uid, "satisfied", "x" * 501, now=RETURNED)
    assert satisfaction.rating_of(event.dossier_id) is None


def test_the_officer_enters_it_once_and_only_after_the_return(app: Flask) -> None:
    open_one = received("Chưa trả", vn(2026, 11, 16, 9, 0))
    with pytest.raises(ValidationError):
        satisfaction.rate_by_officer(actor_for("reception"), open_one.id, "satisfied")
    done = returned("Đã trả")
    rating = satisfaction.rate_by_officer(
        actor_for("leader"), done.id, "very_satisfied", now=RETURNED + timedelta(days=1)
    )
    assert (rating.source, rating.entered_by_id) == ("officer", actor_for("leader").user_id)
    assert rating.officer_id == actor_for("reception").user_id  # who handed it back is rated
    with pytest.raises(ValidationError) as err:
        satisfaction.rate_by_officer(actor_for("leader"), done.id, "satisfied")
    assert "đã được đánh giá" in str(err.value)


def test_the_portal_receives_the_rating_with_the_dossier(counter: QueueCounter) -> None:
    story = returned("Quàng Văn Ơn")
    dossier = story.dossier
    assert mapping.dossier_object(dossier)["ThongTinKhac"] == ""
    before = db.session.scalar(
        select(db.func.count()).select_from(OutboxItem).where(OutboxItem.dossier_id == story.id)
    )
    event = satisfaction.awaiting_at_counter(COUNTER, now=RETURNED)
    satisfaction.rate_at_counter(COUNTER, event.uid, "dissatisfied", "Chờ lâu", now=RETURNED)
    db.session.expire_all()
    assert mapping.dossier_object(story.dossier)["ThongTinKhac"] == (
        "Đánh giá hài lòng: 3 - Không hài lòng; Lý do: Chờ lâu"
    )
    items = db.session.scalars(
        select(OutboxItem).where(OutboxItem.dossier_id == story.id).order_by(OutboxItem.id)
    ).all()
    assert len(items) == before + 1 and items[-1].kind == "state"


def test_the_report_counts_ratings_by_procedure_and_officer(counter: QueueCounter) -> None:
    a, b = returned("Một"), returned("Hai", RETURNED + timedelta(hours=1))
    satisfaction.rate_by_officer(actor_for("leader"), a.id, "very_satisfied", now=RETURNED)
    satisfaction.rate_by_officer(
        actor_for("leader"), b.id, "dissatisfied", now=RETURNED + timedelta(hours=2)
    )
    summary = satisfaction.summary(rd.month(2026, 11))
    [line] = summary.by_officer
    assert line.counts == {"very_satisfied": 1, "satisfied": 0, "dissatisfied": 1}
    assert line.satisfied_rate == 50.0
    assert summary.total.total == 2
    assert sum(p.total for p in summary.by_procedure) == 2
    assert satisfaction.summary(rd.month(2026, 12)).total.total == 0
