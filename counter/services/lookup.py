"""The public look-up (tra cứu hồ sơ): a dossier as a citizen may see it from the slip.

Only what the holder of a code needs (status, dates, what to bring, whom to call),
and more with the slip's look-up key: codes are sequential and can be guessed.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from datetime import datetime

from counter.domain import applicant as applicant_rules
from counter.domain import clock
from counter.domain.codes import normalize_lookup_key
from counter.domain.errors import NotFound
from counter.domain.events import SupplementRequested
from counter.domain.i18n import N_
from counter.domain.lifecycle import Action, Status
from counter.extensions import db
from counter.models import Dossier, DossierEvent
from counter.services.office import get_office


def find_by_code(code: str) -> Dossier | None:
    """The dossier with this code (typed or scanned, any case), or None."""
    value = (code or "").strip().upper()
    if not value or len(value) > 64:
        return None
    return db.session.scalar(db.select(Dossier).where(Dossier.code == value))


@dataclass(frozen=True)
class PublicStatus:
    """What the public look-up page may show: no ID number, phone or address of the citizen.

    The office's own phone and address are shown: whom to call, where to go. The
    masked name, the procedure and the supplement's reason are filled only when the
    slip's look-up key came with the code (``verified``): codes can be guessed.
    """

    code: str
    procedure_name: str
    status: str
    status_label: str
    masked_name: str
    received_at: datetime
    due_at: datetime
    resolved_at: datetime | None
    returned_at: datetime | None
    result_delivery: str
    overdue: bool = False
    supplement_items: list[str] = field(default_factory=list)
    supplement_reason: str = ""
    office_name: str = ""
    office_phone: str = ""
    office_address: str = ""
    verified: bool = False

    @property
    def result_ready(self) -> bool:
        """The result waits at the counter (or has gone by post)."""
        return self.status == Status.RESOLVED.value

    @property
    def supplement_requested(self) -> bool:
        """The citizen must bring documents; the clock is paused until then."""
        return self.status == Status.SUPPLEMENT_REQUESTED.value


def _last_supplement_request(dossier: Dossier) -> DossierEvent | None:
    requests = [e for e in dossier.events if e.action == Action.REQUEST_SUPPLEMENT.value]
    return requests[-1] if requests else None


def _items(request: DossierEvent | None) -> list[str]:
    """What a supplement request asks for (form 02's lines)."""
    payload = request.payload if request is not None else None
    return list(payload.items) if isinstance(payload, SupplementRequested) else []


def key_matches(dossier: Dossier, typed: str) -> bool:
    """Whether ``typed`` is the dossier's look-up key (any case; compared in constant time)."""
    key = normalize_lookup_key(typed)
    return bool(key) and hmac.compare_digest(key.encode(), (dossier.lookup_key or "").encode())


def public_status(code: str, key: str = "", now: datetime | None = None) -> PublicStatus:
    """A dossier as a citizen may see it from the slip's QR code; NotFound if unknown.

    Without the right ``key`` only what any holder of the code needs: status,
    dates, what to bring and whom to call; with it, the masked name, the
    procedure and the reason of a supplement request too. A wrong key answers
    exactly as no key. During a supplement request it carries the items of
    form 02; a dossier still in processing after its due date is ``overdue``.
    """
    dossier = find_by_code(code)
    if dossier is None or dossier.status == Status.SUBMITTED.value:
        raise NotFound(N_("Không tìm thấy hồ sơ có mã này. Kiểm tra lại mã trên giấy hẹn."))
    verified = key_matches(dossier, key)
    status = Status(dossier.status)
    office = get_office()
    request = _last_supplement_request(dossier) if status is Status.SUPPLEMENT_REQUESTED else None
    running = status in (Status.RECEIVED, Status.IN_PROGRESS)
    return PublicStatus(
        code=dossier.code,
        procedure_name=dossier.procedure.name if verified else "",
        status=status.value,
        status_label=status.label,
        masked_name=applicant_rules.mask_name(dossier.applicant_name) if verified else "",
        received_at=dossier.received_at,
        due_at=dossier.due_at,
        resolved_at=dossier.resolved_at,
        returned_at=dossier.returned_at,
        result_delivery=dossier.result_delivery,
        overdue=running and (now or clock.now()) > dossier.due_at,
        supplement_items=_items(request),
        supplement_reason=request.note if request and verified else "",
        office_name=office.name,
        office_phone=office.phone,
        office_address=office.address,
        verified=verified,
    )
