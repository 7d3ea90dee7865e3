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

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from counter.domain.errors import NotAllowed
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
    """Something an officer does to a dossier."""

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
        return _ACTION_LABELS[self]


# A button never reads like a status: "Dừng giải quyết hồ sơ" acts, "Dừng xử lý" is.
_ACTION_LABELS: dict[Action, str] = {
    Action.RECEIVE: N_("Tiếp nhận"),
    Action.REFUSE: N_("Từ chối tiếp nhận"),
    Action.HAND_OVER: N_("Chuyển xử lý"),
    Action.REQUEST_SUPPLEMENT: N_("Yêu cầu bổ sung"),
    Action.SUPPLEMENT_RECEIVED: N_("Nhận hồ sơ bổ sung"),
    Action.REQUEST_PAYMENT: N_("Thông báo thực hiện nghĩa vụ tài chính"),
    Action.PAYMENT_RECEIVED: N_("Xác nhận đã thực hiện nghĩa vụ tài chính"),
    Action.PROPOSE_DELAY: N_("Đề xuất gia hạn"),
    Action.DELAY: N_("Gia hạn"),
    Action.STOP: N_("Dừng giải quyết hồ sơ"),
    Action.WITHDRAW: N_("Rút hồ sơ"),
    Action.RESOLVE: N_("Hoàn thành xử lý"),
    Action.RETURN_RESULT: N_("Trả kết quả"),
}

#: The form (Circular 03/2025, Annex I) printed when the action is taken. Form 05 is the
#: citizen's own request to stop (Decree 118/2025 art. 21(1)); a stop the authority
#: decides prints its notice (Thông báo dừng giải quyết hồ sơ), which has no number here.
ACTION_FORM: dict[Action, str | None] = {
    Action.RECEIVE: "01",
    Action.REFUSE: "03",
    Action.HAND_OVER: "06",
    Action.REQUEST_SUPPLEMENT: "02",
    Action.SUPPLEMENT_RECEIVED: None,
    Action.REQUEST_PAYMENT: None,
    Action.PAYMENT_RECEIVED: None,
    Action.PROPOSE_DELAY: None,
    Action.DELAY: "04",
    Action.STOP: None,
    Action.WITHDRAW: "05",
    Action.RESOLVE: None,
    Action.RETURN_RESULT: None,
}

#: A delay (form 04) sets a new due date once per dossier (M-H).
MAX_DELAYS = 1

#: Whether time spent waiting for the citizen to pay fees or taxes is left out of
#: the processing time. M: land procedures exclude the time of financial
#: obligations (Decree 43/2014 Art. 61 and its successors); practice elsewhere
#: is assumed to follow. Flip it here if the province says otherwise.
AWAITING_PAYMENT_PAUSES_CLOCK = True

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


@dataclass(frozen=True)
class _Rule:
    sources: frozenset[Status]
    target: Status | None  # None: the status does not change
    roles: frozenset[Role]


_RULES: dict[Action, _Rule] = {
    Action.RECEIVE: _Rule(
        frozenset({Status.SUBMITTED}), Status.RECEIVED, frozenset({Role.RECEPTION, Role.ADMIN})
    ),
    Action.REFUSE: _Rule(
        frozenset({Status.SUBMITTED}), Status.REFUSED, frozenset({Role.RECEPTION, Role.ADMIN})
    ),
    Action.HAND_OVER: _Rule(
        frozenset({Status.RECEIVED, Status.IN_PROGRESS}),
        Status.IN_PROGRESS,
        _PROCESSORS | {Role.RECEPTION},
    ),
    Action.REQUEST_SUPPLEMENT: _Rule(
        frozenset({Status.RECEIVED, Status.IN_PROGRESS}),
        Status.SUPPLEMENT_REQUESTED,
        _PROCESSORS | {Role.RECEPTION},
    ),
    Action.SUPPLEMENT_RECEIVED: _Rule(
        frozenset({Status.SUPPLEMENT_REQUESTED}),
        Status.IN_PROGRESS,
        frozenset({Role.RECEPTION, Role.ADMIN}),
    ),
    Action.REQUEST_PAYMENT: _Rule(
        frozenset({Status.IN_PROGRESS}), Status.AWAITING_PAYMENT, _PROCESSORS
    ),
    Action.PAYMENT_RECEIVED: _Rule(
        frozenset({Status.AWAITING_PAYMENT}), Status.IN_PROGRESS, _PROCESSORS
    ),
    Action.PROPOSE_DELAY: _Rule(_PROCESSING, None, _PROCESSORS),
    Action.DELAY: _Rule(_PROCESSING, None, frozenset({Role.LEADER, Role.ADMIN})),
    Action.STOP: _Rule(
        _PROCESSING | {Status.RECEIVED}, Status.STOPPED, frozenset({Role.LEADER, Role.ADMIN})
    ),
    Action.WITHDRAW: _Rule(
        _PROCESSING | {Status.SUBMITTED, Status.RECEIVED},
        Status.WITHDRAWN,
        frozenset({Role.RECEPTION, Role.ADMIN}),
    ),
    Action.RESOLVE: _Rule(frozenset({Status.IN_PROGRESS}), Status.RESOLVED, _PROCESSORS),
    Action.RETURN_RESULT: _Rule(
        frozenset({Status.RESOLVED}), Status.RETURNED, frozenset({Role.RECEPTION, Role.ADMIN})
    ),
}

# Narrower sources for a role: the counter only asks for a supplement and hands
# a dossier over while the dossier is still at the counter.
_ROLE_SOURCES: dict[tuple[Action, Role], frozenset[Status]] = {
    (Action.REQUEST_SUPPLEMENT, Role.RECEPTION): frozenset({Status.RECEIVED}),
    (Action.HAND_OVER, Role.RECEPTION): frozenset({Status.RECEIVED}),
}


#: One role name, or the roles an account holds (several roles: their union).
Roles = str | Iterable[str]


def _as_roles(roles: Roles) -> frozenset[Role]:
    """The known roles among ``roles``; a plain string is one role."""
    names = [roles] if isinstance(roles, str) else list(roles)
    return frozenset(Role(name) for name in names if name in _ROLE_VALUES)


_ROLE_VALUES = frozenset(role.value for role in Role)


def _permits(action: Action, status: Status, roles: frozenset[Role]) -> bool:
    """Whether one of the roles alone permits the action (each with its own sources)."""
    rule = _RULES[action]
    return any(
        role in rule.roles and status in _ROLE_SOURCES.get((action, role), rule.sources)
        for role in roles
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
    rule = _RULES[action]
    if status not in rule.sources:
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
    return rule.target or status


def is_open(status: Status | str) -> bool:
    """Whether the dossier still needs work from the office (resolved but not returned counts)."""
    return Status(status) in _OPEN


def is_paused(status: Status | str) -> bool:
    """Whether the due-date clock is stopped while the dossier is in this status."""
    status = Status(status)
    if status is Status.SUPPLEMENT_REQUESTED:
        return True
    return status is Status.AWAITING_PAYMENT and AWAITING_PAYMENT_PAUSES_CLOCK
