"""Demo dossiers: every status, due today / soon / overdue, with the events of each step.

Run by ``init --demo`` after the demo catalog (see ``setup.DEMO_LOADERS``). The
dossiers are made by the real services (reception, then the lifecycle actions)
with explicit past timestamps relative to now, so codes, due dates, pauses,
delays and timeliness are exactly what the app itself computes. Idempotent: it
adds nothing once the office has any dossier.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from counter.domain import clock
from counter.domain.events import Submitted
from counter.domain.lifecycle import Status
from counter.extensions import db
from counter.models import Dossier, Procedure, User
from counter.services import Actor, numbering, transaction
from counter.services import calendar as cal
from counter.services import dossiers as svc
from counter.services.events import append_event
from counter.services.notices import record_notice
from counter.services.office import get_office
from counter.services.reception import DocumentLine, ReceptionInput, receive, search_key

ADDRESS = "Bản {ban}, xã Mường Phăng, tỉnh Điện Biên"


@dataclass(frozen=True)
class Person:
    name: str
    id_number: str  # CCCD: 011 = Điện Biên, then sex/century digit, year of birth, 6 digits
    phone: str
    ban: str  # the village (bản)


PEOPLE = (
    Person("Lò Văn Panh", "011085004312", "0912345671", "Phăng"),
    Person("Quàng Thị Xuân", "011190007254", "0983201456", "Che Căn"),
    Person("Lường Văn Chăn", "011078001983", "0369844120", "Khá"),
    Person("Tòng Thị Ánh", "011195003361", "0945112387", "Pá Trả"),
    Person("Cà Văn Thưởng", "011082006645", "0857330912", "Co Đứa"),
    Person("Vàng A Dế", "011090002218", "0388765403", "Kéo"),
    Person("Giàng Thị Mỷ", "011398005127", "0976554310", "Nghịu"),
    Person("Nguyễn Thị Hồng Nhung", "011188009034", "0904667125", "Phăng"),
    Person("Trần Văn Đức", "011072004470", "0915332876", "Cang"),
    Person("Phạm Thị Lan Anh", "011193001552", "0962480317", "Đông Mệt"),
    Person("Lê Minh Tuấn", "011287003009", "0336128745", "Phăng"),
    Person("Hoàng Văn Hùng", "011068007781", "0825673419", "Khá"),
    Person("Đỗ Thị Thu Hà", "011191002643", "0397015528", "Co Đứa"),
    Person("Mùa A Chứ", "011003006120", "0868240971", "Pá Trả"),
    Person("Sùng Thị Dua", "011301004485", "0356902147", "Kéo"),
    Person("Bạc Cầm Khiêm", "011080008856", "0943876051", "Nghịu"),
    Person("Lò Thị Thanh Hương", "011196005539", "0987431265", "Che Căn"),
    Person("Nguyễn Văn Ánh", "011088001234", "0912345678", "Phăng"),
    Person("Quàng Văn Ún", "011075009915", "0373459820", "Cang"),
    Person("Điêu Chính Tới", "011083003377", "0919876034", "Đông Mệt"),
    Person("Lò Văn Sướng", "011079002290", "0964520178", "Khá"),
    Person("Tòng Văn Lả", "011092007713", "0392184765", "Phăng"),
)

TU_PHAP = "Công chức Tư pháp - Hộ tịch"
VAN_PHONG = "Văn phòng HĐND và UBND xã"
LANH_DAO = "Lãnh đạo UBND xã"
KINH_TE = "Công chức Kinh tế"


class _Clock:
    """Working days counted back (and forward) from the last working day up to today."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        day = clock.local_date(now)
        while not cal.is_working_day(day):
            day -= timedelta(days=1)
        self.base = day

    def day(self, k: int) -> date:
        """k working days before the base day (negative: after it)."""
        day, step = self.base, (-1 if k > 0 else 1)
        for _ in range(abs(k)):
            day += timedelta(days=step)
            while not cal.is_working_day(day):
                day += timedelta(days=step)
        return day

    def at(self, k: int, hour: int, minute: int = 0) -> datetime:
        return clock.from_local_naive(datetime.combine(self.day(k), time(hour, minute)))


def _actors() -> dict[str, Actor]:
    out = {}
    for role, username in (
        ("reception", "tiepnhan"),
        ("specialist", "chuyenvien"),
        ("leader", "lanhdao"),
    ):
        user = db.session.scalar(db.select(User).where(User.username == username))
        out[role] = Actor.for_user(user, "demo") if user is not None else Actor.system("demo")
    return out


def _procedures() -> dict[str, Procedure]:
    return {p.national_code: p for p in db.session.scalars(db.select(Procedure))}


def _input(procedure: Procedure, person: Person, **extra: Any) -> ReceptionInput:
    names = [d.name for d in procedure.documents][:4] or ["Tờ khai theo mẫu"]
    return ReceptionInput(
        procedure_id=procedure.id,
        applicant_name=person.name,
        id_number=person.id_number,
        phone=person.phone,
        address=ADDRESS.format(ban=person.ban),
        documents=[DocumentLine(name=n) for n in names],
        confirm_duplicate=True,
        **extra,
    )


def _online(actor: Actor, procedure: Procedure, person: Person, at: datetime) -> Dossier:
    """A dossier submitted online (status 1), not yet accepted at the counter."""
    office = get_office()
    day = clock.local_date(at)
    with transaction():
        code = numbering.dossier_code(office.agency_id, day)
        due = cal.due_at(at, procedure.limit_amount, procedure.limit_unit)
        dossier = Dossier(
            code=code,
            procedure=procedure,
            status=Status.SUBMITTED.value,
            channel="online",
            applicant_name=person.name,
            id_number=person.id_number,
            phone=person.phone,
            address=ADDRESS.format(ban=person.ban),
            received_at=at,
            due_at=due,
            original_due_at=due,
            processing_unit=procedure.implementing_body or "",
            search_text=search_key(code, person.name, person.phone, person.id_number),
        )
        db.session.add(dossier)
        append_event(
            dossier,
            actor,
            Submitted(),
            from_status=None,
            to_status=Status.SUBMITTED.value,
            note="Nộp trực tuyến qua Cổng Dịch vụ công",
            due_after=due,
            at=at,
        )
    return dossier


class _Story:
    """One dossier's history, told step by step through the services."""

    def __init__(self, dossier: Dossier) -> None:
        self.id = dossier.id

    def then(
        self, action: Callable[..., svc.Outcome], actor: Actor, at: datetime, **kw: Any
    ) -> _Story:
        dossier = svc.get_dossier(self.id)
        action(actor, self.id, version=dossier.version, now=at, **kw)
        return self


def load_demo_dossiers(now: datetime | None = None) -> str | None:
    """About twenty demo dossiers in every status, and two counter notices. Idempotent.

    Every time is relative to ``now`` (default: the current instant) and every
    receipt falls on a working day of the office calendar, as loaded in the database.
    """
    if db.session.scalar(db.select(db.func.count(Dossier.id))):
        return None
    procs = _procedures()
    wanted = ("1.004873", "1.004859", "1.001612", "1.001022", "1.004884", "2.001035")
    if any(code not in procs for code in wanted):
        return "Chưa có danh mục thủ tục mẫu: bỏ qua hồ sơ mẫu."
    now = now or clock.now()
    c = _Clock(now)
    a = _actors()
    rec, spec, lead = a["reception"], a["specialist"], a["leader"]
    people = iter(PEOPLE)

    def received(
        code: str,
        k: int,
        hour: int = 8,
        minute: int = 30,
        *,
        who: Person | None = None,
        **extra: Any,
    ) -> _Story:
        person = who or next(people)
        return _Story(receive(rec, _input(procs[code], person, **extra), now=c.at(k, hour, minute)))

    def handed(story: _Story, k: int, hour: int = 10, unit: str = TU_PHAP) -> _Story:
        return story.then(
            svc.hand_over,
            rec,
            c.at(k, hour),
            to_unit=unit,
            assign_to_id=spec.user_id if spec.user_id else None,
            note="Chuyển xử lý",
        )

    # Received today (or on the last working day), still at the counter. A five-day
    # procedure, so it is neither due today nor soon whatever hour the demo is loaded.
    today_local = clock.local_naive(now)
    if c.base == today_local.date() and today_local.time() > time(8, 15):
        received_at = min(now - timedelta(minutes=5), c.at(0, 10, 0))
        _Story(receive(rec, _input(procs["1.004884"], next(people)), now=received_at))
    else:
        received("1.004884", 1, 15, 30)
    # Received, due today (3 working days ago), not yet handed over.
    received("1.004873", 3, 9)
    # In progress, due within one and two working days.
    handed(received("1.004859", 2, 9), 2)
    handed(received("1.001612", 1, 8, 45), 1, unit=KINH_TE)
    # In progress and overdue by three working days.
    handed(received("1.001022", 6, 9, 15), 6)
    # Delayed once (form 04): proposed by the specialist, signed by the leader.
    delayed = handed(received("1.004884", 5, 9), 5)
    delayed.then(
        svc.propose_delay,
        spec,
        c.at(3, 9),
        new_due=c.at(-3, 17),
        reason="Cần xác minh thông tin khai sinh tại nơi đăng ký trước đây",
    ).then(
        svc.delay,
        lead,
        c.at(2, 10),
        new_due=c.at(-3, 17),
        reason="Cần xác minh thông tin khai sinh tại nơi đăng ký trước đây",
    )
    # Waiting for a supplement (form 02): paused, its old due date is not "overdue".
    handed(received("1.004873", 4, 14), 4, 15).then(
        svc.request_supplement,
        spec,
        c.at(3, 10),
        items=["Bản sao Giấy chứng nhận kết hôn trước đây", "Trích lục ghi chú ly hôn"],
        note="Hồ sơ thiếu giấy tờ chứng minh tình trạng hôn nhân trước đây",
    )
    # Awaiting payment of fees.
    handed(received("1.001612", 3, 10), 3, 14, unit=KINH_TE).then(
        svc.request_payment, spec, c.at(2, 9), note="Nộp lệ phí đăng ký hộ kinh doanh"
    )
    # Withdrawn by the citizen; stopped by the leader (form 05).
    received("2.001035", 6, 9).then(
        svc.withdraw, rec, c.at(5, 8), reason="Công dân xin rút để bổ sung hợp đồng"
    )
    stop_code = "1.004837" if "1.004837" in procs else "1.004873"
    handed(received(stop_code, 9, 9), 9).then(
        svc.stop, lead, c.at(8, 10), reason="Người được giám hộ đã chuyển nơi cư trú"
    )
    # Submitted online and waiting; submitted online then refused (form 03).
    _online(rec, procs["1.004873"], next(people), c.at(1, 20, 15))
    refused = _Story(_online(rec, procs["1.004859"], next(people), c.at(4, 21)))
    refused.then(
        svc.refuse,
        rec,
        c.at(3, 8),
        reason="Yêu cầu không thuộc thẩm quyền giải quyết của UBND xã",
    )
    # Resolved early, on time and late (not yet collected).
    handed(received("1.004873", 5, 9), 5).then(svc.resolve, spec, c.at(4, 15))
    handed(received("2.001035", 4, 8), 4, 9).then(svc.resolve, spec, c.at(2, 15))
    late_code = "1.004845" if "1.004845" in procs else "1.004873"
    handed(received(late_code, 8, 9), 8).then(svc.resolve, spec, c.at(4, 9))
    # Returned: after a supplement that moved the due date; a same-day birth registration;
    # one filed by an authorised person.
    handed(received("1.004859", 10, 9), 10).then(
        svc.request_supplement,
        spec,
        c.at(9, 9),
        items=["Bản chính Giấy khai sinh cần cải chính"],
    ).then(svc.supplement_received, rec, c.at(7, 9), note="Công dân đã nộp bổ sung").then(
        svc.resolve, spec, c.at(6, 14)
    ).then(svc.return_result, rec, c.at(5, 9), collected_by="Tòng Văn Lả")
    birth = "1.001193" if "1.001193" in procs else "1.004873"
    person = next(people)
    handed(received(birth, 11, 8, 15, who=person), 11, 9).then(
        svc.resolve, spec, c.at(11, 10, 30)
    ).then(svc.return_result, rec, c.at(11, 14), collected_by=person.name)
    handed(
        received(
            "1.004873",
            13,
            9,
            on_behalf=True,
            filer_name="Lò Văn Sướng",
            filer_phone="0964520178",
            filer_address="Bản Khá, xã Mường Phăng",
        ),
        13,
    ).then(svc.resolve, spec, c.at(11, 15)).then(
        svc.return_result, rec, c.at(10, 8), collected_by="Lò Văn Sướng (được ủy quyền)"
    )
    # Two notices given at the counter without receiving a dossier.
    record_notice(
        rec,
        "incomplete",
        _input(procs["1.001612"], PEOPLE[-1]),
        items=["Bản sao Căn cước công dân của chủ hộ kinh doanh", "Hợp đồng thuê địa điểm"],
        now=c.at(2, 15),
    )
    record_notice(
        rec,
        "refused",
        _input(procs["2.001035"], PEOPLE[-2]),
        reason="Tài sản giao dịch là đất chưa có Giấy chứng nhận quyền sử dụng đất",
        now=c.at(1, 10),
    )
    count = db.session.scalar(db.select(db.func.count(Dossier.id)))
    return f"demo dossiers: {count}"
