"""Lifecycle actions refuse a text longer than its column with a Vietnamese message: never cut."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask

from counter.domain.clock import now as utcnow
from counter.domain.errors import ValidationError
from counter.domain.lifecycle import Status
from counter.extensions import db
from counter.models import Dossier, DossierEvent
from counter.models.types import column_length
from counter.services import dossiers as svc
from tests.services.test_lifecycle_service import actor_for, make_dossier


def _received() -> Dossier:
    return make_dossier(Status.RECEIVED, received_at=utcnow() - timedelta(hours=2))


def _events(dossier: Dossier) -> int:
    return len(
        db.session.scalars(
            db.select(DossierEvent).where(DossierEvent.dossier_id == dossier.id)
        ).all()
    )


@pytest.mark.parametrize(
    ("field", "column"),
    [("to_unit", Dossier.processing_unit), ("note", DossierEvent.note)],
)
def test_a_handover_text_too_long_is_refused(app: Flask, field: str, column: object) -> None:
    dossier = _received()
    before = _events(dossier)
    limit = column_length(column)
    values = {"to_unit": "Công chức Tư pháp - Hộ tịch", "note": ""}
    values[field] = "a" * (limit + 1)
    with pytest.raises(ValidationError) as caught:
        svc.hand_over(actor_for("reception"), dossier.id, version=dossier.version, **values)
    assert caught.value.field == field
    assert f"Tối đa {limit} ký tự (đang có {limit + 1} ký tự)" in caught.value.message
    db.session.rollback()
    assert _events(dossier) == before


def test_a_text_at_its_limit_is_kept_whole(app: Flask) -> None:
    dossier = make_dossier(Status.RESOLVED, received_at=utcnow() - timedelta(hours=3))
    who = "Lò Văn " + "A" * (column_length(Dossier.collected_by) - 7)
    svc.return_result(actor_for("reception"), dossier.id, version=dossier.version, collected_by=who)
    assert db.session.get(Dossier, dossier.id).collected_by == who


def test_a_supplement_item_too_long_is_refused(app: Flask) -> None:
    dossier = make_dossier(Status.IN_PROGRESS, received_at=utcnow() - timedelta(hours=3))
    long_item = "b" * (svc.SUPPLEMENT_ITEM_MAX + 1)
    with pytest.raises(ValidationError) as caught:
        svc.request_supplement(
            actor_for("specialist"),
            dossier.id,
            version=dossier.version,
            items=["Tờ khai", long_item],
        )
    assert caught.value.field == "items"
    assert f"Tối đa {svc.SUPPLEMENT_ITEM_MAX} ký tự" in caught.value.message
