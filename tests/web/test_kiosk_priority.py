"""The kiosk's priority button: the citizen says who they are; the counter sees it."""

from __future__ import annotations

import re
from typing import Any

from tests.web.test_queue_pages import counter, open_now, press, service, tickets

__all__ = ["open_now"]  # the fixture, imported for the tests below


def test_priority_asks_who_and_the_counter_sees_it(
    client: Any, login_as: Any, open_now: None
) -> None:
    home = client.get("/lay-so/").get_data(as_text=True)
    choose = re.search(r'href="(/lay-so/uu-tien/\d+)"[^>]*>[^<]*Ưu tiên', home)
    assert choose, "the priority button leads to the choice of who"
    page = client.get(choose.group(1)).get_data(as_text=True)
    kinds = re.findall(r'name="priority" value="(\w+)"', page)
    assert kinds == ["elderly", "disability", "pregnant", "child", "merit"]
    for label in (
        "Người cao tuổi",
        "Người khuyết tật",
        "Phụ nữ mang thai",
        "Người đi cùng con dưới 36 tháng tuổi",
        "Người có công với cách mạng",
    ):
        assert label in page
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token
    assert f'name="service" value="{service("A").id}"' in page
    taken = client.post(
        "/lay-so/",
        data={"csrf_token": token.group(1), "service": service("A").id, "priority": "pregnant"},
    )
    shown = client.get(taken.location).get_data(as_text=True)
    assert "Ưu tiên: Phụ nữ mang thai" in shown
    assert (tickets()[0].priority, tickets()[0].priority_kind) == (True, "pregnant")

    officer = login_as("tiepnhan")
    c1 = counter(1)
    press(officer, f"/quay/{c1.id}/mo")
    waiting = officer.get(f"/quay/{c1.id}").get_data(as_text=True)
    assert "Phụ nữ mang thai" in waiting  # in the waiting list
    press(officer, f"/quay/{c1.id}/goi")
    at_counter = officer.get(f"/quay/{c1.id}").get_data(as_text=True)
    assert re.search(r'class="queue-code">A001<.*Phụ nữ mang thai', at_counter, re.S)


def test_an_unknown_kind_or_service_is_refused_without_a_ticket(
    client: Any, open_now: None
) -> None:
    assert client.get("/lay-so/uu-tien/999999").status_code == 404
    page = client.get(f"/lay-so/uu-tien/{service('A').id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token
    refused = client.post(
        "/lay-so/",
        data={"csrf_token": token.group(1), "service": service("A").id, "priority": "vip"},
        follow_redirects=True,
    )
    assert refused.status_code == 200
    assert "Loại ưu tiên không hợp lệ." in refused.get_data(as_text=True)
    assert tickets() == []
