"""Form 04, the apology and new return date, from the dossier's delay event."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from counter.domain import clock
from counter.domain.errors import ValidationError
from counter.domain.i18n import N_
from counter.domain.lifecycle import Action
from counter.domain.printed.form04 import ApologyData
from counter.domain.printed.wording import format_vn_moment
from counter.services.printforms.common import (
    agency_of,
    event_officer,
    last_event,
    letterhead,
    load_dossier,
    reason_of,
    sheet_of,
)


def _detail_datetime(value: Any) -> datetime | None:
    """An ISO date/time from an event's detail, as an aware instant (naive = Vietnam time)."""
    if not value or not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return clock.as_local(moment)


def apology(dossier_id: int) -> ApologyData:
    """The apology and new return date, from the dossier's delay event."""
    dossier = load_dossier(dossier_id)
    event = last_event(dossier, (Action.DELAY.value,))
    if event is None:
        raise ValidationError(
            N_(
                "Hồ sơ này chưa được gia hạn nên chưa có Văn bản xin lỗi và đề nghị gia hạn "
                "thời gian giải quyết (mẫu 04)."
            )
        )
    detail = event.detail or {}
    new_due = event.due_after or _detail_datetime(detail.get("new_due")) or dossier.due_at
    original = event.due_before or dossier.original_due_at
    head = letterhead()
    return ApologyData(
        **sheet_of(dossier, head, event.at),
        agency=agency_of(dossier, head) or head.governing_body,
        received=format_vn_moment(dossier.received_at),
        original_due=format_vn_moment(original),
        new_due=format_vn_moment(new_due),
        reason=reason_of(event).rstrip(" ."),  # the sentence ends after it
        signer_name=event_officer(event),
    )
