"""Forms 02 and 03: the supplement request and the refusal, of a dossier or at the counter."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import selectinload

from counter.domain.errors import NotFound, ValidationError
from counter.domain.events import IncompleteNotice, SupplementRequested
from counter.domain.i18n import N_
from counter.domain.lifecycle import Action
from counter.domain.printed.form02_03 import RefusalData, SupplementData
from counter.domain.printed.parts import Letterhead, Party
from counter.extensions import db
from counter.models import CounterNotice, Dossier
from counter.services.events import notice_payload
from counter.services.printforms.common import (
    applicant_of,
    event_officer,
    last_event,
    letterhead,
    load_dossier,
    officer_name,
    reason_of,
    sheet_of,
)


def _contact(head: Letterhead, officer: str) -> str:
    """Whom the citizen asks: the officer, the centre, its phone."""
    parts = [officer, head.centre_name]
    if head.phone:
        parts.append(f"điện thoại {head.phone}")
    return ", ".join(p for p in parts if p)


def _supplement(
    head: Letterhead,
    *,
    number: str,
    code: str | None,
    applicant: Party,
    procedure_name: str,
    items: list[str],
    reason: str,
    officer: str,
    issued_at: datetime,
) -> SupplementData:
    return SupplementData(
        centre_name=head.centre_name,
        governing_body=head.governing_body,
        place_name=head.place_name,
        number=number,
        dossier_code=code,
        applicant_name=applicant.name,
        address=applicant.address,
        phone=applicant.phone,
        email=applicant.email,
        procedure_name=procedure_name,
        items=items,
        reason=reason,
        officer_name=officer,
        contact=_contact(head, officer),
        issued_at=issued_at,
    )


def supplement(dossier_id: int, event_id: int | None = None) -> SupplementData:
    """A supplement request made during processing: the given event, or the latest one."""
    dossier = load_dossier(dossier_id)
    wanted = (Action.REQUEST_SUPPLEMENT.value,)
    if event_id is not None:
        event = next((e for e in dossier.events if e.id == event_id), None)
        if event is None or event.action not in wanted:
            raise NotFound(N_("Không tìm thấy yêu cầu bổ sung này của hồ sơ."))
    else:
        event = last_event(dossier, wanted)
        if event is None:
            raise ValidationError(
                N_(
                    "Hồ sơ này chưa có yêu cầu bổ sung nên chưa có Phiếu yêu cầu bổ sung, "
                    "hoàn thiện hồ sơ (mẫu 02)."
                )
            )
    payload = event.payload
    assert isinstance(payload, SupplementRequested)
    return _supplement(
        letterhead(),
        number="",
        code=dossier.code,
        applicant=applicant_of(dossier),
        procedure_name=dossier.procedure.name,
        items=list(payload.items),
        reason=reason_of(event),
        officer=event_officer(event),
        issued_at=event.at,
    )


def refusal(dossier_id: int) -> RefusalData:
    """The refusal of a dossier (its refuse event)."""
    dossier = load_dossier(dossier_id)
    event = last_event(dossier, (Action.REFUSE.value,))
    if event is None:
        raise ValidationError(
            N_("Hồ sơ này không bị từ chối tiếp nhận nên không có Phiếu từ chối (mẫu 03).")
        )
    return RefusalData(
        **sheet_of(dossier, letterhead(), event.at),
        reason=reason_of(event),
        officer_name=event_officer(event),
    )


def counter_notice(notice_id: int) -> SupplementData | RefusalData:
    """A form given at the counter without receiving: 02 (incomplete) or 03 (refused)."""
    notice = db.session.get(
        CounterNotice,
        notice_id,
        options=[
            selectinload(CounterNotice.procedure),
            selectinload(CounterNotice.user),
            selectinload(CounterNotice.events),
        ],
    )
    if notice is None:
        raise NotFound(N_("Không tìm thấy phiếu này."))
    payload = notice_payload(notice)
    if payload is None:
        raise ValidationError(N_("Loại phiếu này không có mẫu in."))
    event = notice.event
    officer = event_officer(event) if event is not None else officer_name(notice.user)
    head = letterhead()
    applicant = Party(
        name=notice.applicant_name,
        id_number=notice.id_number,
        address=notice.address,
        phone=notice.phone,
        email=notice.email,
    )
    procedure_name = notice.procedure.name if notice.procedure else ""
    code = ""
    if notice.dossier_id is not None:
        dossier = db.session.get(Dossier, notice.dossier_id)
        code = dossier.code if dossier else ""
    if isinstance(payload, IncompleteNotice):
        return _supplement(
            head,
            number=payload.number,
            code=code,
            applicant=applicant,
            procedure_name=procedure_name,
            items=list(payload.items),
            reason=payload.reason,
            officer=officer,
            issued_at=notice.at,
        )
    return RefusalData(
        head=head,
        number=payload.number,
        dated=head.dated(notice.at),
        dossier_code=code,
        applicant=applicant,
        procedure_name=procedure_name,
        reason=payload.reason or "; ".join(payload.items),
        officer_name=officer,
    )
