"""The counter page's lists refresh by themselves: a small fragment polled with its ETag."""

from __future__ import annotations

import re
from typing import Any

from tests.web.test_queue_pages import counter, open_now, press, take

__all__ = ["open_now"]  # the fixture, imported for the tests below


def test_the_lists_answer_304_until_a_citizen_takes_a_number(
    login_as: Any, client: Any, open_now: None
) -> None:
    officer = login_as("tiepnhan")
    c1 = counter(1)
    press(officer, f"/quay/{c1.id}/mo")
    page = officer.get(f"/quay/{c1.id}").get_data(as_text=True)
    url = re.search(r'id="queue-lists" data-state-url="([^"]+)"', page)
    assert url, "the lists say where to poll"
    assert "/static/js/counter.js" in page
    first = officer.get(url.group(1))
    assert first.status_code == 200 and first.headers["ETag"]
    assert "Không có ai đang chờ." in first.get_data(as_text=True)
    assert "<html" not in first.get_data(as_text=True)  # only the lists
    tag = first.headers["ETag"]
    assert officer.get(url.group(1), headers={"If-None-Match": tag}).status_code == 304
    take(client, "A", "elderly")
    changed = officer.get(url.group(1), headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["ETag"] != tag
    body = changed.get_data(as_text=True)
    assert "A001" in body and "Người cao tuổi" in body and "Hộ tịch: <strong>1</strong>" in body


def test_the_lists_are_for_reception_only(login_as: Any, client: Any, open_now: None) -> None:
    url = f"/quay/{counter(1).id}/danh-sach"
    assert client.get(url).status_code == 302  # to the sign-in page
    assert login_as("chuyenvien").get(url).status_code == 403
    assert login_as("tiepnhan").get("/quay/999999/danh-sach").status_code == 404
