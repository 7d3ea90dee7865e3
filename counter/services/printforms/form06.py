"""Form 06, the processing control slip: one row per handover and the result's return."""

from __future__ import annotations

from datetime import datetime

from counter.domain import clock
from counter.domain.due import Timeliness, classify
from counter.domain.events import HandedOver, Resolved
from counter.domain.printed.form06 import ControlSlipData, HandoverRow
from counter.domain.printed.wording import ONE_STOP_UNIT, format_vn_moment
from counter.models import DossierEvent
from counter.services.printforms.common import (
    agency_of,
    event_officer,
    letterhead,
    load_dossier,
    sheet_of,
)


def _row_result(event: DossierEvent, recorded: Timeliness | None, due: datetime) -> str:
    """The step's timeliness: as recorded, else its time against the due date then in force."""
    if recorded is not None:
        return recorded.label
    return classify(
        clock.as_local(event.at).replace(tzinfo=None), clock.as_local(due).replace(tzinfo=None)
    ).label


def control_slip(dossier_id: int) -> ControlSlipData:
    """The control slip: one row per handover (and the result's return to the counter)."""
    dossier = load_dossier(dossier_id)
    head = letterhead()
    agency = agency_of(dossier, head)
    holder = agency  # the unit holding the dossier: the result comes back from it
    rows = []
    due = dossier.original_due_at or dossier.due_at
    for event in dossier.events:
        payload = event.payload
        if isinstance(payload, HandedOver):
            holder = payload.to_unit or agency
            rows.append(
                HandoverRow(
                    from_unit=payload.from_unit or ONE_STOP_UNIT,
                    to_unit=holder,
                    at=format_vn_moment(event.at),
                    result=_row_result(event, payload.result, due),
                    note=event.note or "",
                    by=event_officer(event),
                )
            )
        elif isinstance(payload, Resolved):
            result = (
                Timeliness(dossier.timeliness).label
                if dossier.timeliness in {t.value for t in Timeliness}
                else _row_result(event, payload.timeliness, due)
            )
            # The result goes back from where the dossier last went to the counter.
            rows.append(
                HandoverRow(
                    from_unit=holder,
                    to_unit=ONE_STOP_UNIT,
                    at=format_vn_moment(event.at),
                    result=result,
                    note=event.note or "Trả kết quả giải quyết",
                    by=event_officer(event),
                )
            )
        if event.due_after is not None:
            due = event.due_after
    return ControlSlipData(
        **sheet_of(dossier, head, dossier.received_at),
        agency=agency or head.governing_body,
        coordinating="",  # not recorded by any step: the officer fills it in by hand
        received=format_vn_moment(dossier.received_at),
        due=format_vn_moment(dossier.due_at),
        rows=rows,
    )
