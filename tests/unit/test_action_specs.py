"""One declaration per action: the tables derived from it are what they were, written by hand."""

from __future__ import annotations

from counter.domain import events
from counter.domain.lifecycle import (
    ACTION_FORM,
    ACTION_SPECS,
    ACTIONS,
    Action,
    Inputs,
    Role,
    Status,
    step_label,
)
from counter.services import audit
from counter.services import dossiers as svc
from counter.web import dossiers as web

A, S, R = Action, Status, Role
COUNTER = {R.RECEPTION, R.ADMIN}
PROCESSORS = {R.SPECIALIST, R.LEADER, R.ADMIN}
PROCESSING = {S.IN_PROGRESS, S.SUPPLEMENT_REQUESTED, S.AWAITING_PAYMENT}

# The tables as they stood in counter/domain/lifecycle.py, services/dossiers.py and
# web/dossiers.py before the declaration (commit 053bec9).
OLD_LABELS = {
    A.RECEIVE: "Tiếp nhận",
    A.REFUSE: "Từ chối tiếp nhận",
    A.HAND_OVER: "Chuyển xử lý",
    A.REQUEST_SUPPLEMENT: "Yêu cầu bổ sung",
    A.SUPPLEMENT_RECEIVED: "Nhận hồ sơ bổ sung",
    A.REQUEST_PAYMENT: "Thông báo thực hiện nghĩa vụ tài chính",
    A.PAYMENT_RECEIVED: "Xác nhận đã thực hiện nghĩa vụ tài chính",
    A.PROPOSE_DELAY: "Đề xuất gia hạn",
    A.DELAY: "Gia hạn",
    A.STOP: "Dừng giải quyết hồ sơ",
    A.WITHDRAW: "Rút hồ sơ",
    A.RESOLVE: "Hoàn thành xử lý",
    A.RETURN_RESULT: "Trả kết quả",
}
OLD_FORMS = {
    A.RECEIVE: "01",
    A.REFUSE: "03",
    A.HAND_OVER: "06",
    A.REQUEST_SUPPLEMENT: "02",
    A.DELAY: "04",
    A.WITHDRAW: "05",
}
# action -> (sources, target, roles)
OLD_RULES = {
    A.RECEIVE: ({S.SUBMITTED}, S.RECEIVED, COUNTER),
    A.REFUSE: ({S.SUBMITTED}, S.REFUSED, COUNTER),
    A.HAND_OVER: ({S.RECEIVED, S.IN_PROGRESS}, S.IN_PROGRESS, PROCESSORS | {R.RECEPTION}),
    A.REQUEST_SUPPLEMENT: (
        {S.RECEIVED, S.IN_PROGRESS},
        S.SUPPLEMENT_REQUESTED,
        PROCESSORS | {R.RECEPTION},
    ),
    A.SUPPLEMENT_RECEIVED: ({S.SUPPLEMENT_REQUESTED}, S.IN_PROGRESS, COUNTER),
    A.REQUEST_PAYMENT: ({S.IN_PROGRESS}, S.AWAITING_PAYMENT, PROCESSORS),
    A.PAYMENT_RECEIVED: ({S.AWAITING_PAYMENT}, S.IN_PROGRESS, PROCESSORS),
    A.PROPOSE_DELAY: (PROCESSING, None, PROCESSORS),
    A.DELAY: (PROCESSING, None, {R.LEADER, R.ADMIN}),
    A.STOP: (PROCESSING | {S.RECEIVED}, S.STOPPED, {R.LEADER, R.ADMIN}),
    A.WITHDRAW: (PROCESSING | {S.SUBMITTED, S.RECEIVED}, S.WITHDRAWN, COUNTER),
    A.RESOLVE: ({S.IN_PROGRESS}, S.RESOLVED, PROCESSORS),
    A.RETURN_RESULT: ({S.RESOLVED}, S.RETURNED, COUNTER),
}
OLD_ROLE_SOURCES = {
    (A.REQUEST_SUPPLEMENT, R.RECEPTION): {S.RECEIVED},
    (A.HAND_OVER, R.RECEPTION): {S.RECEIVED},
}
OLD_FORM_CLASSES = {
    A.RECEIVE: "NoteForm",
    A.REFUSE: "ReasonForm",
    A.HAND_OVER: "HandOverForm",
    A.REQUEST_SUPPLEMENT: "SupplementForm",
    A.SUPPLEMENT_RECEIVED: "NoteForm",
    A.REQUEST_PAYMENT: "NoteForm",
    A.PAYMENT_RECEIVED: "NoteForm",
    A.PROPOSE_DELAY: "DelayForm",
    A.DELAY: "DelayForm",
    A.STOP: "ReasonForm",
    A.WITHDRAW: "ReasonForm",
    A.RESOLVE: "NoteForm",
    A.RETURN_RESULT: "ReturnForm",
}


def test_every_action_is_declared_exactly_once() -> None:
    declared = [spec.action for spec in ACTION_SPECS]
    assert sorted(declared) == sorted(Action)
    assert all(ACTIONS[action].action is action for action in Action)


def test_labels_forms_and_rules_are_what_they_were() -> None:
    assert {a: a.label for a in Action} == OLD_LABELS
    assert {a: f for a, f in ACTION_FORM.items() if f} == OLD_FORMS
    assert set(ACTION_FORM) == set(Action)
    assert {a: (set(s.sources), s.target, set(s.roles)) for a, s in ACTIONS.items()} == OLD_RULES
    assert {
        (a, role): set(sources)
        for a, spec in ACTIONS.items()
        for role, sources in spec.role_sources.items()
    } == OLD_ROLE_SOURCES


def test_audit_names_are_what_they_were() -> None:
    for action, label in OLD_LABELS.items():
        assert audit.ACTIONS[f"dossier_{action.value}"] == f"Hồ sơ: {label}"


def test_each_action_has_its_service_form_and_payload() -> None:
    assert set(svc.ACTION_FUNCTIONS) == set(Action)
    assert {a: f.__name__ for a, f in svc.ACTION_FUNCTIONS.items()} == {a: a.value for a in Action}
    assert set(web.INPUT_FORMS) == set(Inputs)
    assert {a: web.INPUT_FORMS[a.spec.inputs].__name__ for a in Action} == OLD_FORM_CLASSES
    for action, spec in ACTIONS.items():
        assert spec.payload.kind == action.value
        assert events.PAYLOADS[action.value] is spec.payload


def test_what_pauses_the_clock() -> None:
    assert {a for a, spec in ACTIONS.items() if spec.pauses} == {
        A.REQUEST_SUPPLEMENT,
        A.REQUEST_PAYMENT,
    }


def test_every_kind_of_event_has_a_name() -> None:
    assert step_label("hand_over") == "Chuyển xử lý"
    assert step_label("submit") == "Nộp trực tuyến"
    assert step_label("notice_refused") == "Phiếu từ chối tiếp nhận tại quầy"
    assert all(step_label(kind) != kind for kind in events.PAYLOADS)
