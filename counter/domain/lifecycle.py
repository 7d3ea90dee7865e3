"""The dossier status machine: which action moves which status, and who may act.

Statuses follow the national portal's TrangThaiHoSo (codes 1..10, H). Every
dossier starts as ``submitted``; a dossier taken at the counter is created and
received (or refused) in the same transaction, so online and counter dossiers
share one path.

Role choices (documented because the law names duties, not software roles):

* ``reception`` (one-stop officer) works at the counter: receive, refuse,
  request a supplement while the dossier is still at the counter (``received``
  only), take the supplement back, record a citizen's withdrawal, hand the
  dossier over to the processing unit (first row of form 06) and return the
  result.
* ``specialist`` processes: hand over between units, request a supplement,
  request and confirm payment, propose a delay, resolve.
* ``leader`` can do what a specialist can, plus ``delay`` (form 04 is signed by
  the head of the body) and ``stop`` (the notice of stopping, signed by the head).
* ``admin`` can do everything (data repair, small offices with one person).

An account may hold several roles (at a commune one officer often receives and
resolves a same-day chứng thực): it may do exactly what one of its roles alone
may do, each role with its own sources (reception + specialist may hand a
dossier over from processing because the specialist may).

``propose_delay`` is an extra action (not a portal status change): the
specialist's proposal the leader then signs with ``delay``. ``delay`` is allowed
once per dossier (M-H): pass ``delays_used`` to :func:`transition`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from counter.domain import events
from counter.domain.errors import NotAllowed
from counter.domain.events import EventPayload
from counter.domain.i18n import N_


class Status(StrEnum):
    """A dossier's status (trạng thái hồ sơ)."""

    SUBMITTED = "submitted"
    RECEIVED = "received"
    REFUSED = "refused"
    IN_PROGRESS = "in_progress"
    SUPPLEMENT_REQUESTED = "supplement_requested"
    AWAITING_PAYMENT = "awaiting_payment"
    WITHDRAWN = "withdrawn"
    STOPPED = "stopped"
    RESOLVED = "resolved"
    RETURNED = "returned"

    @property
    def portal_code(self) -> int:
        """TrangThaiHoSo as the national portal counts it."""
        return _PORTAL_CODES[self]

    @property
    def label(self) -> str:
        """Vietnamese name shown on screens and printouts."""
        return _STATUS_LABELS[self]


_PORTAL_CODES: dict[Status, int] = {status: i for i, status in enumerate(Status, start=1)}

# Worded as the national portal names TrangThaiHoSo (codes 1..10).
_STATUS_LABELS: dict[Status, str] = {
    Status.SUBMITTED: N_("Mới đăng ký"),
    Status.RECEIVED: N_("Được tiếp nhận"),
    Status.REFUSED: N_("Không được tiếp nhận"),
    Status.IN_PROGRESS: N_("Đang xử lý"),
    Status.SUPPLEMENT_REQUESTED: N_("Yêu cầu bổ sung giấy tờ"),
    Status.AWAITING_PAYMENT: N_("Yêu cầu thực hiện nghĩa vụ tài chính"),
    Status.WITHDRAWN: N_("Công dân yêu cầu rút hồ sơ"),
    Status.STOPPED: N_("Dừng xử lý"),
    Status.RESOLVED: N_("Đã xử lý xong"),
    Status.RETURNED: N_("Đã trả kết quả"),
}


class Role(StrEnum):
    """A user's role; functions here also accept the plain string."""

    ADMIN = "admin"
    RECEPTION = "reception"
    SPECIALIST = "specialist"
    LEADER = "leader"

    @property
    def label(self) -> str:
        """Vietnamese name of the role."""
        return _ROLE_LABELS[self]


_ROLE_LABELS: dict[Role, str] = {
    Role.ADMIN: N_("Quản trị"),
    Role.RECEPTION: N_("Cán bộ một cửa"),
    Role.SPECIALIST: N_("Chuyên viên xử lý"),
    Role.LEADER: N_("Lãnh đạo"),
}


class Action(StrEnum):
    """Something an officer does to a dossier (declared in :data:`ACTIONS`)."""

    RECEIVE = "receive"
    REFUSE = "refuse"
    HAND_OVER = "hand_over"
    REQUEST_SUPPLEMENT = "request_supplement"
    SUPPLEMENT_RECEIVED = "supplement_received"
    REQUEST_PAYMENT = "request_payment"
    PAYMENT_RECEIVED = "payment_received"
    PROPOSE_DELAY = "propose_delay"
    DELAY = "delay"
    STOP = "stop"
    WITHDRAW = "withdraw"
    RESOLVE = "resolve"
    RETURN_RESULT = "return_result"

    @property
    def label(self) -> str:
        """Vietnamese name of the action, as on the buttons."""
        return ACTIONS[self].label

    @property
    def spec(self) -> ActionSpec:
        """The action's declaration."""
        return ACTIONS[self]


class Inputs(StrEnum):
    """What an action's form asks the officer (the web layer has one form per kind)."""

    NOTE = "note"
    REASON = "reason"
    HAND_OVER = "hand_over"
    SUPPLEMENT = "supplement"
    NEW_DUE = "new_due"
    COLLECTED_BY = "collected_by"


@dataclass(frozen=True)
class ActionSpec:
    """One action, declared once: every table about actions is derived from these.

    Adding an action means an :class:`Action` member, its ``ActionSpec`` in
    :data:`ACTIONS`, its payload type (:mod:`counter.domain.events`), its service
    function (counter.services.dossiers) and, for a new kind of ``inputs``, its form.
    """

    action: Action
    label: str  # the button (an action never reads like a status)
    audit_label: str  # the audit page's name for it
    sources: frozenset[Status]  # statuses it may be taken from
    target: Status | None  # None: the status does not change
    roles: frozenset[Role]
    payload: type[EventPayload]  # what its event records
    inputs: Inputs
    form_no: str | None = None  # the form (Circular 03/2025, Annex I) printed for it
    # Narrower sources for a role than ``sources``.
    role_sources: Mapping[Role, frozenset[Status]] = field(default_factory=dict)

    @property
    def pauses(self) -> bool:
        """Whether the action stops the due-date clock (its target status is paused)."""
        return self.target is not None and is_paused(self.target)


_OPEN = frozenset(
    {
        Status.SUBMITTED,
        Status.RECEIVED,
        Status.IN_PROGRESS,
        Status.SUPPLEMENT_REQUESTED,
        Status.AWAITING_PAYMENT,
        Status.RESOLVED,
    }
)
_PROCESSING = frozenset({Status.IN_PROGRESS, Status.SUPPLEMENT_REQUESTED, Status.AWAITING_PAYMENT})

_PROCESSORS = frozenset({Role.SPECIALIST, Role.LEADER, Role.ADMIN})
_COUNTER = frozenset({Role.RECEPTION, Role.ADMIN})
_LEADERS = frozenset({Role.LEADER, Role.ADMIN})
# The counter only asks for a supplement and hands a dossier over while it is at the counter.
_AT_COUNTER_ONLY = {Role.RECEPTION: frozenset({Status.RECEIVED})}

#: Form 05 is the citizen's own request to stop (Decree 118/2025 art. 21(1)); a stop
#: the authority decides prints its notice (Thông báo dừng giải quyết hồ sơ), which has
#: no number here. Labels: one literal each so pybabel extracts them.
ACTION_SPECS: tuple[ActionSpec, ...] = (
    ActionSpec(
        Action.RECEIVE,
        N_("Tiếp nhận"),
        N_("Hồ sơ: Tiếp nhận"),
        frozenset({Status.SUBMITTED}),
        Status.RECEIVED,
        _COUNTER,
        events.Received,
        Inputs.NOTE,
        form_no="01",
    ),
    ActionSpec(
        Action.REFUSE,
        N_("Từ chối tiếp nhận"),
        N_("Hồ sơ: Từ chối tiếp nhận"),
        frozenset({Status.SUBMITTED}),
        Status.REFUSED,
        _COUNTER,
        events.Refused,
        Inputs.REASON,
        form_no="03",
    ),
    ActionSpec(
        Action.HAND_OVER,
        N_("Chuyển xử lý"),
        N_("Hồ sơ: Chuyển xử lý"),
        frozenset({Status.RECEIVED, Status.IN_PROGRESS}),
        Status.IN_PROGRESS,
        _PROCESSORS | {Role.RECEPTION},
        events.HandedOver,
        Inputs.HAND_OVER,
        form_no="06",
        role_sources=_AT_COUNTER_ONLY,
    ),
    ActionSpec(
        Action.REQUEST_SUPPLEMENT,
        N_("Yêu cầu bổ sung"),
        N_("Hồ sơ: Yêu cầu bổ sung"),
        frozenset({Status.RECEIVED, Status.IN_PROGRESS}),
        Status.SUPPLEMENT_REQUESTED,
        _PROCESSORS | {Role.RECEPTION},
        events.SupplementRequested,
        Inputs.SUPPLEMENT,
        form_no="02",
        role_sources=_AT_COUNTER_ONLY,
    ),
    ActionSpec(
        Action.SUPPLEMENT_RECEIVED,
        N_("Nhận hồ sơ bổ sung"),
        N_("Hồ sơ: Nhận hồ sơ bổ sung"),
        frozenset({Status.SUPPLEMENT_REQUESTED}),
        Status.IN_PROGRESS,
        _COUNTER,
        events.SupplementReceived,
        Inputs.NOTE,
    ),
    ActionSpec(
        Action.REQUEST_PAYMENT,
        N_("Thông báo thực hiện nghĩa vụ tài chính"),
        N_("Hồ sơ: Thông báo thực hiện nghĩa vụ tài chính"),
        frozenset({Status.IN_PROGRESS}),
        Status.AWAITING_PAYMENT,
        _PROCESSORS,
        events.PaymentRequested,
        Inputs.NOTE,
    ),
    ActionSpec(
        Action.PAYMENT_RECEIVED,
        N_("Xác nhận đã thực hiện nghĩa vụ tài chính"),
        N_("Hồ sơ: Xác nhận đã thực hiện nghĩa vụ tài chính"),
        frozenset({Status.AWAITING_PAYMENT}),
        Status.IN_PROGRESS,
        _PROCESSORS,
        events.PaymentReceived,
        Inputs.NOTE,
    ),
    ActionSpec(
        Action.PROPOSE_DELAY,
        N_("Đề xuất gia hạn"),
        N_("Hồ sơ: Đề xuất gia hạn"),
        _PROCESSING,
        None,
        _PROCESSORS,
        events.DelayProposed,
        Inputs.NEW_DUE,
    ),
    ActionSpec(
        Action.DELAY,
        N_("Gia hạn"),
        N_("Hồ sơ: Gia hạn"),
        _PROCESSING,
        None,
        _LEADERS,
        events.Delayed,
        Inputs.NEW_DUE,
        form_no="04",
    ),
    ActionSpec(
        Action.STOP,
        N_("Dừng giải quyết hồ sơ"),
        N_("Hồ sơ: Dừng giải quyết hồ sơ"),
        _PROCESSING | {Status.RECEIVED},
        Status.STOPPED,
        _LEADERS,
        events.Stopped,
        Inputs.REASON,
    ),
    ActionSpec(
        Action.WITHDRAW,
        N_("Rút hồ sơ"),
        N_("Hồ sơ: Rút hồ sơ"),
        _PROCESSING | {Status.SUBMITTED, Status.RECEIVED},
        Status.WITHDRAWN,
        _COUNTER,
        events.Withdrawn,
        Inputs.REASON,
        form_no="05",
    ),
    ActionSpec(
        Action.RESOLVE,
        N_("Hoàn thành xử lý"),
        N_("Hồ sơ: Hoàn thành xử lý"),
        frozenset({Status.IN_PROGRESS}),
        Status.RESOLVED,
        _PROCESSORS,
        events.Resolved,
        Inputs.NOTE,
    ),
    ActionSpec(
        Action.RETURN_RESULT,
        N_("Trả kết quả"),
        N_("Hồ sơ: Trả kết quả"),
        frozenset({Status.RESOLVED}),
        Status.RETURNED,
        _COUNTER,
        events.ResultReturned,
        Inputs.COLLECTED_BY,
    ),
)

#: Each action's declaration, by action.
ACTIONS: dict[Action, ActionSpec] = {spec.action: spec for spec in ACTION_SPECS}

#: The form printed when the action is taken (derived from :data:`ACTIONS`).
ACTION_FORM: dict[Action, str | None] = {action: spec.form_no for action, spec in ACTIONS.items()}

#: A delay (form 04) sets a new due date once per dossier (M-H).
MAX_DELAYS = 1

#: Whether time spent waiting for the citizen to pay fees or taxes is left out of
#: the processing time. M: land procedures exclude the time of financial
#: obligations (Decree 43/2014 Art. 61 and its successors); practice elsewhere
#: is assumed to follow. Flip it here if the province says otherwise.
AWAITING_PAYMENT_PAUSES_CLOCK = True


def step_label(kind: str) -> str:
    """What an event is called on the timeline: its action's label, or its kind's name."""
    if kind in _ACTION_VALUES:
        return Action(kind).label
    return events.KIND_LABELS.get(kind, kind)


_ACTION_VALUES = frozenset(action.value for action in Action)


#: One role name, or the roles an account holds (several roles: their union).
Roles = str | Iterable[str]


def _as_roles(roles: Roles) -> frozenset[Role]:
    """The known roles among ``roles``; a plain string is one role."""
    names = [roles] if isinstance(roles, str) else list(roles)
    return frozenset(Role(name) for name in names if name in _ROLE_VALUES)


_ROLE_VALUES = frozenset(role.value for role in Role)


def _permits(action: Action, status: Status, roles: frozenset[Role]) -> bool:
    """Whether one of the roles alone permits the action (each with its own sources)."""
    spec = ACTIONS[action]
    return any(
        role in spec.roles and status in spec.role_sources.get(role, spec.sources) for role in roles
    )


def allowed_actions(status: Status | str, roles: Roles) -> list[Action]:
    """The actions these roles may take on a dossier in this status, in menu order.

    With several roles, the union of what each role alone may do.
    """
    status = Status(status)
    held = _as_roles(roles)
    return [action for action in Action if _permits(action, status, held)]


def transition(
    status: Status | str, action: Action | str, roles: Roles, *, delays_used: int = 0
) -> Status:
    """Return the status after ``action``, or raise NotAllowed with the reason.

    ``roles`` is one role or the set an account holds; ``delays_used`` is how
    many delays (form 04) the dossier already had.
    """
    status = Status(status)
    action = Action(action)
    spec = ACTIONS[action]
    if status not in spec.sources:
        raise NotAllowed(
            N_("Không thể '%(action)s' khi hồ sơ đang ở trạng thái '%(status)s'."),
            action=action.label,
            status=status.label,
        )
    held = _as_roles(roles)
    if not _permits(action, status, held):
        names = [roles] if isinstance(roles, str) else sorted(roles)
        raise NotAllowed(
            N_(
                "Vai trò '%(roles)s' không được '%(action)s' khi hồ sơ đang ở trạng thái '%(status)s'."
            ),
            roles=[role.label for role in Role if role in held] or names,
            action=action.label,
            status=status.label,
        )
    if action is Action.DELAY and delays_used >= MAX_DELAYS:
        raise NotAllowed(N_("Hồ sơ đã được gia hạn một lần; không thể gia hạn thêm."))
    return spec.target or status


def is_open(status: Status | str) -> bool:
    """Whether the dossier still needs work from the office (resolved but not returned counts)."""
    return Status(status) in _OPEN


def is_paused(status: Status | str) -> bool:
    """Whether the due-date clock is stopped while the dossier is in this status."""
    status = Status(status)
    if status is Status.SUPPLEMENT_REQUESTED:
        return True
    return status is Status.AWAITING_PAYMENT and AWAITING_PAYMENT_PAUSES_CLOCK
