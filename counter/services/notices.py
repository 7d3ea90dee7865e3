"""Notices given at the counter instead of a dossier: form 02 and form 03.

When the documents brought are incomplete, the officer gives form 02 (what to
complete); when the dossier cannot be received, form 03 (refusal, with its reason).
No dossier is created: :func:`record_notice` keeps the notice, numbered
``02-YYMMDD-NNNN`` / ``03-YYMMDD-NNNN`` (:mod:`counter.services.numbering`), and its
event in the event log, which its printout and the statistics read. The typed data is
checked by the reception's rules, the applicant's ID number and address being
optional here.
"""

from __future__ import annotations

from datetime import UTC, datetime

from counter.domain import clock
from counter.domain.errors import InvalidInput, NotFound, ValidationError
from counter.domain.events import NOTICE_PAYLOADS
from counter.domain.i18n import N_
from counter.domain.lifecycle import Action, Status, transition
from counter.extensions import db
from counter.models import CounterNotice, DossierDocument
from counter.services import Actor, audit, numbering, queue, transaction
from counter.services.events import append_notice_event
from counter.services.reception import (
    ReceptionInput,
    check_applicant,
    check_length,
    check_procedure,
    clean_text,
)

#: The notice kinds and the forms they are printed on.
NOTICE_KINDS = {kind: payload.form_no for kind, payload in NOTICE_PAYLOADS.items()}


def notice_items(data: ReceptionInput, extra: str = "") -> list[str]:
    """What a form 02 asks for: checklist lines not received, then the typed lines."""
    items = [
        clean_text(line.name)
        for line in data.documents
        if not line.received and clean_text(line.name)
    ]
    items.extend(t for t in (clean_text(x) for x in (extra or "").splitlines()) if t)
    return items


def record_notice(
    actor: Actor,
    kind: str,
    data: ReceptionInput,
    *,
    items: list[str] | None = None,
    reason: str = "",
    now: datetime | None = None,
) -> CounterNotice:
    """Keep a form 02 (``incomplete``) or 03 (``refused``) given at the counter.

    No dossier is created; the notice is numbered ``02-YYMMDD-NNNN`` /
    ``03-YYMMDD-NNNN`` and counted in the statistics. Given from a queue ticket still
    «called» at the officer's counter, the ticket starts being served (:func:`queue.notice_given`).
    """
    if kind not in NOTICE_KINDS:
        raise ValidationError(N_("Loại phiếu không hợp lệ."), field="kind")
    transition(Status.SUBMITTED, Action.REFUSE, actor.roles)  # the counter's roles
    errors: dict[str, str] = {}
    procedure = None
    if str(data.procedure_id or "").strip() or kind == "incomplete":
        procedure = check_procedure(data.procedure_id, errors)
    values = check_applicant(data, errors, strict=False)
    items = [t for t in (clean_text(i) for i in (items or [])) if t]
    for item in items:
        check_length(errors, "notice_items", item, DossierDocument.name)
    check_length(errors, "notice_items", "\n".join(items), CounterNotice.items)
    reason = (reason or "").strip()
    check_length(errors, "reason", reason, CounterNotice.reason)
    if kind == "incomplete" and not items:
        errors["notice_items"] = N_(
            "Ghi rõ giấy tờ cần bổ sung, hoàn thiện (bỏ đánh dấu giấy tờ còn thiếu "
            "hoặc nhập từng nội dung một dòng)."
        )
    if kind == "refused" and not reason and "reason" not in errors:
        errors["reason"] = N_("Ghi rõ lý do từ chối tiếp nhận hồ sơ.")
    if errors:
        raise InvalidInput(errors)
    form_no = NOTICE_KINDS[kind]
    at = (now or clock.now()).astimezone(UTC)
    local_day = clock.local_date(at)
    with transaction():
        notice = CounterNotice(
            number=numbering.notice_number(form_no, local_day),
            kind=kind,
            at=at,
            user_id=actor.user_id,
            procedure_id=procedure.id if procedure else None,
            applicant_name=values["applicant_name"],
            id_number=values["id_number"],
            phone=values["phone"],
            address=values["address"],
            email=values["email"],
            items=items,
            reason=reason,
        )
        db.session.add(notice)
        payload_type = NOTICE_PAYLOADS[kind]
        append_notice_event(
            notice, actor, payload_type(number=notice.number, items=tuple(items), reason=reason)
        )
        audit.record(
            actor,
            "notice_incomplete" if kind == "incomplete" else "notice_refused",
            notice.number,
            procedure.national_code if procedure else "",
        )
        if data.queue_ticket_id is not None:
            queue.notice_given(actor, data.queue_ticket_id)
    return notice


def get_notice(notice_id: int) -> CounterNotice:
    """A counter notice, for its confirmation or print page."""
    notice = db.session.get(CounterNotice, notice_id)
    if notice is None:
        raise NotFound(N_("Không tìm thấy phiếu."))
    return notice
