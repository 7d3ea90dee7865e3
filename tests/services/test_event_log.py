"""The event log: each step and each counter notice is one event with what the portal needs."""

from __future__ import annotations

import re

from flask import Flask

from counter.domain import events as ev
from counter.domain.due import Timeliness
from counter.domain.lifecycle import Status
from counter.extensions import db
from counter.models import DossierEvent, User
from counter.services import dossiers as svc
from counter.services import notices
from tests.services.test_lifecycle_service import actor_for, make_dossier, vn
from tests.services.test_reception import form, procedure_by_code

UNIT = "Công chức Tư pháp - Hộ tịch"


def _officer(role: str) -> User:
    user = db.session.get(User, actor_for(role).user_id)
    assert user is not None
    return user


def test_each_step_is_one_event_with_its_payload_officer_unit_and_identity(app: Flask) -> None:
    dossier = make_dossier()
    rec, spec = actor_for("reception"), actor_for("specialist")
    steps = [
        (svc.hand_over, rec, {"to_unit": UNIT, "assign_to_id": spec.user_id}),
        (svc.request_supplement, spec, {"items": "Bản sao CCCD\nXác nhận cư trú"}),
        (svc.supplement_received, rec, {}),
        (svc.resolve, spec, {}),
        (svc.return_result, rec, {"collected_by": "Nguyễn Văn Ánh"}),
    ]
    for hour, (step, who, args) in enumerate(steps, start=10):
        current = svc.get_dossier(dossier.id)
        step(who, dossier.id, version=current.version, now=vn(2026, 11, 16, hour, 0), **args)

    events = svc.get_dossier(dossier.id).events
    assert [type(e.payload) for e in events] == [
        ev.Received,
        ev.HandedOver,
        ev.SupplementRequested,
        ev.SupplementReceived,
        ev.Resolved,
        ev.ResultReturned,
    ]
    received, handed, asked, back, resolved, returned = (e.payload for e in events)
    assert received == ev.Received(documents=1, attachments=0)
    assert handed == ev.HandedOver(
        from_unit="Bộ phận Một cửa",
        to_unit=UNIT,
        result=Timeliness.EARLY,
        assigned_to=_officer("specialist").full_name,
        assigned_to_id=spec.user_id,
    )
    assert asked.items == ("Bản sao CCCD", "Xác nhận cư trú")
    assert asked.pause == ev.Pause(started=vn(2026, 11, 16, 11, 0))
    assert back.pause == ev.Pause(
        started=vn(2026, 11, 16, 11, 0), ended=vn(2026, 11, 16, 12, 0), working_minutes=30
    )
    assert resolved == ev.Resolved(timeliness=Timeliness.EARLY)
    assert returned == ev.ResultReturned(collected_by="Nguyễn Văn Ánh")

    # What the portal's progress entry needs: a unique identity, who (named), which unit.
    assert len({e.uid for e in events}) == 6
    assert all(re.fullmatch(r"[0-9a-f]{32}", e.uid) for e in events)
    clerk, specialist = _officer("reception"), _officer("specialist")
    assert [(e.officer_name, e.officer_title) for e in events] == [
        (clerk.full_name, clerk.title),
        (clerk.full_name, clerk.title),
        (specialist.full_name, specialist.title),
        (clerk.full_name, clerk.title),
        (specialist.full_name, specialist.title),
        (clerk.full_name, clerk.title),
    ]
    # The unit acting: the counter until it hands the dossier over, then the unit.
    assert [e.unit for e in events] == ["Bộ phận Một cửa", "Bộ phận Một cửa"] + [UNIT] * 4


def test_a_counter_notice_is_an_event_without_a_dossier(app: Flask) -> None:
    certify = procedure_by_code("2.000815")
    data = form(certify)
    data.documents[1].received = False
    items = notices.notice_items(data, "Bản sao phải rõ nét")
    incomplete = notices.record_notice(actor_for("reception"), "incomplete", data, items=items)
    refused = notices.record_notice(
        actor_for("reception"), "refused", form(certify), reason="Không thuộc thẩm quyền"
    )
    found = db.session.scalars(
        db.select(DossierEvent)
        .where(DossierEvent.notice_id.in_((incomplete.id, refused.id)))
        .order_by(DossierEvent.id)
    ).all()
    assert [(e.notice_id, e.dossier_id, e.action, e.form_no, e.to_status) for e in found] == [
        (incomplete.id, None, "notice_incomplete", "02", Status.SUBMITTED.value),
        (refused.id, None, "notice_refused", "03", Status.REFUSED.value),
    ]
    assert found[0].payload == ev.IncompleteNotice(
        number=incomplete.number, items=(certify.documents[1].name, "Bản sao phải rõ nét")
    )
    assert found[1].payload == ev.RefusalNotice(
        number=refused.number, reason="Không thuộc thẩm quyền"
    )
    assert found[1].note == "Không thuộc thẩm quyền"
    assert all(e.at == n.at for e, n in zip(found, (incomplete, refused), strict=True))
    assert {e.unit for e in found} == {"Bộ phận Một cửa"}
    assert found[0].officer_name == _officer("reception").full_name
    assert found[0].uid != found[1].uid
