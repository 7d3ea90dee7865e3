"""Every staff URL is closed to anonymous visitors; the URL map is enumerated."""

from __future__ import annotations

from flask import Flask

from counter.web import PUBLIC_ENDPOINTS


def _sample_url(rule: object) -> str:
    url = str(rule)
    for arg in getattr(rule, "arguments", ()):
        url = url.replace(f"<int:{arg}>", "1").replace(f"<{arg}>", "x")
        url = url.replace(f"<path:{arg}>", "x")
    return url


def test_every_staff_url_sends_an_anonymous_user_to_login(app: Flask) -> None:
    client = app.test_client()
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        url = _sample_url(rule)
        methods = (rule.methods or set()) - {"HEAD", "OPTIONS"}
        for method in methods:
            # CSRF is checked before login for POST; turn it off to reach the login check.
            app.config["WTF_CSRF_ENABLED"] = method == "GET"
            resp = client.open(url, method=method)
            assert resp.status_code == 302, f"{method} {url} → {resp.status_code}"
            assert "/dang-nhap" in resp.location, f"{method} {url} → {resp.location}"
            checked += 1
    app.config["WTF_CSRF_ENABLED"] = True
    assert checked >= 10


def test_public_pages_stay_few_and_named(app: Flask) -> None:
    """A new public page must be added to PUBLIC_ENDPOINTS on purpose."""
    assert {"static", "auth.login", "auth.set_language"} <= PUBLIC_ENDPOINTS
    assert all(
        e.split(".")[0] in {"static", "auth", "public", "kiosk", "display"}
        for e in PUBLIC_ENDPOINTS
    )


def test_unknown_page_gives_a_vietnamese_404(client: object) -> None:
    resp = client.get("/khong-co-trang-nay")  # type: ignore[attr-defined]
    assert resp.status_code == 404
    assert "Không tìm thấy trang bạn yêu cầu." in resp.get_data(as_text=True)


def test_an_unexpected_error_gives_a_vietnamese_500_and_saves_nothing(app: Flask) -> None:
    from counter.extensions import db
    from counter.models import Office

    def broken() -> str:
        office = db.session.get(Office, 1)
        office.name = "Nửa chừng"
        db.session.flush()
        raise RuntimeError("boom")

    app.add_url_rule("/__broken", "broken", broken)
    PUBLIC_ENDPOINTS.add("broken")
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        resp = app.test_client().get("/__broken")
    finally:
        PUBLIC_ENDPOINTS.discard("broken")
    assert resp.status_code == 500
    assert "Đã có lỗi trong phần mềm" in resp.get_data(as_text=True)
    assert db.session.get(Office, 1).name != "Nửa chừng"


def test_home_shows_what_is_due_with_links_to_the_worklist(login_as: object) -> None:
    from counter.services import Actor, dossiers

    counts = dossiers.worklist_counts(Actor(None, "x", frozenset({"leader"})))
    html = login_as("lanhdao").get("/").get_data(as_text=True)  # type: ignore[operator]
    assert "Quá hạn toàn đơn vị" in html
    assert f"<strong>{counts['overdue']}</strong>" in html
    assert "/ho-so/?tab=overdue" in html
