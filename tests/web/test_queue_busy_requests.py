"""The queue's busiest requests (the kiosk's ticket, «Gọi số tiếp theo», the board's poll)
take short cuts for speed; what they answer, and what they refuse, stays the same."""

from __future__ import annotations

from typing import Any

from flask import Flask

from counter.extensions import db
from counter.models import QueueEvent, QueueTicket
from tests.conftest import csrf_from
from tests.web.test_queue_pages import counter, open_all_day_today, service, take, tickets

POLL = "/man-hinh/trang-thai"


def test_the_kiosk_refuses_a_post_without_its_token_or_as_json(app: Flask, client: Any) -> None:
    open_all_day_today()
    form = {"service": str(service("A").id), "priority": ""}
    assert client.post("/lay-so/", data=form).status_code == 400  # no token
    assert client.post("/lay-so/", data={**form, "csrf_token": "x"}).status_code == 400
    token = csrf_from(client.get("/lay-so/").get_data(as_text=True))
    as_json = client.post("/lay-so/", json=form, headers={"X-CSRFToken": token})
    assert as_json.status_code == 400
    assert "Dữ liệu gửi lên không đúng dạng của biểu mẫu" in as_json.get_data(as_text=True)
    assert tickets() == []
    assert client.post("/lay-so/", data={**form, "csrf_token": token}).status_code == 302
    assert [t.code for t in tickets()] == ["A001"]


def test_call_next_refuses_a_post_without_its_token(app: Flask, login_as: Any) -> None:
    open_all_day_today()
    officer = login_as("tiepnhan")
    here = counter(1).id
    assert officer.submit(f"/quay/{here}/mo", {}, page="/quay/").status_code == 302
    take(app.test_client(), "A")
    assert officer.client.post(f"/quay/{here}/goi", data={}).status_code == 400
    token = csrf_from(officer.get(f"/quay/{here}").get_data(as_text=True))
    as_json = officer.client.post(f"/quay/{here}/goi", json={}, headers={"X-CSRFToken": token})
    assert as_json.status_code == 400
    assert [t.status for t in tickets()] == ["waiting"]
    called = officer.client.post(f"/quay/{here}/goi", data={"csrf_token": token})
    assert called.status_code == 302
    assert "Mời số A001." in officer.get(called.location).get_data(as_text=True)
    assert [(t.code, t.status, t.counter_id) for t in tickets()] == [("A001", "called", here)]
    actions = db.session.scalars(db.select(QueueEvent.action).order_by(QueueEvent.id)).all()
    assert actions[-2:] == ["issue", "call"]


def test_call_next_at_a_counter_not_ones_own_is_refused_with_its_reason(
    app: Flask, login_as: Any
) -> None:
    open_all_day_today()
    one, two = login_as("tiepnhan"), login_as("kiemnhiem")
    here = counter(1).id
    token = csrf_from(one.get("/quay/").get_data(as_text=True))
    page = one.get(one.client.post(f"/quay/{here}/goi", data={"csrf_token": token}).location)
    assert "Quầy số 1 chưa mở; hãy mở quầy trước." in page.get_data(as_text=True)
    assert one.submit(f"/quay/{here}/mo", {}, page="/quay/").status_code == 302
    take(app.test_client(), "A")
    token = csrf_from(two.get("/quay/").get_data(as_text=True))
    refused = two.client.post(f"/quay/{here}/goi", data={"csrf_token": token})
    page = two.get(refused.location).get_data(as_text=True)
    assert "Quầy số 1 đang do cán bộ khác phụ trách." in page
    assert [t.status for t in tickets()] == ["waiting"]


def test_an_unchanged_poll_is_the_same_304_with_or_without_cookies(app: Flask, client: Any) -> None:
    tag = client.get(POLL).headers["ETag"]
    bare = client.get(POLL, headers={"If-None-Match": tag})  # a TV: no cookie
    client.get("/lay-so/")  # now the browser holds a session cookie
    with_cookie = client.get(POLL, headers={"If-None-Match": tag})
    assert bare.status_code == with_cookie.status_code == 304
    assert bare.data == with_cookie.data == b""
    assert sorted(bare.headers.items()) == sorted(with_cookie.headers.items())
    assert "Set-Cookie" not in bare.headers


def test_a_poll_without_cookies_never_gets_an_old_answer(app: Flask) -> None:
    open_all_day_today()
    board = app.test_client()
    first = board.get(POLL)
    tag = first.headers["ETag"]
    assert board.get(POLL, headers={"If-None-Match": tag}).status_code == 304
    take(app.test_client(), "B")
    changed = board.get(POLL, headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["ETag"] != tag
    assert [(w["letter"], w["count"]) for w in changed.json["waiting"]] == [
        ("A", 0),
        ("B", 1),
        ("C", 0),
    ]
    now = changed.headers["ETag"]
    assert board.get(POLL, headers={"If-None-Match": f'"x", {now}'}).status_code == 304
    assert board.get(POLL, headers={"If-None-Match": f'"x", {tag}'}).status_code == 200
    assert db.session.scalar(db.select(db.func.count(QueueTicket.id))) == 1


def test_after_call_next_the_counter_page_says_whom_it_called_even_when_reloaded(
    app: Flask, login_as: Any
) -> None:
    """«Mời số …» comes from the ticket at the counter, not from a one-time message: the
    page after the call says it, a reload says it again, and nothing is written to the
    browser's session for it. With nobody waiting the page says so."""
    open_all_day_today()
    officer = login_as("tiepnhan")
    here = counter(1).id
    assert officer.submit(f"/quay/{here}/mo", {}, page="/quay/").status_code == 302
    take(app.test_client(), "A")
    token = csrf_from(officer.get(f"/quay/{here}").get_data(as_text=True))
    called = officer.client.post(f"/quay/{here}/goi", data={"csrf_token": token})
    assert called.status_code == 302 and "Set-Cookie" not in called.headers
    for _ in range(2):  # the page after the redirect, then a reload
        page = officer.get(called.location).get_data(as_text=True)
        assert page.count("Mời số A001.") == 1 and "Bắt đầu phục vụ" in page
    (a001,) = tickets()
    officer.client.post(f"/quay/so/{a001.id}/bat-dau", data={"csrf_token": token})
    page = officer.get(f"/quay/{here}").get_data(as_text=True)
    assert "A001" in page and "Mời số A001." not in page  # served now, not invited
    nobody = officer.client.post(f"/quay/{here}/goi", data={"csrf_token": token})
    page = officer.get(nobody.location).get_data(as_text=True)
    assert "Không còn ai đang chờ." in page and "Mời số" not in page
    assert [(t.code, t.status) for t in tickets()] == [("A001", "serving")]
