"""The data each printed form needs (Circular 03/2025, Annex I, forms 01–07).

Each ``formNN`` function reads the models once and returns a frozen dataclass of
plain, already worded values, so the templates never query and the wording of a
legal form lives in one place. Printed forms stay in Vietnamese whatever the
screen language: they are legal documents.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import segno
from sqlalchemy.orm import selectinload

from counter.domain import dates
from counter.domain.catalog import DOCUMENT_KIND_LABELS
from counter.domain.due import LimitUnit, Timeliness, classify
from counter.domain.errors import NotFound, ValidationError
from counter.domain.i18n import N_
from counter.domain.lifecycle import Action, Status
from counter.domain.slip import DELIVERY_LABELS, ONE_STOP_UNIT, VN_TZ, delivery_line, to_vn_time
from counter.domain.text import fold
from counter.extensions import db
from counter.models import CounterNotice, Dossier, DossierEvent, Office, Procedure, User
from counter.services.office import get_office

#: The number line suffix on every form (Số: …/TTPVHCC).
NUMBER_SUFFIX = "TTPVHCC"
DOTS = "……"

#: Dossiers that were never received stay out of the ledger (form 07).
NOT_IN_LEDGER = (Status.SUBMITTED.value, Status.REFUSED.value)
#: The counter's side of a handover on form 06 when the event does not name it.
RECEPTION_UNIT = ONE_STOP_UNIT


# --- wording -------------------------------------------------------------


def time_words(moment: datetime | None) -> str:
    """'10 giờ 05 phút, ngày 27 tháng 11 năm 2026' in Vietnam time (form 01 wording)."""
    if moment is None:
        return ""
    t = to_vn_time(moment)
    return f"{t.hour:02d} giờ {t.minute:02d} phút, {date_words(t)}"


def date_words(moment: date | datetime | None) -> str:
    """'ngày 27 tháng 11 năm 2026'; an instant is first turned into Vietnam time."""
    if moment is None:
        return f"ngày {DOTS} tháng {DOTS} năm {DOTS}"
    if isinstance(moment, datetime):
        moment = to_vn_time(moment)
    return f"ngày {moment.day:02d} tháng {moment.month:02d} năm {moment.year}"


def limit_words(amount: Decimal | int | None, unit: str) -> str:
    """The legal time limit as printed: '03 ngày làm việc', '08 giờ làm việc', 'Trong ngày'."""
    try:
        kind = LimitUnit(unit)
    except ValueError:
        kind = LimitUnit.WORKING_DAYS
    if kind is LimitUnit.SAME_DAY:
        return "Trong ngày"
    value = Decimal(amount or 0)
    if value == value.to_integral_value():
        number = f"{int(value):02d}"
    else:
        number = format(value.normalize(), "f").replace(".", ",")
    return f"{number} {kind.label}"


def qr_svg(data: str) -> str:
    """The QR code as an inline SVG element (no XML declaration), scaled by CSS."""
    qr = segno.make(data, error="m", micro=False)
    return str(qr.svg_inline(scale=4, border=4, dark="#000", light="#fff", omitsize=True))


def qr_png(data: str, scale: int = 6) -> bytes:
    """The same QR code as PNG bytes (for tests and previews)."""
    buffer = io.BytesIO()
    segno.make(data, error="m", micro=False).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


# --- shared parts --------------------------------------------------------


@dataclass(frozen=True)
class Letterhead:
    """The top of every form: issuing body, centre, place and contact."""

    governing_body: str
    centre_name: str
    place_name: str
    address: str
    phone: str

    def dated(self, moment: datetime | None) -> str:
        """'Mường Phăng, ngày 27 tháng 11 năm 2026'."""
        return f"{self.place_name or DOTS}, {date_words(moment)}"


@dataclass(frozen=True)
class Party:
    """An applicant (chủ hồ sơ) or the person filing on their behalf."""

    name: str
    title: str  # "Ông (Bà)" or "Tổ chức"
    id_number: str
    address: str
    phone: str
    email: str = ""


@dataclass(frozen=True)
class DocumentLine:
    """One line of 'Thành phần hồ sơ nộp gồm'."""

    name: str
    kind: str
    count: int


@dataclass(frozen=True)
class Officer:
    """Who signs: full name and title (chức danh)."""

    name: str
    title: str = ""


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


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _party_of(dossier: Dossier) -> Party:
    return Party(
        name=dossier.applicant_name,
        title="Tổ chức" if dossier.applicant_kind == "organisation" else "Ông (Bà)",
        id_number=dossier.id_number,
        address=dossier.address,
        phone=dossier.phone,
        email=dossier.email,
    )


def _filer_of(dossier: Dossier) -> Party | None:
    if not dossier.filer_name.strip():
        return None
    return Party(
        name=dossier.filer_name,
        title="Ông (Bà)",
        id_number=dossier.filer_id_number,
        address=dossier.filer_address,
        phone=dossier.filer_phone,
    )


def _officer(user: User | None, fallback: str = "") -> Officer:
    if user is None:
        return Officer(fallback)
    return Officer(user.full_name or user.username, user.title or "")


def _event_officer(event: DossierEvent) -> Officer:
    return _officer(event.user, event.username)


def _dossier(dossier_id: int) -> Dossier:
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


def _last_event(dossier: Dossier, actions: Sequence[str]) -> DossierEvent | None:
    found = [e for e in dossier.events if e.action in actions]
    return found[-1] if found else None


def _text_items(value: Any) -> list[str]:
    """Items from an event's detail: strings or {"name"/"text"/...: str} dicts."""
    if value is None:
        return []
    if isinstance(value, str):
        return [line.strip() for line in value.splitlines() if line.strip()]
    items = []
    for item in value:
        if isinstance(item, dict):
            text = next(
                (item[k] for k in ("name", "text", "item", "label", "ten") if item.get(k)), ""
            )
            note = item.get("note") or item.get("reason") or ""
            text = f"{text} ({note})" if text and note else text or note
        else:
            text = str(item)
        if str(text).strip():
            items.append(str(text).strip())
    return items


def _reason(event: DossierEvent) -> str:
    detail = event.detail or {}
    for key in ("reason", "reasons", "ly_do"):
        value = detail.get(key)
        if value:
            return "; ".join(_text_items(value)) if not isinstance(value, str) else value
    return event.note or ""


def _detail_datetime(value: Any) -> datetime | None:
    """An ISO date/time from an event's detail, as an aware instant (naive = Vietnam time)."""
    if not value or not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=VN_TZ)
    return moment


# --- form 01 --------------------------------------------------------------


@dataclass(frozen=True)
class Form01:
    """Giấy tiếp nhận hồ sơ và hẹn trả kết quả."""

    head: Letterhead
    number: str
    dated: str
    code: str
    applicant: Party
    filer: Party | None
    procedure_name: str
    procedure_code: str
    documents: list[DocumentLine]
    sets: int
    limit: str
    received: str
    due: str
    delivery_label: str  # "Đăng ký nhận kết quả tại" (a place) or "Đăng ký nhận kết quả"
    delivery: str
    ledger_book: str
    ledger_seq: str
    officer: Officer
    lookup_url: str
    lookup_key: str = ""  # mã tra cứu, printed under the QR code
    notes: str = ""

    @property
    def qr_svg(self) -> str:
        return qr_svg(self.lookup_url)


def form01(dossier_id: int, lookup_url: Callable[[str, str], str]) -> Form01:
    """The receipt-and-appointment slip of a received dossier.

    ``lookup_url`` maps a code and its look-up key to the address the QR code carries.
    """
    dossier = _dossier(dossier_id)
    if dossier.status in NOT_IN_LEDGER:
        raise ValidationError(
            N_(
                "Hồ sơ này chưa được tiếp nhận nên không có Giấy tiếp nhận hồ sơ "
                "và hẹn trả kết quả."
            )
        )
    procedure = dossier.procedure
    head = letterhead()
    delivery_label, delivery = delivery_line(dossier.result_delivery, head.centre_name)
    return Form01(
        head=head,
        number=str(dossier.ledger_seq) if dossier.ledger_seq else "",
        dated=head.dated(dossier.received_at),
        code=dossier.code,
        applicant=_party_of(dossier),
        filer=_filer_of(dossier),
        procedure_name=procedure.name,
        procedure_code=procedure.local_code or procedure.national_code,
        documents=[
            DocumentLine(d.name, _sentence(DOCUMENT_KIND_LABELS.get(d.kind, d.kind)), d.count)
            for d in dossier.documents
        ],
        sets=dossier.sets_count,
        limit=limit_words(procedure.limit_amount, procedure.limit_unit),
        received=time_words(dossier.received_at),
        due=time_words(dossier.due_at),
        delivery_label=delivery_label,
        delivery=delivery,
        ledger_book=dossier.ledger_book or "",
        ledger_seq=str(dossier.ledger_seq) if dossier.ledger_seq else "",
        officer=_officer(dossier.received_by),
        lookup_url=lookup_url(dossier.code, dossier.lookup_key),
        lookup_key=dossier.lookup_key,
        notes=dossier.notes or "",
    )


# --- forms 02 and 03 ------------------------------------------------------


@dataclass(frozen=True)
class Form02:
    """Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ."""

    head: Letterhead
    number: str
    dated: str
    code: str
    applicant: Party
    procedure_name: str
    items: list[str]
    reason: str
    contact: str
    officer: Officer


@dataclass(frozen=True)
class Form03:
    """Phiếu từ chối tiếp nhận giải quyết hồ sơ."""

    head: Letterhead
    number: str
    dated: str
    code: str
    applicant: Party
    procedure_name: str
    reason: str
    officer: Officer


def _contact(head: Letterhead, officer: Officer) -> str:
    parts = [officer.name, head.centre_name]
    if head.phone:
        parts.append(f"điện thoại {head.phone}")
    return ", ".join(p for p in parts if p)


def form02(dossier_id: int, event_id: int | None = None) -> Form02:
    """A supplement request made during processing: the given event, or the latest one."""
    dossier = _dossier(dossier_id)
    wanted = (Action.REQUEST_SUPPLEMENT.value,)
    if event_id is not None:
        event = next((e for e in dossier.events if e.id == event_id), None)
        if event is None or event.action not in wanted:
            raise NotFound(N_("Không tìm thấy yêu cầu bổ sung này của hồ sơ."))
    else:
        event = _last_event(dossier, wanted)
        if event is None:
            raise ValidationError(
                N_(
                    "Hồ sơ này chưa có yêu cầu bổ sung nên chưa có Phiếu yêu cầu bổ sung, "
                    "hoàn thiện hồ sơ (mẫu 02)."
                )
            )
    head = letterhead()
    officer = _event_officer(event)
    detail = event.detail or {}
    return Form02(
        head=head,
        number="",
        dated=head.dated(event.at),
        code=dossier.code,
        applicant=_party_of(dossier),
        procedure_name=dossier.procedure.name,
        items=_text_items(detail.get("items") or detail.get("missing")),
        reason=_reason(event),
        contact=_contact(head, officer),
        officer=officer,
    )


def form03(dossier_id: int) -> Form03:
    """The refusal of a dossier (its refuse event)."""
    dossier = _dossier(dossier_id)
    event = _last_event(dossier, (Action.REFUSE.value,))
    if event is None:
        raise ValidationError(
            N_("Hồ sơ này không bị từ chối tiếp nhận nên không có Phiếu từ chối (mẫu 03).")
        )
    head = letterhead()
    return Form03(
        head=head,
        number="",
        dated=head.dated(event.at),
        code=dossier.code,
        applicant=_party_of(dossier),
        procedure_name=dossier.procedure.name,
        reason=_reason(event),
        officer=_event_officer(event),
    )


def notice_form(notice_id: int) -> Form02 | Form03:
    """A form given at the counter without receiving: 02 (incomplete) or 03 (refused)."""
    notice = db.session.get(
        CounterNotice,
        notice_id,
        options=[selectinload(CounterNotice.procedure), selectinload(CounterNotice.user)],
    )
    if notice is None:
        raise NotFound(N_("Không tìm thấy phiếu này."))
    head = letterhead()
    applicant = Party(
        name=notice.applicant_name,
        title="Ông (Bà)",
        id_number=notice.id_number,
        address=notice.address,
        phone=notice.phone,
        email=notice.email,
    )
    officer = _officer(notice.user)
    procedure_name = notice.procedure.name if notice.procedure else ""
    code = ""
    if notice.dossier_id is not None:
        dossier = db.session.get(Dossier, notice.dossier_id)
        code = dossier.code if dossier else ""
    if notice.kind == "incomplete":
        return Form02(
            head=head,
            number=notice.number,
            dated=head.dated(notice.at),
            code=code,
            applicant=applicant,
            procedure_name=procedure_name,
            items=_text_items(notice.items),
            reason=notice.reason,
            contact=_contact(head, officer),
            officer=officer,
        )
    if notice.kind == "refused":
        return Form03(
            head=head,
            number=notice.number,
            dated=head.dated(notice.at),
            code=code,
            applicant=applicant,
            procedure_name=procedure_name,
            reason=notice.reason or "; ".join(_text_items(notice.items)),
            officer=officer,
        )
    raise ValidationError(N_("Loại phiếu này không có mẫu in."))


# --- form 04 ---------------------------------------------------------------


@dataclass(frozen=True)
class Form04:
    """Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết (sent before the due date)."""

    head: Letterhead
    number: str
    dated: str
    code: str
    applicant: Party
    procedure_name: str
    agency: str
    received: str
    original_due: str
    new_due: str
    reason: str
    signer: Officer


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


def _agency(dossier: Dossier, head: Letterhead) -> str:
    """The body resolving the dossier, by name: "UBND xã" becomes "UBND xã Mường Phăng"."""
    body = (dossier.processing_unit or dossier.procedure.implementing_body or "").strip()
    if not body:
        return ""
    governing = head.governing_body.strip()
    if fold(body) in _GENERIC_BODIES or (
        len(governing) > len(body) and fold(governing).startswith(fold(body) + " ")
    ):
        return governing
    return body


def form04(dossier_id: int) -> Form04:
    """The apology and new return date, from the dossier's delay event."""
    dossier = _dossier(dossier_id)
    event = _last_event(dossier, (Action.DELAY.value,))
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
    return Form04(
        head=head,
        number="",
        dated=head.dated(event.at),
        code=dossier.code,
        applicant=_party_of(dossier),
        procedure_name=dossier.procedure.name,
        agency=_agency(dossier, head) or head.governing_body,
        received=time_words(dossier.received_at),
        original_due=time_words(original),
        new_due=time_words(new_due),
        reason=_reason(event).rstrip(" ."),  # the sentence ends after it
        signer=_event_officer(event),
    )


# --- form 05 and the notice of stopping ------------------------------------


@dataclass(frozen=True)
class Form05:
    """Form 05: the citizen's own request to stop and withdraw (Decree 118/2025 art. 21(1)).

    Addressed to the centre and signed by the person who asks; the counter officer
    who takes the request signs its receipt.
    """

    head: Letterhead
    dated: str
    code: str
    applicant: Party
    filer: Party | None
    procedure_name: str
    received: str
    requested: str
    reason: str
    officer: Officer


@dataclass(frozen=True)
class StopNotice:
    """Thông báo dừng giải quyết hồ sơ: a stop the authority decides, signed by its head."""

    head: Letterhead
    number: str
    dated: str
    code: str
    applicant: Party
    procedure_name: str
    issuer: str
    received: str
    stopped: str
    reason: str
    signer: Officer


def form05(dossier_id: int) -> Form05:
    """The citizen's request to withdraw, from the dossier's withdraw event."""
    dossier = _dossier(dossier_id)
    event = _last_event(dossier, (Action.WITHDRAW.value,))
    if event is None:
        if _last_event(dossier, (Action.STOP.value,)) is not None:
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
    head = letterhead()
    return Form05(
        head=head,
        dated=head.dated(event.at),
        code=dossier.code,
        applicant=_party_of(dossier),
        filer=_filer_of(dossier),
        procedure_name=dossier.procedure.name,
        received=time_words(dossier.received_at),
        requested=time_words(event.at),
        reason=_reason(event),
        officer=_event_officer(event),
    )


def stop_notice(dossier_id: int) -> StopNotice:
    """The authority's notice that it stopped processing, from the dossier's stop event."""
    dossier = _dossier(dossier_id)
    event = _last_event(dossier, (Action.STOP.value,))
    if event is None:
        if _last_event(dossier, (Action.WITHDRAW.value,)) is not None:
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
    return StopNotice(
        head=head,
        number="",
        dated=head.dated(event.at),
        code=dossier.code,
        applicant=_party_of(dossier),
        procedure_name=dossier.procedure.name,
        issuer=_agency(dossier, head) or head.governing_body,
        received=time_words(dossier.received_at),
        stopped=time_words(event.at),
        reason=_reason(event).rstrip(" ."),  # the sentence ends after it
        signer=_event_officer(event),
    )


# --- form 06 ---------------------------------------------------------------


@dataclass(frozen=True)
class HandoverRow:
    """One handover on the control slip."""

    from_unit: str
    to_unit: str
    at: str
    result: str
    note: str
    by: str


@dataclass(frozen=True)
class Form06:
    """Phiếu kiểm soát quá trình giải quyết hồ sơ."""

    head: Letterhead
    number: str
    dated: str
    code: str
    applicant: Party
    procedure_name: str
    agency: str
    coordinating: str
    received: str
    due: str
    rows: list[HandoverRow] = field(default_factory=list)


def _row_result(event: DossierEvent, due: datetime) -> str:
    """The step's timeliness: as recorded, else its time against the due date then in force."""
    recorded = (event.detail or {}).get("timeliness") or (event.detail or {}).get("result")
    if recorded:
        try:
            return Timeliness(recorded).label
        except ValueError:
            return str(recorded)
    return classify(
        to_vn_time(event.at).replace(tzinfo=None), to_vn_time(due).replace(tzinfo=None)
    ).label


def form06(dossier_id: int) -> Form06:
    """The control slip: one row per handover (and the result's return to the counter)."""
    dossier = _dossier(dossier_id)
    head = letterhead()
    agency = _agency(dossier, head)
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
                    at=time_words(event.at),
                    result=_row_result(event, due),
                    note=event.note or "",
                    by=_event_officer(event).name,
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
                    at=time_words(event.at),
                    result=result,
                    note=event.note or "Trả kết quả giải quyết",
                    by=_event_officer(event).name,
                )
            )
        if event.due_after is not None:
            due = event.due_after
    # Coordinating bodies are not modelled yet; a handover may name them in its detail.
    coordinating = ", ".join(
        str(u) for e in dossier.events for u in ((e.detail or {}).get("coordinating") or [])
    )
    return Form06(
        head=head,
        number="",
        dated=head.dated(dossier.received_at),
        code=dossier.code,
        applicant=_party_of(dossier),
        procedure_name=dossier.procedure.name,
        agency=agency or head.governing_body,
        coordinating=coordinating,
        received=time_words(dossier.received_at),
        due=time_words(dossier.due_at),
        rows=rows,
    )


# --- form 07: the ledger -----------------------------------------------------


def parse_day(text: str, field_name: str) -> date:
    """A day typed as dd/mm/yyyy or yyyy-mm-dd (required)."""
    try:
        day = dates.parse_day(text)
    except dates.DayOutOfRange:
        raise dates.out_of_range(text, field_name) from None
    except dates.NotADay:
        raise ValidationError(
            N_("Ngày không có thật trên lịch; hãy kiểm tra lại ngày và tháng."), field=field_name
        ) from None
    except ValueError:
        day = None
    if day is None:
        raise ValidationError(
            N_("Ngày không hợp lệ; hãy nhập theo dạng ngày/tháng/năm, ví dụ 27/11/2026."),
            field=field_name,
        )
    return day


def month_bounds(today: date) -> tuple[date, date]:
    """The first and last day of ``today``'s month."""
    first = today.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def today_local() -> date:
    """Today in Vietnam."""
    return datetime.now(UTC).astimezone(VN_TZ).date()


@dataclass(frozen=True)
class LedgerRow:
    """One dossier in the ledger."""

    number: int
    code: str
    procedure_name: str
    applicant_name: str
    address_phone: str
    agency: str
    received_at: datetime
    due_at: datetime
    returned_at: datetime | None
    collected_by: str
    delivery: str
    status: str


@dataclass(frozen=True)
class Ledger:
    """Sổ theo dõi hồ sơ for a period."""

    head: Letterhead
    start: date
    end: date
    field_name: str
    status_label: str
    rows: list[LedgerRow]
    printed: str


def _status_label(value: str) -> str:
    try:
        return Status(value).label
    except ValueError:
        return value


def ledger_choices() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The procedure fields (lĩnh vực) and statuses to filter the ledger by."""
    fields = db.session.execute(
        db.select(Procedure.field_code, Procedure.field_name)
        .where(Procedure.field_code != "")
        .distinct()
        .order_by(Procedure.field_name, Procedure.field_code)
    ).all()
    statuses = [(s.value, s.label) for s in Status if s.value not in NOT_IN_LEDGER]
    return [(code, name or code) for code, name in fields], statuses


def ledger(start: date, end: date, field_code: str = "", status: str = "") -> Ledger:
    """Dossiers received from ``start`` to ``end`` (Vietnam days, inclusive), in receipt order."""
    if end < start:
        raise ValidationError(N_("Ngày kết thúc phải sau hoặc bằng ngày bắt đầu."), field="to")
    if status and status not in {s.value for s in Status}:
        raise ValidationError(N_("Trạng thái không hợp lệ."), field="status")
    lower = datetime.combine(start, time(0), VN_TZ)
    upper = datetime.combine(end + timedelta(days=1), time(0), VN_TZ)
    query = (
        db.select(Dossier)
        .join(Dossier.procedure)
        .options(selectinload(Dossier.procedure))
        .where(Dossier.received_at >= lower, Dossier.received_at < upper)
        .order_by(Dossier.received_at, Dossier.id)
    )
    if status:
        query = query.where(Dossier.status == status)
    else:
        query = query.where(Dossier.status.not_in(NOT_IN_LEDGER))
    field_name = ""
    if field_code:
        query = query.where(Procedure.field_code == field_code)
        field_name = (
            db.session.scalar(
                db.select(Procedure.field_name).where(Procedure.field_code == field_code).limit(1)
            )
            or field_code
        )
    head = letterhead()
    rows = []
    for i, dossier in enumerate(db.session.scalars(query), start=1):
        rows.append(
            LedgerRow(
                number=dossier.ledger_seq or i,
                code=dossier.code,
                procedure_name=dossier.procedure.name,
                applicant_name=dossier.applicant_name,
                address_phone=" / ".join(p for p in (dossier.address, dossier.phone) if p),
                agency=_agency(dossier, head),
                received_at=dossier.received_at,
                due_at=dossier.due_at,
                returned_at=dossier.returned_at,
                collected_by=dossier.collected_by or "",
                delivery=DELIVERY_LABELS.get(dossier.result_delivery, dossier.result_delivery),
                status=_status_label(dossier.status),
            )
        )
    return Ledger(
        head=head,
        start=start,
        end=end,
        field_name=field_name,
        status_label=Status(status).label if status else "",
        rows=rows,
        printed=head.dated(datetime.now(UTC)),
    )
