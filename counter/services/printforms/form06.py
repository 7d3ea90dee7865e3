"""Form 06, the processing control slip: one row per handover and the result's return."""

from __future__ import annotations

from datetime import datetime

from counter.domain import clock
from counter.domain.due import Timeliness, classify
from counter.domain.lifecycle import Action
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

#: The counter's side of a handover when the event does not name it.
RECEPTION_UNIT = ONE_STOP_UNIT


def _row_result(event: DossierEvent, due: datetime) -> str:
    """The step's timeliness: as recorded, else its time against the due date then in force."""
    recorded = (event.detail or {}).get("timeliness") or (event.detail or {}).get("result")
    if recorded:
        try:
            return Timeliness(recorded).label
        except ValueError:
            return str(recorded)
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
        detail = event.detail or {}
        if event.action == Action.HAND_OVER.value:
            holder = str(detail.get("to_unit") or agency)
            rows.append(
                HandoverRow(
                    from_unit=str(detail.get("from_unit") or RECEPTION_UNIT),
                    to_unit=holder,
                    at=format_vn_moment(event.at),
                    result=_row_result(event, due),
                    note=event.note or "",
                    by=event_officer(event),
                )
            )
        elif event.action == Action.RESOLVE.value:
            result = (
                Timeliness(dossier.timeliness).label
                if dossier.timeliness in {t.value for t in Timeliness}
                else _row_result(event, due)
            )
            rows.append(
                HandoverRow(
                    from_unit=str(detail.get("from_unit") or holder),
                    to_unit=str(detail.get("to_unit") or RECEPTION_UNIT),
                    at=format_vn_moment(event.at),
                    result=result,
                    note=event.note or "Trả kết quả giải quyết",
                    by=event_officer(event),
                )
            )
        if event.due_after is not None:
            due = event.due_after
    # Coordinating bodies are not modelled yet; a handover may name them in its detail.
    coordinating = ", ".join(
        str(u) for e in dossier.events for u in ((e.detail or {}).get("coordinating") or [])
    )
    return ControlSlipData(
        **sheet_of(dossier, head, dossier.received_at),
        agency=agency or head.governing_body,
        coordinating=coordinating,
        received=format_vn_moment(dossier.received_at),
        due=format_vn_moment(dossier.due_at),
        rows=rows,
    )
