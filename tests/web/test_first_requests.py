"""The first requests an app serves: its pages are registered on first use (issue 15: a
command-line start that lists the commands loads none of them), so the first requests, from
several threads at once as waitress serves them, must find the whole app."""

from __future__ import annotations

import threading
from typing import Any

from flask import Flask

POLL = "/man-hinh/trang-thai"


def test_the_first_requests_at_once_all_find_every_page(app: Flask) -> None:
    paths = ["/dang-nhap", "/tra-cuu/", "/lay-so/", POLL, "/ho-so/"] * 2
    start = threading.Barrier(len(paths))
    answers: dict[int, Any] = {}

    def ask(i: int, path: str) -> None:
        client = app.test_client()
        start.wait()
        answers[i] = client.get(path)

    threads = [threading.Thread(target=ask, args=(i, p)) for i, p in enumerate(paths)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for i, path in enumerate(paths):
        answer = answers[i]
        if path == "/ho-so/":  # a staff page: to the sign-in page, not a 404
            assert answer.status_code == 302 and "/dang-nhap" in answer.location
        else:
            assert answer.status_code == 200, (path, answer.status_code)
    assert "Đăng nhập" in answers[0].get_data(as_text=True)
    # The board's 304 is answered before Flask (the web layer's wrapper) from the first poll on.
    tag = answers[3].headers["ETag"]
    unchanged = app.test_client().get(POLL, headers={"If-None-Match": tag})
    assert unchanged.status_code == 304


def test_a_web_layer_that_fails_to_register_says_why_on_every_request() -> None:
    """Half registered (a blueprint in, then an error), the app does not try again on the
    next request (which would fail on the blueprint already there, hiding the cause)."""
    from flask import Blueprint

    from counter import CounterApp

    calls = []

    def broken(app: Flask) -> None:
        calls.append(1)
        app.register_blueprint(Blueprint("half", __name__))
        raise RuntimeError("a page module is broken")

    app = CounterApp(__name__)
    app.defer_web(broken)
    for _ in range(2):
        try:
            app.test_client().get("/")
        except RuntimeError as err:
            assert str(err) == "a page module is broken"
        else:
            raise AssertionError("the request should fail")
    assert calls == [1]
