"""What every printed form reads from the database: the office, the dossier, its events."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import selectinload

from counter.domain.errors import NotFound
from counter.domain.events import Reasoned
from counter.domain.i18n import N_
from counter.domain.lifecycle import Status
from counter.domain.printed.parts import Letterhead, Party
from counter.domain.text import fold
from counter.extensions import db
from counter.models import Dossier, DossierEvent, Office, User
from counter.services.office import get_office

#: Dossiers that were never received have no slip and stay out of the ledger (form 07).
NOT_IN_LEDGER = (Status.SUBMITTED.value, Status.REFUSED.value)

#: How a catalog names a body by its level alone; on a form the commune itself is named.
_GENERIC_BODIES = frozenset(
    fold(name)
    for name in (
        "UBND xã",
        "UBND phường",
        "UBND đặc khu",
        "UBND cấp xã",
        "Ủy ban nhân dân xã",
        "Ủy ban nhân dân phường",
        "Ủy ban nhân dân cấp xã",
    )
)


def letterhead(office: Office | None = None) -> Letterhead:
    """The office profile as printed on the forms."""
    office = office or get_office()
    return Letterhead(
        governing_body=office.governing_body,
        centre_name=office.name,
        place_name=office.place_name or "",
        address=office.address or "",
        phone=office.phone or "",
    )


def load_dossier(dossier_id: int) -> Dossier:
    """A dossier with all a form prints of it, or NotFound."""
    dossier = db.session.get(
        Dossier,
        dossier_id,
        options=[
            selectinload(Dossier.procedure),
            selectinload(Dossier.documents),
            selectinload(Dossier.events).selectinload(DossierEvent.user),
            selectinload(Dossier.received_by),
        ],
    )
    if dossier is None:
        raise NotFound(N_("Không tìm thấy hồ sơ này."))
    return dossier


def sheet_of(dossier: Dossier, head: Letterhead, dated: datetime | None) -> dict[str, Any]:
    """How a form about ``dossier`` opens (:class:`DossierSheet`'s fields), dated ``dated``."""
    return {
        "head": head,
        "number": "",
        "dated": head.dated(dated),
        "dossier_code": dossier.code,
        "applicant": applicant_of(dossier),
        "procedure_name": dossier.procedure.name,
    }


def applicant_of(dossier: Dossier) -> Party:
    """The dossier's applicant (chủ hồ sơ) with their particulars."""
    return Party(
        name=dossier.applicant_name,
        id_number=dossier.id_number,
        address=dossier.address,
        phone=dossier.phone,
        email=dossier.email,
    )


def filer_of(dossier: Dossier) -> Party | None:
    """Who filed on the applicant's behalf, if anyone did."""
    if not dossier.filer_name.strip():
        return None
    return Party(
        name=dossier.filer_name,
        id_number=dossier.filer_id_number,
        address=dossier.filer_address,
        phone=dossier.filer_phone,
    )


def officer_name(user: User | None, fallback: str = "") -> str:
    """The name an officer signs with: full name, else the login."""
    if user is None:
        return fallback
    return user.full_name or user.username


def event_officer(event: DossierEvent) -> str:
    """Who did an action, by name (the login kept on the event if the account is gone)."""
    return officer_name(event.user, event.username)


def last_event(dossier: Dossier, actions: Sequence[str]) -> DossierEvent | None:
    """The dossier's latest event of one of ``actions``."""
    found = [e for e in dossier.events if e.action in actions]
    return found[-1] if found else None


def reason_of(event: DossierEvent) -> str:
    """The reason an event gives: its payload's, else its note."""
    payload = event.payload
    if isinstance(payload, Reasoned) and payload.reason:
        return payload.reason
    return event.note or ""


def agency_of(dossier: Dossier, head: Letterhead) -> str:
    """The body resolving the dossier, by name: "UBND xã" becomes "UBND xã Mường Phăng"."""
    return agency_name(dossier.processing_unit, dossier.procedure.implementing_body, head)


def agency_name(
    processing_unit: str | None, implementing_body: str | None, head: Letterhead
) -> str:
    """:func:`agency_of` from the two columns, for the ledger's rows read without objects."""
    body = (processing_unit or implementing_body or "").strip()
    if not body:
        return ""
    governing = head.governing_body.strip()
    if fold(body) in _GENERIC_BODIES or (
        len(governing) > len(body) and fold(governing).startswith(fold(body) + " ")
    ):
        return governing
    return body
