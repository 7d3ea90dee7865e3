"""Typed event payloads: what each step of a dossier (or a counter notice) records.

Every step appends one event (:class:`~counter.models.DossierEvent`): the dossier's
timeline, the printed forms, and next the portal outbox and the reports read it.
Its common part lives in columns (who, when, statuses, due dates, note, form, a
unique ``uid``); what is particular to the kind of step is a payload here, one
frozen dataclass per kind, stored in the event's JSON ``detail``.

:func:`to_detail` and :func:`from_detail` are the one place that turns a payload
into that JSON and back. The JSON keys are those written since the first version,
so rows stored by older code read the same: a key missing or of a wrong type gives
the field's default, unknown keys are ignored. A field that is ``None`` or
``False`` is left out of the JSON (as the older code did).

A pause of the due-date clock may close any step (entering or leaving a paused
status); it is stored under ``paused_from``, ``paused_until`` and
``paused_working_minutes`` of the same JSON.

The portal's progress entry (CapNhatTienDoHoSoMC) maps from an event: MaTienDo =
``uid``, MaHoSo = the dossier's code, NguoiXuLy / ChucDanh = ``officer_name`` /
``officer_title``, PhongBanXuLy = ``unit``, ThoiDiemXuLy and NgayBatDau = ``at``,
NoiDungXuLy = the step's label (:func:`counter.domain.lifecycle.step_label`) and note, TrangThai = the portal code of
``to_status``, NgayKetThucTheoQuyDinh = ``due_after``.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar, Union

from counter.domain.due import Timeliness
from counter.domain.i18n import N_
from counter.domain.printed.wording import ONE_STOP_UNIT


@dataclass(frozen=True, kw_only=True)
class Pause:
    """A pause of the due-date clock: begun by this step, or ended by it (with its length)."""

    started: datetime
    ended: datetime | None = None
    working_minutes: int | None = None  # whole working minutes; the due date moved by this


@dataclass(frozen=True, kw_only=True)
class EventPayload:
    """What a step records besides the common columns; subclasses name their ``kind``."""

    kind: ClassVar[str] = ""
    pause: Pause | None = None


@dataclass(frozen=True, kw_only=True)
class Reasoned(EventPayload):
    """A step that states a reason (refusal, stop, withdrawal, delay)."""

    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class Submitted(EventPayload):
    """A dossier submitted online arrived (portal status 1); not yet received."""

    kind: ClassVar[str] = "submit"


@dataclass(frozen=True, kw_only=True)
class Received(EventPayload):
    """Received (form 01): at the counter, how many documents and scans came with it."""

    kind: ClassVar[str] = "receive"
    documents: int | None = None
    attachments: int | None = None


@dataclass(frozen=True, kw_only=True)
class Refused(Reasoned):
    """A submitted dossier refused (form 03)."""

    kind: ClassVar[str] = "refuse"


@dataclass(frozen=True, kw_only=True)
class HandedOver(EventPayload):
    """Handed from one unit to another (a row of form 06), maybe to a named officer."""

    kind: ClassVar[str] = "hand_over"
    from_unit: str = ""
    to_unit: str = ""
    result: Timeliness | None = None  # the row's trước/đúng/quá hạn at the handover
    assigned_to: str | None = None
    assigned_to_id: int | None = None


@dataclass(frozen=True, kw_only=True)
class SupplementRequested(EventPayload):
    """Documents asked of the citizen (form 02); the clock pauses."""

    kind: ClassVar[str] = "request_supplement"
    items: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class SupplementReceived(EventPayload):
    """The citizen brought the supplement; the pause ends."""

    kind: ClassVar[str] = "supplement_received"


@dataclass(frozen=True, kw_only=True)
class PaymentRequested(EventPayload):
    """The citizen is asked to pay fees or taxes."""

    kind: ClassVar[str] = "request_payment"


@dataclass(frozen=True, kw_only=True)
class PaymentReceived(EventPayload):
    """The citizen paid; processing resumes."""

    kind: ClassVar[str] = "payment_received"


@dataclass(frozen=True, kw_only=True)
class DelayProposed(Reasoned):
    """A specialist proposes a new due date; the leader signs it as a delay."""

    kind: ClassVar[str] = "propose_delay"
    proposed_due: datetime | None = None
    late_notice: bool = False  # later than one day before the current due date


@dataclass(frozen=True, kw_only=True)
class Delayed(Reasoned):
    """The apology and new due date (form 04); the new date is the event's ``due_after``."""

    kind: ClassVar[str] = "delay"
    late_notice: bool = False


@dataclass(frozen=True, kw_only=True)
class Stopped(Reasoned):
    """Processing stopped by the authority (its notice of stopping)."""

    kind: ClassVar[str] = "stop"


@dataclass(frozen=True, kw_only=True)
class Withdrawn(Reasoned):
    """The citizen withdrew the dossier (form 05)."""

    kind: ClassVar[str] = "withdraw"


@dataclass(frozen=True, kw_only=True)
class Resolved(EventPayload):
    """The result is ready, classified against the due date then in force."""

    kind: ClassVar[str] = "resolve"
    timeliness: Timeliness | None = None


@dataclass(frozen=True, kw_only=True)
class ResultReturned(EventPayload):
    """The result handed back, and to whom."""

    kind: ClassVar[str] = "return_result"
    collected_by: str = ""


@dataclass(frozen=True, kw_only=True)
class CounterNoticeGiven(Reasoned):
    """A form given at the counter instead of receiving a dossier (no dossier exists)."""

    form_no: ClassVar[str] = ""  # the form given
    number: str = ""  # 02-YYMMDD-NNNN / 03-YYMMDD-NNNN
    items: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class IncompleteNotice(CounterNoticeGiven):
    """Form 02 at the counter: the documents brought are incomplete."""

    kind: ClassVar[str] = "notice_incomplete"
    form_no: ClassVar[str] = "02"


@dataclass(frozen=True, kw_only=True)
class RefusalNotice(CounterNoticeGiven):
    """Form 03 at the counter: the dossier cannot be received."""

    kind: ClassVar[str] = "notice_refused"
    form_no: ClassVar[str] = "03"


#: Every payload type by the event kind (the ``action`` column) it is stored under.
PAYLOADS: dict[str, type[EventPayload]] = {
    cls.kind: cls
    for cls in (
        Submitted,
        Received,
        Refused,
        HandedOver,
        SupplementRequested,
        SupplementReceived,
        PaymentRequested,
        PaymentReceived,
        DelayProposed,
        Delayed,
        Stopped,
        Withdrawn,
        Resolved,
        ResultReturned,
        IncompleteNotice,
        RefusalNotice,
    )
}

#: Names of the kinds that are not an officer's action on a dossier (the actions'
#: own labels are in counter.domain.lifecycle).
KIND_LABELS: dict[str, str] = {
    Submitted.kind: N_("Nộp trực tuyến"),
    IncompleteNotice.kind: N_("Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ tại quầy"),
    RefusalNotice.kind: N_("Phiếu từ chối tiếp nhận tại quầy"),
}

#: The payload of each kind of counter notice (``CounterNotice.kind``).
NOTICE_PAYLOADS: dict[str, type[CounterNoticeGiven]] = {
    "incomplete": IncompleteNotice,
    "refused": RefusalNotice,
}

_PAUSE_KEYS = ("paused_from", "paused_until", "paused_working_minutes")


# -- the JSON column -----------------------------------------------------------------


def to_detail(payload: EventPayload) -> dict[str, Any]:
    """The payload as the event's JSON ``detail`` (None and False fields left out)."""
    detail: dict[str, Any] = {}
    for spec in dataclasses.fields(payload):
        if spec.name == "pause":
            continue
        value = _to_json(getattr(payload, spec.name))
        if value is not None and value is not False:
            detail[spec.name] = value
    pause = payload.pause
    if pause is not None:
        detail["paused_from"] = pause.started.isoformat()
        if pause.ended is not None:
            detail["paused_until"] = pause.ended.isoformat()
        if pause.working_minutes is not None:
            detail["paused_working_minutes"] = pause.working_minutes
    return detail


def from_detail(kind: str, detail: Mapping[str, Any] | None) -> EventPayload:
    """The typed payload of a stored event; tolerant of rows written by older code.

    An unknown kind reads as the bare :class:`EventPayload` (only its pause).
    """
    cls = PAYLOADS.get(kind, EventPayload)
    data = detail if isinstance(detail, Mapping) else {}
    hints = _hints(cls)
    values: dict[str, Any] = {}
    for spec in dataclasses.fields(cls):
        if spec.name == "pause" or spec.name not in data:
            continue
        value = _from_json(hints[spec.name], data[spec.name])
        if value is not None:
            values[spec.name] = value
    return cls(pause=_pause(data), **values)


def with_pause(payload: EventPayload, pause: Pause | None) -> EventPayload:
    """The same payload, closing with this pause of the clock."""
    return dataclasses.replace(payload, pause=pause)


def holder_after(holder: str, payload: EventPayload) -> str:
    """The unit holding the dossier after a step, given the unit holding it before."""
    if isinstance(payload, HandedOver) and payload.to_unit:
        return payload.to_unit
    return holder


def holder_of(payloads: Iterable[EventPayload]) -> str:
    """The unit holding a dossier after these steps: the counter until a handover."""
    holder = ONE_STOP_UNIT
    for payload in payloads:
        holder = holder_after(holder, payload)
    return holder


def _pause(data: Mapping[str, Any]) -> Pause | None:
    started = _datetime(data.get("paused_from"))
    if started is None:
        return None
    minutes = data.get("paused_working_minutes")
    return Pause(
        started=started,
        ended=_datetime(data.get("paused_until")),
        working_minutes=_int(minutes),
    )


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    # Resolving the annotations compiles them each time: once per payload class is enough.
    return typing.get_type_hints(cls)


def _to_json(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Timeliness):
        return value.value
    if isinstance(value, tuple):
        return list(value)
    return value


def _from_json(hint: Any, value: Any) -> Any:
    """``value`` as the field's type, or None when it cannot be read as one."""
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        inner = [a for a in typing.get_args(hint) if a is not type(None)]
        return _from_json(inner[0], value)
    if origin is tuple:
        if isinstance(value, str):
            value = value.splitlines()
        if not isinstance(value, list | tuple):
            return None
        return tuple(str(v).strip() for v in value if str(v).strip())
    if hint is str:
        return value if isinstance(value, str) else None
    if hint is bool:
        return value if isinstance(value, bool) else None
    if hint is int:
        return _int(value)
    if hint is datetime:
        return _datetime(value)
    if hint is Timeliness:
        try:
            return Timeliness(value)
        except ValueError:
            return None
    raise TypeError(f"no JSON reading for {hint!r}")  # a new field type: add it here


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value)


def _datetime(value: Any) -> datetime | None:
    """An ISO instant as written by :func:`to_detail`; a naive one is UTC (as the columns)."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
