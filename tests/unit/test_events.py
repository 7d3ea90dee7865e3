"""Typed event payloads: the one JSON reading and writing of an event's detail."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest

from counter.domain import events as ev
from counter.domain.due import Timeliness

T0 = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
T1 = datetime(2026, 12, 1, 3, 30, tzinfo=UTC)

#: One full example of every kind, every field set to something not its default.
EXAMPLES: list[ev.EventPayload] = [
    ev.Submitted(),
    ev.Received(documents=3, attachments=0),
    ev.Refused(reason="Thiếu chữ ký"),
    ev.HandedOver(
        from_unit="Bộ phận Một cửa",
        to_unit="Công chức Tư pháp - Hộ tịch",
        result=Timeliness.EARLY,
        assigned_to="Quàng Văn Minh",
        assigned_to_id=7,
    ),
    ev.SupplementRequested(items=("Bản sao CCCD", "Xác nhận cư trú"), pause=ev.Pause(started=T0)),
    ev.SupplementReceived(pause=ev.Pause(started=T0, ended=T1, working_minutes=480)),
    ev.PaymentRequested(pause=ev.Pause(started=T0)),
    ev.PaymentReceived(pause=ev.Pause(started=T0, ended=T1, working_minutes=0)),
    ev.DelayProposed(reason="Chờ xác minh", proposed_due=T1, late_notice=True),
    ev.Delayed(reason="Chờ xác minh", late_notice=True),
    ev.Stopped(reason="Hồ sơ giả mạo", pause=ev.Pause(started=T0, ended=T1, working_minutes=5)),
    ev.Withdrawn(reason="Người nộp xin rút"),
    ev.Resolved(timeliness=Timeliness.LATE),
    ev.ResultReturned(collected_by="Lò Văn Phượng"),
    ev.IncompleteNotice(number="02-261130-0001", items=("Tờ khai",), reason="Thiếu"),
    ev.RefusalNotice(number="03-261130-0001", reason="Không thuộc thẩm quyền"),
]


def test_every_kind_has_an_example_and_a_distinct_name() -> None:
    assert sorted(type(p).kind for p in EXAMPLES) == sorted(ev.PAYLOADS)
    assert all(kind for kind in ev.PAYLOADS)


@pytest.mark.parametrize("payload", EXAMPLES, ids=lambda p: type(p).kind)
def test_a_payload_reads_back_as_written(payload: ev.EventPayload) -> None:
    assert ev.from_detail(payload.kind, ev.to_detail(payload)) == payload


@pytest.mark.parametrize("payload", EXAMPLES, ids=lambda p: type(p).kind)
def test_a_bare_payload_reads_back_as_written(payload: ev.EventPayload) -> None:
    bare = type(payload)()
    assert ev.from_detail(bare.kind, ev.to_detail(bare)) == bare


# The JSON the services wrote before payloads were typed (counter/services/dossiers.py,
# reception.py, demo.py up to commit 053bec9): the same keys must come out now.
OLD_ROWS: list[tuple[str, dict[str, Any], ev.EventPayload]] = [
    ("submit", {}, ev.Submitted()),
    ("receive", {"documents": 2, "attachments": 1}, ev.Received(documents=2, attachments=1)),
    ("receive", {}, ev.Received()),  # an online dossier accepted at the counter
    ("refuse", {"reason": "Thiếu chữ ký"}, ev.Refused(reason="Thiếu chữ ký")),
    (
        "hand_over",
        {"from_unit": "Bộ phận Một cửa", "to_unit": "Tư pháp", "result": "on_time"},
        ev.HandedOver(from_unit="Bộ phận Một cửa", to_unit="Tư pháp", result=Timeliness.ON_TIME),
    ),
    (
        "hand_over",
        {
            "from_unit": "Tư pháp",
            "to_unit": "Lãnh đạo",
            "result": "late",
            "assigned_to": "Quàng Văn Minh",
            "assigned_to_id": 4,
        },
        ev.HandedOver(
            from_unit="Tư pháp",
            to_unit="Lãnh đạo",
            result=Timeliness.LATE,
            assigned_to="Quàng Văn Minh",
            assigned_to_id=4,
        ),
    ),
    (
        "request_supplement",
        {"items": ["Bản sao CCCD"], "paused_from": T0.isoformat()},
        ev.SupplementRequested(items=("Bản sao CCCD",), pause=ev.Pause(started=T0)),
    ),
    (
        "supplement_received",
        {
            "paused_from": T0.isoformat(),
            "paused_until": T1.isoformat(),
            "paused_working_minutes": 480,
        },
        ev.SupplementReceived(pause=ev.Pause(started=T0, ended=T1, working_minutes=480)),
    ),
    (
        "propose_delay",
        {"late_notice": True, "reason": "Chờ", "proposed_due": T1.isoformat()},
        ev.DelayProposed(reason="Chờ", proposed_due=T1, late_notice=True),
    ),
    ("delay", {"reason": "Chờ"}, ev.Delayed(reason="Chờ")),
    ("stop", {"reason": "Giả mạo"}, ev.Stopped(reason="Giả mạo")),
    ("withdraw", {"reason": "Xin rút"}, ev.Withdrawn(reason="Xin rút")),
    ("resolve", {"timeliness": "early"}, ev.Resolved(timeliness=Timeliness.EARLY)),
    ("return_result", {"collected_by": "Lò Văn A"}, ev.ResultReturned(collected_by="Lò Văn A")),
]


@pytest.mark.parametrize(("kind", "detail", "payload"), OLD_ROWS, ids=lambda v: str(v)[:30])
def test_a_row_stored_by_older_code_reads_and_is_written_the_same(
    kind: str, detail: dict[str, Any], payload: ev.EventPayload
) -> None:
    assert ev.from_detail(kind, detail) == payload
    assert ev.to_detail(payload) == detail


def test_missing_or_mistyped_keys_read_as_the_defaults() -> None:
    # A handover row with no recorded result (form 06 then judges it by its time).
    assert ev.from_detail("hand_over", {"from_unit": "A", "to_unit": "B"}) == ev.HandedOver(
        from_unit="A", to_unit="B"
    )
    odd = {
        "result": "sớm",
        "assigned_to_id": "7",
        "to_unit": 12,
        "paused_from": "not a date",
        "something_else": [1, 2],
    }
    assert ev.from_detail("hand_over", odd) == ev.HandedOver()
    assert ev.from_detail("resolve", None) == ev.Resolved()
    assert ev.from_detail("resolve", ["not", "a", "mapping"]) == ev.Resolved()
    # Items typed as one text, one per line, and blank lines dropped.
    assert ev.from_detail("request_supplement", {"items": "Tờ khai\n\n Bản sao "}).items == (
        "Tờ khai",
        "Bản sao",
    )
    # A naive instant is UTC, as the columns store it.
    naive = ev.from_detail("propose_delay", {"proposed_due": "2026-12-01T03:30:00"})
    assert isinstance(naive, ev.DelayProposed) and naive.proposed_due == T1


def test_an_unknown_kind_reads_as_a_bare_payload_with_its_pause() -> None:
    payload = ev.from_detail("import", {"paused_from": T0.isoformat(), "x": 1})
    assert type(payload) is ev.EventPayload
    assert payload.pause == ev.Pause(started=T0)


def test_payloads_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        ev.Refused(reason="a").reason = "b"  # type: ignore[misc]


def test_the_holder_follows_the_handovers() -> None:
    assert ev.holder_of([]) == "Bộ phận Một cửa"
    steps = [
        ev.Received(),
        ev.HandedOver(from_unit="Bộ phận Một cửa", to_unit="Tư pháp"),
        ev.SupplementRequested(items=("x",)),
        ev.HandedOver(from_unit="Tư pháp", to_unit=""),  # names no unit: stays
    ]
    assert ev.holder_of(steps) == "Tư pháp"
    assert ev.holder_of([*steps, ev.HandedOver(to_unit="Lãnh đạo")]) == "Lãnh đạo"
