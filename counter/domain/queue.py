"""The local queue's rules (hàng đợi): ticket statuses, priority, when the kiosk is open,
and how long a citizen waits. Pure: no Flask, no SQLAlchemy.

A ticket lives one day. The kiosk issues it ``waiting``; a counter calls it
(``called``), may call it again, then starts (``serving``) and finishes it
(``done``), or marks it absent (``no_show``) once it has been called again
:data:`NO_SHOW_AFTER_RECALLS` times. A counter may transfer a called or served ticket
to another service or counter: it waits again (``transferred``) in its old place,
the time it was issued, so the citizen does not start again.

Order of calling: priority tickets first (the law serves some people first), then the
oldest issue time; ties by ticket id, which follows the order of issue.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from counter.domain.calendar import OfficeHours, WorkingCalendar
from counter.domain.errors import NotAllowed, ValidationError
from counter.domain.i18n import N_, Message


class TicketStatus(StrEnum):
    """Where a ticket stands."""

    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    DONE = "done"
    NO_SHOW = "no_show"
    TRANSFERRED = "transferred"  # waiting again, for another service or counter

    @property
    def label(self) -> Message:
        """The status as the counter page shows it."""
        return STATUS_LABELS[self]


STATUS_LABELS = {
    TicketStatus.WAITING: N_("Đang chờ"),
    TicketStatus.CALLED: N_("Đã gọi"),
    TicketStatus.SERVING: N_("Đang phục vụ"),
    TicketStatus.DONE: N_("Đã xong"),
    TicketStatus.NO_SHOW: N_("Vắng mặt"),
    TicketStatus.TRANSFERRED: N_("Chuyển quầy, đang chờ"),
}
#: A ticket in one of these waits to be called.
WAITING = (TicketStatus.WAITING.value, TicketStatus.TRANSFERRED.value)
#: A ticket in one of these is at a counter.
AT_COUNTER = (TicketStatus.CALLED.value, TicketStatus.SERVING.value)

#: Who the law serves first (ưu tiên): the button on the kiosk names them. Elderly
#: people (Law on the Elderly 2009, Art. 3: from 60), people with disabilities (Law on
#: Persons with Disabilities 2010), pregnant women and people bringing a child under
#: 36 months (Labour Code 2019 Art. 137, Law on Children 2016), people with merit to the
#: revolution (Ordinance 02/2020/UBTVQH14); the one-stop rules (Decree 61/2018/NĐ-CP as
#: amended, Art. 17) give them priority at the counter.
PRIORITY_KINDS: dict[str, Message] = {
    "elderly": N_("Người cao tuổi"),
    "disability": N_("Người khuyết tật"),
    "pregnant": N_("Phụ nữ mang thai"),
    "child": N_("Người đi cùng con dưới 36 tháng tuổi"),
    "merit": N_("Người có công với cách mạng"),
}
#: The priority button's own words, when the citizen does not say which.
PRIORITY_ANY = "any"

#: The default of the setting ``QUEUE_NO_SHOW_AFTER_RECALLS``.
NO_SHOW_AFTER_RECALLS = 2
_LETTER_RE = re.compile(r"^[A-Z]$")
#: Served tickets of today a service needs before its own times replace its default.
MIN_SAMPLES = 3


def validate_letter(value: str) -> str:
    """A service's letter, upper-cased: one letter A–Z, without a Vietnamese mark."""
    letter = (value or "").strip().upper()
    if not _LETTER_RE.match(letter):
        raise ValidationError(
            N_("Chữ cái của dịch vụ phải là một chữ cái từ A đến Z (không dấu), ví dụ A."),
            field="letter",
        )
    return letter


def priority_line(priority: bool, kind: str) -> str:
    """The ticket's priority line: "Ưu tiên: Người cao tuổi", "Ưu tiên", or "" (Vietnamese,
    as printed and as the kiosk says it)."""
    if not priority:
        return ""
    if kind in PRIORITY_KINDS:
        return str(Message(N_("Ưu tiên: %(who)s"), who=PRIORITY_KINDS[kind]))
    return str(N_("Ưu tiên"))


def check_priority_kind(kind: str) -> str:
    """A priority kind from the kiosk ("" for none, ``any`` when unspecified)."""
    value = (kind or "").strip()
    if value and value != PRIORITY_ANY and value not in PRIORITY_KINDS:
        raise ValidationError(N_("Loại ưu tiên không hợp lệ."), field="priority")
    return value


# -- status changes ------------------------------------------------------------------

#: (from statuses, to status) of each counter action.
_MOVES: dict[str, tuple[tuple[str, ...], TicketStatus]] = {
    "recall": ((TicketStatus.CALLED.value,), TicketStatus.CALLED),
    "start": ((TicketStatus.CALLED.value,), TicketStatus.SERVING),
    "finish": (AT_COUNTER, TicketStatus.DONE),
    "no_show": ((TicketStatus.CALLED.value,), TicketStatus.NO_SHOW),
    "transfer": (AT_COUNTER, TicketStatus.TRANSFERRED),
}
ACTION_LABELS = {
    "recall": N_("Gọi lại"),
    "start": N_("Bắt đầu phục vụ"),
    "finish": N_("Xong"),
    "no_show": N_("Vắng mặt"),
    "transfer": N_("Chuyển"),
}


def move(action: str, status: str, *, recalls: int = 0, needed_recalls: int = 2) -> TicketStatus:
    """The status a counter action leads to, or NotAllowed in Vietnamese."""
    allowed, to = _MOVES[action]
    if status not in allowed:
        raise NotAllowed(
            N_("Không thể «%(action)s» khi số thứ tự ở trạng thái «%(status)s»."),
            action=ACTION_LABELS[action],
            status=TicketStatus(status).label,
        )
    if action == "no_show" and recalls < needed_recalls:
        raise NotAllowed(
            N_(
                "Hãy gọi lại thêm %(left)s lần trước khi đánh dấu vắng mặt "
                "(quy định: gọi lại %(needed)s lần)."
            ),
            left=needed_recalls - recalls,
            needed=needed_recalls,
        )
    return to


# -- open or closed ------------------------------------------------------------------


@dataclass(frozen=True)
class Opening:
    """Whether the kiosk issues tickets at a moment, and if not, when it opens next."""

    is_open: bool
    next_open: datetime | None = None  # local naive
    day_off_reason: str | None = None


def opening(now: datetime, calendar: WorkingCalendar, hours: OfficeHours) -> Opening:
    """Open inside a session of a working day; else the next session's start (local naive)."""
    today = now.date()
    reason = calendar.reason(today)
    if reason is None:
        for start, end in hours.sessions:
            if start <= now.time() < end:
                return Opening(True)
            if now.time() < start:
                return Opening(False, datetime.combine(today, start))
    day = calendar.next_working_day(today)
    return Opening(False, datetime.combine(day, hours.opening), reason)


def closed_error(state: Opening, today: date) -> ValidationError:
    """The kiosk's refusal: closed now, and when it opens, in Vietnamese."""
    assert state.next_open is not None
    at = state.next_open
    when = {"time": f"{at:%H:%M}", "date": f"{at:%d/%m/%Y}"}
    if state.day_off_reason is not None:
        return ValidationError(
            N_(
                "Hôm nay là ngày nghỉ (%(reason)s). Bộ phận Một cửa mở cửa lúc %(time)s ngày %(date)s."
            ),
            reason=state.day_off_reason,
            **when,
        )
    if at.date() == today:
        return ValidationError(
            N_("Hiện ngoài giờ làm việc. Bộ phận Một cửa mở cửa lúc %(time)s hôm nay."),
            time=when["time"],
        )
    return ValidationError(
        N_("Hiện ngoài giờ làm việc. Bộ phận Một cửa mở cửa lúc %(time)s ngày %(date)s."),
        **when,
    )


# -- the wait ------------------------------------------------------------------------


def minutes_per_citizen(served: Sequence[timedelta], default_minutes: int) -> float:
    """Today's median service time of a service, or its default before it has enough."""
    if len(served) < MIN_SAMPLES:
        return float(max(1, default_minutes))
    return max(0.5, statistics.median(t.total_seconds() for t in served) / 60)


def estimated_wait(ahead: int, minutes_each: float, counters: int) -> int:
    """Minutes until a ticket with ``ahead`` tickets before it is called, rounded up."""
    if ahead <= 0:
        return 0
    return int(-(-ahead * minutes_each // max(1, counters)))
