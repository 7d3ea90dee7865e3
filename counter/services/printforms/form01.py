"""Form 01, the receipt-and-appointment slip: built once for the sheet and the roll."""

from __future__ import annotations

from collections.abc import Callable

from counter.domain import codes
from counter.domain.catalog import DOCUMENT_KIND_LABELS
from counter.domain.errors import ValidationError
from counter.domain.i18n import N_
from counter.domain.printed.form01 import SlipData
from counter.domain.printed.parts import ReceivedDocument
from counter.domain.printed.wording import format_time_limit
from counter.services.printforms.common import (
    NOT_IN_LEDGER,
    applicant_of,
    filer_of,
    letterhead,
    load_dossier,
    officer_name,
)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def slip(dossier_id: int, lookup_url: Callable[[str, str], str]) -> SlipData:
    """The receipt-and-appointment slip of a received dossier.

    ``lookup_url`` maps a code and its look-up key to the address the QR code carries.
    """
    dossier = load_dossier(dossier_id)
    if dossier.status in NOT_IN_LEDGER:
        raise ValidationError(
            N_(
                "Hồ sơ này chưa được tiếp nhận nên không có Giấy tiếp nhận hồ sơ "
                "và hẹn trả kết quả."
            )
        )
    procedure = dossier.procedure
    head = letterhead()
    applicant = applicant_of(dossier)
    ledger_seq = codes.format_ledger_seq(dossier.ledger_seq)
    return SlipData(
        centre_name=head.centre_name,
        governing_body=head.governing_body,
        place_name=head.place_name,
        office_phone=head.phone,
        number=ledger_seq,
        dossier_code=dossier.code,
        applicant_name=applicant.name,
        id_number=applicant.id_number,
        address=applicant.address,
        phone=applicant.phone,
        email=applicant.email,
        filer=filer_of(dossier),
        procedure_name=procedure.name,
        documents=[
            ReceivedDocument(d.name, _sentence(DOCUMENT_KIND_LABELS.get(d.kind, d.kind)), d.count)
            for d in dossier.documents
        ],
        sets=dossier.sets_count,
        time_limit=format_time_limit(procedure.limit_amount, procedure.limit_unit),
        received_at=dossier.received_at,
        due_at=dossier.due_at,
        delivery=dossier.result_delivery,
        ledger_book=dossier.ledger_book or "",
        ledger_seq=ledger_seq,
        officer_name=officer_name(dossier.received_by),
        lookup_url=lookup_url(dossier.code, dossier.lookup_key),
        lookup_key=dossier.lookup_key,
        note=dossier.notes or "",
    )
