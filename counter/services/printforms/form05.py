"""Form 05 (the citizen asks to stop) and the authority's notice that it stopped."""

from __future__ import annotations

from counter.domain.errors import ValidationError
from counter.domain.i18n import N_
from counter.domain.lifecycle import Action
from counter.domain.printed.form05 import StopNoticeData, WithdrawalData
from counter.domain.printed.wording import format_vn_moment
from counter.services.printforms.common import (
    agency_of,
    event_officer,
    filer_of,
    last_event,
    letterhead,
    load_dossier,
    reason_of,
    sheet_of,
)


def withdrawal(dossier_id: int) -> WithdrawalData:
    """The citizen's request to withdraw, from the dossier's withdraw event."""
    dossier = load_dossier(dossier_id)
    event = last_event(dossier, (Action.WITHDRAW.value,))
    if event is None:
        if last_event(dossier, (Action.STOP.value,)) is not None:
            raise ValidationError(
                N_(
                    "Hồ sơ này được dừng giải quyết theo quyết định của cơ quan, không theo đề "
                    "nghị của người nộp: hãy in Thông báo dừng giải quyết hồ sơ."
                )
            )
        raise ValidationError(
            N_(
                "Người nộp chưa đề nghị rút hồ sơ này nên không có Đơn đề nghị dừng giải quyết "
                "hồ sơ (mẫu 05)."
            )
        )
    return WithdrawalData(
        **sheet_of(dossier, letterhead(), event.at),
        filer=filer_of(dossier),
        received=format_vn_moment(dossier.received_at),
        requested=format_vn_moment(event.at),
        reason=reason_of(event),
        officer_name=event_officer(event),
    )


def stop_notice(dossier_id: int) -> StopNoticeData:
    """The authority's notice that it stopped processing, from the dossier's stop event."""
    dossier = load_dossier(dossier_id)
    event = last_event(dossier, (Action.STOP.value,))
    if event is None:
        if last_event(dossier, (Action.WITHDRAW.value,)) is not None:
            raise ValidationError(
                N_(
                    "Hồ sơ này dừng theo đề nghị rút hồ sơ của người nộp: hãy in mẫu 05 "
                    "(Đơn đề nghị dừng giải quyết hồ sơ)."
                )
            )
        raise ValidationError(
            N_("Hồ sơ này không bị dừng giải quyết nên không có Thông báo dừng giải quyết hồ sơ.")
        )
    head = letterhead()
    return StopNoticeData(
        **sheet_of(dossier, head, event.at),
        issuer=agency_of(dossier, head) or head.governing_body,
        received=format_vn_moment(dossier.received_at),
        stopped=format_vn_moment(event.at),
        reason=reason_of(event).rstrip(" ."),  # the sentence ends after it
        signer_name=event_officer(event),
    )
