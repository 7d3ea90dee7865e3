"""The dossier status machine: every (status, action, role) is either allowed or refused."""

import itertools

import pytest

from counter.domain import lifecycle
from counter.domain.errors import CounterError, NotAllowed
from counter.domain.lifecycle import (
    ACTION_FORM,
    MAX_DELAYS,
    Action,
    Role,
    Status,
    allowed_actions,
    is_open,
    is_paused,
    transition,
)

S = Status
A = Action
RECEPTION, SPECIALIST, LEADER, ADMIN = "reception", "specialist", "leader", "admin"
PROCESSORS = {SPECIALIST, LEADER, ADMIN}
PROCESSING = {S.IN_PROGRESS, S.SUPPLEMENT_REQUESTED, S.AWAITING_PAYMENT}

# The expected machine, written out by hand from the brief and domain.md:
# (action, from status) -> (to status, roles allowed)
EXPECTED: dict[tuple[Action, Status], tuple[Status, set[str]]] = {
    (A.RECEIVE, S.SUBMITTED): (S.RECEIVED, {RECEPTION, ADMIN}),
    (A.REFUSE, S.SUBMITTED): (S.REFUSED, {RECEPTION, ADMIN}),
    (A.HAND_OVER, S.RECEIVED): (S.IN_PROGRESS, PROCESSORS | {RECEPTION}),
    (A.HAND_OVER, S.IN_PROGRESS): (S.IN_PROGRESS, PROCESSORS),
    (A.REQUEST_SUPPLEMENT, S.RECEIVED): (S.SUPPLEMENT_REQUESTED, PROCESSORS | {RECEPTION}),
    (A.REQUEST_SUPPLEMENT, S.IN_PROGRESS): (S.SUPPLEMENT_REQUESTED, PROCESSORS),
    (A.SUPPLEMENT_RECEIVED, S.SUPPLEMENT_REQUESTED): (S.IN_PROGRESS, {RECEPTION, ADMIN}),
    (A.REQUEST_PAYMENT, S.IN_PROGRESS): (S.AWAITING_PAYMENT, PROCESSORS),
    (A.PAYMENT_RECEIVED, S.AWAITING_PAYMENT): (S.IN_PROGRESS, PROCESSORS),
    **{(A.PROPOSE_DELAY, s): (s, PROCESSORS) for s in PROCESSING},
    **{(A.DELAY, s): (s, {LEADER, ADMIN}) for s in PROCESSING},
    **{(A.STOP, s): (S.STOPPED, {LEADER, ADMIN}) for s in PROCESSING | {S.RECEIVED}},
    **{
        (A.WITHDRAW, s): (S.WITHDRAWN, {RECEPTION, ADMIN})
        for s in PROCESSING | {S.SUBMITTED, S.RECEIVED}
    },
    (A.RESOLVE, S.IN_PROGRESS): (S.RESOLVED, PROCESSORS),
    (A.RETURN_RESULT, S.RESOLVED): (S.RETURNED, {RECEPTION, ADMIN}),
}
ROLES = [RECEPTION, SPECIALIST, LEADER, ADMIN]
ALL_CASES = list(itertools.product(Action, Status, ROLES))


def _id(case: tuple[Action, Status, str]) -> str:
    return "-".join(map(str, case))


ALLOWED = [c for c in ALL_CASES if c[2] in EXPECTED.get((c[0], c[1]), (None, set()))[1]]
REFUSED = [c for c in ALL_CASES if c not in ALLOWED]


def test_portal_codes_follow_the_national_table() -> None:
    assert [(s.value, s.portal_code) for s in Status] == [
        ("submitted", 1),
        ("received", 2),
        ("refused", 3),
        ("in_progress", 4),
        ("supplement_requested", 5),
        ("awaiting_payment", 6),
        ("withdrawn", 7),
        ("stopped", 8),
        ("resolved", 9),
        ("returned", 10),
    ]


def test_every_status_action_and_role_has_a_vietnamese_label() -> None:
    for item in [*Status, *Action, *Role]:
        assert item.label and item.label != item.value


def test_status_labels_are_worded_as_the_national_portal_words_them() -> None:
    assert {s: s.label for s in Status} == {
        S.SUBMITTED: "Mới đăng ký",
        S.RECEIVED: "Được tiếp nhận",
        S.REFUSED: "Không được tiếp nhận",
        S.IN_PROGRESS: "Đang xử lý",
        S.SUPPLEMENT_REQUESTED: "Yêu cầu bổ sung giấy tờ",
        S.AWAITING_PAYMENT: "Yêu cầu thực hiện nghĩa vụ tài chính",
        S.WITHDRAWN: "Công dân yêu cầu rút hồ sơ",
        S.STOPPED: "Dừng xử lý",
        S.RESOLVED: "Đã xử lý xong",
        S.RETURNED: "Đã trả kết quả",
    }


def test_a_button_never_reads_like_a_status() -> None:
    """An officer must tell "what I can do" from "where the dossier is" at a glance."""
    statuses = {s.label.casefold() for s in Status}
    assert not [a.label for a in Action if a.label.casefold() in statuses]


def test_statuses_are_strings() -> None:
    assert Status("in_progress") is S.IN_PROGRESS
    assert S.IN_PROGRESS == "in_progress"


@pytest.mark.parametrize("case", ALLOWED, ids=_id)
def test_allowed_transition(case: tuple[Action, Status, str]) -> None:
    action, status, role = case
    assert transition(status, action, role) is EXPECTED[(action, status)][0]
    assert action in allowed_actions(status, role)


@pytest.mark.parametrize("case", REFUSED, ids=_id)
def test_refused_transition(case: tuple[Action, Status, str]) -> None:
    action, status, role = case
    with pytest.raises(NotAllowed) as excinfo:
        transition(status, action, role)
    assert f"'{action.label}'" in excinfo.value.message
    assert f"'{status.label}'" in excinfo.value.message
    assert action not in allowed_actions(status, role)


def test_wrong_status_message_is_the_documented_sentence() -> None:
    with pytest.raises(NotAllowed) as excinfo:
        transition("in_progress", "return_result", "reception")
    assert excinfo.value.message == (
        "Không thể 'Trả kết quả' khi hồ sơ đang ở trạng thái 'Đang xử lý'."
    )


def test_wrong_role_message_names_the_role() -> None:
    with pytest.raises(NotAllowed) as excinfo:
        transition("in_progress", "resolve", "reception")
    assert excinfo.value.message.startswith("Vai trò 'Cán bộ một cửa' không được 'Hoàn thành")


def test_unknown_role_may_do_nothing() -> None:
    assert all(allowed_actions(s, "visitor") == [] for s in Status)
    with pytest.raises(NotAllowed, match="visitor"):
        transition("submitted", "receive", "visitor")


def test_not_allowed_is_a_counter_error() -> None:
    with pytest.raises(CounterError):
        transition("returned", "resolve", "admin")


def test_delay_only_once() -> None:
    assert MAX_DELAYS == 1
    assert transition("in_progress", "delay", "leader", delays_used=0) is S.IN_PROGRESS
    with pytest.raises(NotAllowed, match="một lần"):
        transition("in_progress", "delay", "leader", delays_used=1)


def test_allowed_actions_menus() -> None:
    assert allowed_actions("submitted", "reception") == [A.RECEIVE, A.REFUSE, A.WITHDRAW]
    assert allowed_actions("received", "reception") == [
        A.HAND_OVER,
        A.REQUEST_SUPPLEMENT,
        A.WITHDRAW,
    ]
    assert allowed_actions("in_progress", "specialist") == [
        A.HAND_OVER,
        A.REQUEST_SUPPLEMENT,
        A.REQUEST_PAYMENT,
        A.PROPOSE_DELAY,
        A.RESOLVE,
    ]
    assert allowed_actions("resolved", "reception") == [A.RETURN_RESULT]
    for final in (S.REFUSED, S.WITHDRAWN, S.STOPPED, S.RETURNED):
        assert allowed_actions(final, "admin") == []


def test_leader_can_do_all_a_specialist_can() -> None:
    for status in Status:
        assert set(allowed_actions(status, "specialist")) <= set(allowed_actions(status, "leader"))


def test_admin_can_do_everything_anyone_can() -> None:
    for status in Status:
        union = {a for role in ROLES for a in allowed_actions(status, role)}
        assert set(allowed_actions(status, "admin")) == union


def test_forms_per_action() -> None:
    assert set(ACTION_FORM) == set(Action)
    assert {a: f for a, f in ACTION_FORM.items() if f} == {
        A.RECEIVE: "01",
        A.REQUEST_SUPPLEMENT: "02",
        A.REFUSE: "03",
        A.DELAY: "04",
        # The citizen's own request (Decree 118/2025 art. 21(1)); a stop the authority
        # decides is its notice, not form 05.
        A.WITHDRAW: "05",
        A.HAND_OVER: "06",
    }


def test_open_statuses() -> None:
    assert {s for s in Status if is_open(s)} == {
        S.SUBMITTED,
        S.RECEIVED,
        S.IN_PROGRESS,
        S.SUPPLEMENT_REQUESTED,
        S.AWAITING_PAYMENT,
        S.RESOLVED,
    }


def test_final_statuses_are_exactly_those_with_no_way_out() -> None:
    for status in Status:
        assert is_open(status) == bool(allowed_actions(status, "admin"))


def test_paused_statuses(monkeypatch: pytest.MonkeyPatch) -> None:
    assert {s for s in Status if is_paused(s)} == {S.SUPPLEMENT_REQUESTED, S.AWAITING_PAYMENT}
    monkeypatch.setattr(lifecycle, "AWAITING_PAYMENT_PAUSES_CLOCK", False)
    assert {s for s in Status if is_paused(s)} == {S.SUPPLEMENT_REQUESTED}


def test_a_typical_counter_dossier_walks_to_returned() -> None:
    steps = [
        (A.RECEIVE, RECEPTION),
        (A.HAND_OVER, RECEPTION),
        (A.HAND_OVER, SPECIALIST),
        (A.REQUEST_SUPPLEMENT, SPECIALIST),
        (A.SUPPLEMENT_RECEIVED, RECEPTION),
        (A.REQUEST_PAYMENT, SPECIALIST),
        (A.PAYMENT_RECEIVED, SPECIALIST),
        (A.DELAY, LEADER),
        (A.RESOLVE, SPECIALIST),
        (A.RETURN_RESULT, RECEPTION),
    ]
    status = S.SUBMITTED
    for action, role in steps:
        status = transition(status, action, role)
    assert status is S.RETURNED


# -- one officer, several roles (issue 8) -----------------------------------------

ROLE_SETS = [
    set(combo) for n in range(len(ROLES) + 1) for combo in itertools.combinations(ROLES, n)
]


@pytest.mark.parametrize("roles", ROLE_SETS, ids=lambda r: "+".join(sorted(r)) or "none")
def test_several_roles_may_do_exactly_what_one_of_them_may(roles: set[str]) -> None:
    for status in Status:
        union = {a for role in roles for a in allowed_actions(status, role)}
        assert set(allowed_actions(status, roles)) == union
        for action in Action:
            if action in union:
                assert transition(status, action, roles) is EXPECTED[(action, status)][0]
            else:
                with pytest.raises(NotAllowed):
                    transition(status, action, roles)


def test_reception_and_specialist_together_take_a_dossier_from_counter_to_citizen() -> None:
    both = frozenset({RECEPTION, SPECIALIST})
    status = S.SUBMITTED
    for action in (A.RECEIVE, A.HAND_OVER, A.RESOLVE, A.RETURN_RESULT):
        assert action in allowed_actions(status, both)
        status = transition(status, action, both)
    assert status is S.RETURNED
    # Each role keeps its own narrower sources: the pair may hand over from processing
    # because the specialist may, not because the counter suddenly can.
    assert A.HAND_OVER in allowed_actions(S.IN_PROGRESS, both)
    assert A.HAND_OVER not in allowed_actions(S.IN_PROGRESS, RECEPTION)


def test_wrong_roles_message_names_every_role_held() -> None:
    with pytest.raises(NotAllowed) as excinfo:
        transition("in_progress", "delay", ["specialist", "reception"])
    assert excinfo.value.message.startswith(
        "Vai trò 'Cán bộ một cửa, Chuyên viên xử lý' không được"
    )
